// The hello rate limit of a whole process: the hubs of every shard take their tokens from one
// HelloRateLimiter, so an address's budget does not grow with the number of shards its
// connections land on (SO_REUSEPORT spreads them by their address and port pairs). A mutex is
// held for one admit(): a hello comes once per session, never on the message path.
#pragma once

#include "signaling/limits/hello_rate_limiter.hpp"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace tern::sig {

class SharedHelloRate {
public:
    SharedHelloRate(uint32_t per_second, uint32_t burst, std::size_t max_addresses)
        : limiter_(per_second, burst, max_addresses) {}

    /// HelloRateLimiter::admit, from any thread.
    bool admit(std::string_view address, uint64_t now_us) {
        const std::lock_guard lock(mu_);
        return limiter_.admit(address, now_us);
    }

private:
    std::mutex mu_;
    HelloRateLimiter limiter_;  // guarded by mu_
};

}  // namespace tern::sig
