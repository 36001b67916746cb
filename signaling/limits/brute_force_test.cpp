// The brute-force limiter: blocked after more than ten failures in 30 minutes, per action and per
// address (IPv6 by /64), released as failures age out; delays grow to 25 s; memory stays bounded.
#include "signaling/limits/brute_force.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig;
using namespace std::chrono_literals;
using Clock = BruteForceLimiter::Clock;

TEST_CASE("brute force: more than ten failures block that address for that action",
          "[signaling][limits]") {
    BruteForceLimiter l;
    const auto t0 = Clock::time_point{} + 1h;
    for (int i = 0; i < 10; ++i) {
        l.record_failure(GuardedAction::Resume, "192.0.2.7", t0 + i * 1s);
    }
    CHECK_FALSE(l.blocked(GuardedAction::Resume, "192.0.2.7", t0 + 10s));
    l.record_failure(GuardedAction::Resume, "192.0.2.7", t0 + 10s);
    CHECK(l.blocked(GuardedAction::Resume, "192.0.2.7", t0 + 11s));
    CHECK_FALSE(l.blocked(GuardedAction::InternalHello, "192.0.2.7", t0 + 11s));  // another action
    CHECK_FALSE(l.blocked(GuardedAction::Resume, "192.0.2.8", t0 + 11s));         // another address
    // Released once the oldest failures leave the 30-minute window.
    CHECK(l.blocked(GuardedAction::Resume, "192.0.2.7", t0 + 30min - 1s));
    CHECK_FALSE(l.blocked(GuardedAction::Resume, "192.0.2.7", t0 + 30min + 1s));
}

TEST_CASE("brute force: an IPv6 client is counted by its /64", "[signaling][limits]") {
    BruteForceLimiter l;
    const auto t0 = Clock::time_point{} + 1h;
    for (int i = 0; i < 11; ++i) {
        l.record_failure(GuardedAction::BackendRequest, "2001:db8:1:2::" + std::to_string(i + 1),
                         t0);
    }
    CHECK(l.blocked(GuardedAction::BackendRequest, "2001:db8:1:2:ffff::1", t0));
    CHECK_FALSE(l.blocked(GuardedAction::BackendRequest, "2001:db8:1:3::1", t0));
}

TEST_CASE("brute force: delays double up to 25 s; memory is bounded and pruned",
          "[signaling][limits]") {
    BruteForceLimiter l{4};
    const auto t0 = Clock::time_point{} + 1h;
    CHECK(l.record_failure(GuardedAction::Resume, "192.0.2.1", t0) == 100ms);
    CHECK(l.record_failure(GuardedAction::Resume, "192.0.2.1", t0) == 200ms);
    std::chrono::milliseconds d{};
    for (int i = 0; i < 20; ++i) {
        d = l.record_failure(GuardedAction::Resume, "192.0.2.1", t0);
    }
    CHECK(d == BruteForceLimiter::kMaxDelay);
    for (int i = 2; i <= 10; ++i) {
        l.record_failure(GuardedAction::Resume, "192.0.2." + std::to_string(i), t0 + i * 1s);
    }
    CHECK(l.tracked() == 4);
    l.prune(t0 + 10s + 30min);
    CHECK(l.tracked() == 0);
}
