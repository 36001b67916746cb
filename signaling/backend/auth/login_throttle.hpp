// Login throttling, two limits at once (a login is refused, Throttled, when either says no):
//
// - per client address, every attempt: the GCRA bucket of signaling/limits/ (HelloRateLimiter:
//   fixed memory, IPv6 counted by /64), `attempts_per_second` sustained after a burst. Each
//   attempt may cost an argon2 hash, so this also bounds the CPU one address can take.
// - per user name, failures only: a GCRA bucket per name (compared without regard to case),
//   one failure per `user_failure_interval_s` sustained after `user_failure_burst`; a success
//   empties it. This stops a slow guess at one account spread over many addresses; its cost is
//   that such a guess can also lock the owner out for as long as it goes on.
//
// The per-user table holds at most `tracked_users` names; when full, names whose bucket has
// refilled are forgotten first, and if none has, a new name is not tracked (counted in
// untracked_failures(); the address limit still applies to it).
//
// Time is injected (µs). Not thread-safe: one owner.
#pragma once

#include "signaling/limits/hello_rate_limiter.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tern::sig::backend {

struct LoginThrottleConfig {
    uint32_t attempts_per_second = 1;  // per address, after the burst; 0: no address limit
    uint32_t attempt_burst = 10;
    uint32_t user_failure_interval_s = 60;  // one failure per minute per name, after the burst
    uint32_t user_failure_burst = 10;       // 0: no per-user limit
    std::size_t tracked_addresses = 65536;
    std::size_t tracked_users = 65536;
};

class LoginThrottle {
public:
    explicit LoginThrottle(const LoginThrottleConfig& config = {});

    /// Whether a login attempt from `address` for `user` may go ahead; counts the attempt
    /// against the address.
    bool admit(std::string_view address, std::string_view user, uint64_t now_us);
    /// A failed attempt (wrong password, unknown user) counts against the name.
    void record_failure(std::string_view user, uint64_t now_us);
    /// A successful login forgets the name's failures.
    void record_success(std::string_view user);

    [[nodiscard]] uint64_t untracked_failures() const noexcept { return untracked_failures_; }

private:
    static std::string key_of(std::string_view user);
    void forget_idle(uint64_t now_us);

    LoginThrottleConfig config_;
    HelloRateLimiter addresses_;
    uint64_t user_interval_us_;
    uint64_t user_tolerance_us_;                          // (burst - 1) intervals
    std::unordered_map<std::string, uint64_t> user_tat_;  // theoretical arrival time, µs
    uint64_t untracked_failures_ = 0;
};

}  // namespace tern::sig::backend
