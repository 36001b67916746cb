// A brute-force limiter for a whole process: the shards take turns under a mutex, so a client
// cannot multiply its attempts by the shard count its connections are spread over. The edge holds
// one for the backend API, the hubs of every shard one for resumes and internal hellos. Held for
// one call: failures and checks come once per hello or request, never on the message path.
#pragma once

#include "signaling/limits/brute_force.hpp"

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string_view>

namespace tern::sig {

class SharedBruteForce {
public:
    using Clock = BruteForceLimiter::Clock;

    explicit SharedBruteForce(std::size_t max_addresses = 100'000) : limiter_(max_addresses) {}

    bool blocked(GuardedAction a, std::string_view ip, Clock::time_point now) {
        const std::lock_guard lock(mu_);
        return limiter_.blocked(a, ip, now);
    }
    std::chrono::milliseconds record_failure(GuardedAction a, std::string_view ip,
                                             Clock::time_point now) {
        const std::lock_guard lock(mu_);
        return limiter_.record_failure(a, ip, now);
    }
    void prune(Clock::time_point now) {
        const std::lock_guard lock(mu_);
        limiter_.prune(now);
    }

private:
    std::mutex mu_;
    BruteForceLimiter limiter_;  // guarded by mu_
};

}  // namespace tern::sig
