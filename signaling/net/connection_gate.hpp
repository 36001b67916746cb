// The per-address gate: [limits] connections_per_ip connections at once per client address,
// none for [limits] exempt. A peer that is not a trusted proxy is counted from accept (every TCP
// connection); behind a trusted proxy each WebSocket counts for the address its X-Real-Ip /
// X-Forwarded-For names (http_session.hpp). One gate per process, shared by every shard under its
// mutex, so the limit is exact for the node (not for a cluster: each node counts its own). The lock
// is taken once per upgrade and once per close, never per frame.
#pragma once

#include "signaling/config/signaling_config.hpp"
#include "signaling/limits/connection_limiter.hpp"
#include "signaling/net/address_matcher.hpp"

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace tern::sig::net {

class ConnectionGate {
public:
    /// One admitted connection: gives its place back when destroyed (or reset by assignment).
    class Slot {
    public:
        Slot() = default;
        Slot(Slot&& o) noexcept : gate_(o.gate_), ip_(std::move(o.ip_)) { o.gate_ = nullptr; }
        Slot& operator=(Slot&& o) noexcept;
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot() { release(); }

    private:
        friend class ConnectionGate;
        Slot(ConnectionGate* gate, std::string ip) : gate_(gate), ip_(std::move(ip)) {}
        void release() noexcept;

        ConnectionGate* gate_ = nullptr;  // borrowed, outlives every connection
        std::string ip_;
    };

    enum class Outcome : uint8_t {
        Admitted,   // counted in `slot`
        Refused,    // the address holds connections_per_ip already: answer 429
        Exempt,     // in [limits] exempt
        Untracked,  // no limit configured, or the table is full: let in uncounted
    };
    struct Admission {
        Outcome outcome;
        Slot slot;
    };

    /// Entries of `limits.exempt` that do not parse are kept in bad_entries() (there are none
    /// once the configuration has been checked).
    explicit ConnectionGate(const LimitsConfig& limits);
    ConnectionGate(const ConnectionGate&) = delete;
    ConnectionGate& operator=(const ConnectionGate&) = delete;

    Admission admit(std::string_view ip);
    [[nodiscard]] bool exempt(std::string_view ip) const { return exempt_.contains(ip); }
    /// Addresses holding counted connections now.
    [[nodiscard]] std::size_t tracked() const;
    [[nodiscard]] const std::vector<std::string>& bad_entries() const { return bad_; }

private:
    void release(std::string_view ip) noexcept;

    mutable std::mutex mu_;
    ConnectionLimiter limiter_;  // guarded by mu_
    AddressMatcher exempt_;      // immutable after construction
    std::vector<std::string> bad_;
};

}  // namespace tern::sig::net
