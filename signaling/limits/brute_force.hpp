// Brute-force protection for the requests that prove a secret: resuming a session, an internal
// client's hello, a backend's POST. Failures are counted per action and per client address (an
// IPv6 address by its /64, since one host holds a whole /64); more than kMaxFailures within
// kWindow blocks that address for that action (too_many_requests on the WebSocket, 429 over
// HTTP) until old failures age out. Each failure also asks for a growing delay before the answer
// (100 ms doubling, at most 25 s), which the I/O edge applies without blocking its thread.
// Memory is bounded: at most `max_addresses` addresses are tracked; when full, the entry whose
// last failure is oldest makes room.
#pragma once

#include "signaling/limits/address_key.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <unordered_map>

namespace tern::sig {

enum class GuardedAction : uint8_t { Resume, InternalHello, BackendRequest };

class BruteForceLimiter {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr int kMaxFailures = 10;
    static constexpr std::chrono::minutes kWindow{30};
    static constexpr std::chrono::milliseconds kMaxDelay{25'000};

    explicit BruteForceLimiter(std::size_t max_addresses = 100'000)
        : max_addresses_(max_addresses) {}

    /// Whether `address` (text: IPv4 or IPv6) is blocked for `action` at `now`.
    [[nodiscard]] bool blocked(GuardedAction action, std::string_view address,
                               Clock::time_point now) const;

    /// Counts one failure; returns how long the answer should be delayed.
    std::chrono::milliseconds record_failure(GuardedAction action, std::string_view address,
                                             Clock::time_point now);

    /// Forgets failures older than the window (call now and then, e.g. every minute).
    void prune(Clock::time_point now);

    [[nodiscard]] std::size_t tracked() const noexcept { return entries_.size(); }

private:
    struct Key {
        AddressKey addr{};  // address_key(): IPv4 mapped, IPv6 cut to its /64
        GuardedAction action{};
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const noexcept;
    };
    struct Failures {
        std::array<Clock::time_point, kMaxFailures + 1> at{};  // a ring of the latest failures
        uint32_t count = 0;                                    // ever recorded (ring position)
        Clock::time_point last{};
    };

    static Key key_of(GuardedAction action, std::string_view address);
    static int recent(const Failures& f, Clock::time_point now);

    std::unordered_map<Key, Failures, KeyHash> entries_;
    std::size_t max_addresses_;
};

}  // namespace tern::sig
