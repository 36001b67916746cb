// Login throttling: an address gets its burst, then one attempt a second; a user name gets its
// burst of failures, then one a minute, whatever the address (and without regard to case); a
// success forgets the failures; the per-user table stays bounded and forgets refilled names
// first; limits of 0 are off.
#include "signaling/backend/auth/login_throttle.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend;

namespace {
constexpr uint64_t kS = 1'000'000;
constexpr uint64_t kT0 = 1000 * kS;
}  // namespace

TEST_CASE("login throttle: per address, every attempt", "[backend][auth]") {
    LoginThrottleConfig c;
    c.attempts_per_second = 1;
    c.attempt_burst = 3;
    LoginThrottle t(c);
    for (int i = 0; i < 3; ++i) {
        CHECK(t.admit("192.0.2.1", "alice", kT0));
    }
    CHECK_FALSE(t.admit("192.0.2.1", "bob", kT0));
    CHECK(t.admit("192.0.2.2", "alice", kT0));  // another address
    CHECK(t.admit("192.0.2.1", "alice", kT0 + kS));
    CHECK_FALSE(t.admit("192.0.2.1", "alice", kT0 + kS));
}

TEST_CASE("login throttle: per user, failures from any address", "[backend][auth]") {
    LoginThrottleConfig c;
    c.attempts_per_second = 0;  // addresses unlimited here
    c.user_failure_interval_s = 60;
    c.user_failure_burst = 3;
    LoginThrottle t(c);
    for (int i = 0; i < 3; ++i) {
        const std::string addr = "198.51.100." + std::to_string(i);
        REQUIRE(t.admit(addr, "alice", kT0));
        t.record_failure("alice", kT0);
    }
    CHECK_FALSE(t.admit("203.0.113.9", "alice", kT0));
    CHECK_FALSE(t.admit("203.0.113.9", "ALICE", kT0 + 59 * kS));
    CHECK(t.admit("203.0.113.9", "bob", kT0));
    // One failure's worth back after a minute.
    CHECK(t.admit("203.0.113.9", "alice", kT0 + 60 * kS));
    t.record_failure("alice", kT0 + 60 * kS);
    CHECK_FALSE(t.admit("203.0.113.9", "alice", kT0 + 61 * kS));
    // A success (the owner, once the wait is over) forgets them.
    CHECK(t.admit("203.0.113.9", "alice", kT0 + 120 * kS));
    t.record_success("Alice");
    for (int i = 0; i < 3; ++i) {
        CHECK(t.admit("203.0.113.9", "alice", kT0 + 121 * kS));
        t.record_failure("alice", kT0 + 121 * kS);
    }
    CHECK_FALSE(t.admit("203.0.113.9", "alice", kT0 + 121 * kS));
}

TEST_CASE("login throttle: the user table is bounded", "[backend][auth]") {
    LoginThrottleConfig c;
    c.attempts_per_second = 0;
    c.user_failure_burst = 1;
    c.user_failure_interval_s = 10;
    c.tracked_users = 4;
    LoginThrottle t(c);
    for (int i = 0; i < 4; ++i) {
        t.record_failure("u" + std::to_string(i), kT0);
    }
    t.record_failure("u4", kT0);  // full, none refilled: not tracked
    CHECK(t.untracked_failures() == 1);
    CHECK(t.admit("192.0.2.1", "u4", kT0));
    CHECK_FALSE(t.admit("192.0.2.1", "u0", kT0));
    // Once the others have refilled, they make room.
    t.record_failure("u5", kT0 + 10 * kS);
    CHECK(t.untracked_failures() == 1);
    CHECK_FALSE(t.admit("192.0.2.1", "u5", kT0 + 10 * kS));
    CHECK(t.admit("192.0.2.1", "u0", kT0 + 10 * kS));
}

TEST_CASE("login throttle: zero turns limits off", "[backend][auth]") {
    LoginThrottleConfig c;
    c.attempts_per_second = 0;
    c.user_failure_burst = 0;
    LoginThrottle t(c);
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(t.admit("192.0.2.1", "alice", kT0));
        t.record_failure("alice", kT0);
    }
}
