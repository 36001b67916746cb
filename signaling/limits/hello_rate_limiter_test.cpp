// The per-address hello rate: a burst, then one hello per refill interval; a refused hello costs
// nothing; addresses apart and IPv6 by /64; loopback limited; a fixed table that evicts the
// least recently seen address and counts evictions of ones not yet idle; no limit with 0; one
// budget shared by the shards of a process.
#include "signaling/limits/hello_rate_limiter.hpp"
#include "signaling/limits/shared_hello_rate.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace tern::sig;

namespace {
constexpr uint64_t kS = 1'000'000;  // µs
constexpr uint64_t kT0 = 1000 * kS;
}  // namespace

TEST_CASE("hello rate limiter: a burst, then the refill rate", "[signaling][limits]") {
    HelloRateLimiter l(2, 5, 16);  // 2 a second, bursts of 5
    for (int i = 0; i < 5; ++i) {
        CHECK(l.admit("192.0.2.7", kT0));
    }
    CHECK_FALSE(l.admit("192.0.2.7", kT0));
    CHECK_FALSE(l.admit("192.0.2.7", kT0 + kS / 2 - 1));
    CHECK(l.admit("192.0.2.7", kT0 + kS / 2));  // one token back after 500 ms
    CHECK_FALSE(l.admit("192.0.2.7", kT0 + kS / 2));
    // Sustained: one every 500 ms passes, a second one in between does not.
    for (uint64_t t = kT0 + kS; t < kT0 + 5 * kS; t += kS / 2) {
        CHECK(l.admit("192.0.2.7", t));
        CHECK_FALSE(l.admit("192.0.2.7", t + 1));
    }
    // Refused hellos took nothing: after a quiet 2.5 s the whole burst is back.
    const uint64_t later = kT0 + 5 * kS + 5 * kS / 2;
    for (int i = 0; i < 5; ++i) {
        CHECK(l.admit("192.0.2.7", later));
    }
    CHECK_FALSE(l.admit("192.0.2.7", later));
}

TEST_CASE("hello rate limiter: addresses apart, IPv6 by its /64, loopback limited",
          "[signaling][limits]") {
    HelloRateLimiter l(1, 1, 16);
    CHECK(l.admit("192.0.2.7", kT0));
    CHECK_FALSE(l.admit("192.0.2.7", kT0));
    CHECK(l.admit("192.0.2.8", kT0));
    CHECK(l.admit("2001:db8::1", kT0));
    CHECK_FALSE(l.admit("2001:db8::2", kT0));  // same /64
    CHECK(l.admit("2001:db8:0:1::1", kT0));    // next /64
    CHECK(l.admit("127.0.0.1", kT0));
    CHECK_FALSE(l.admit("127.0.0.1", kT0 + 1));  // loopback is not exempt here
}

TEST_CASE("hello rate limiter: a fixed table evicts the least recently seen address",
          "[signaling][limits]") {
    HelloRateLimiter l(1, 2, 3);
    CHECK(l.admit("192.0.2.1", kT0));
    CHECK(l.admit("192.0.2.2", kT0));
    CHECK(l.admit("192.0.2.3", kT0));
    CHECK(l.tracked() == 3);
    // .1 is seen again, so .2 is now the least recently seen; a newcomer takes its slot.
    CHECK(l.admit("192.0.2.1", kT0 + 1));
    CHECK_FALSE(l.admit("192.0.2.1", kT0 + 2));  // .1 kept its (empty) bucket
    CHECK(l.admit("192.0.2.4", kT0 + 3));
    CHECK(l.tracked() == 3);
    CHECK(l.evicted_active() == 1);  // .2 had used a token less than a second ago
    // Long idle: evicting an address whose bucket is full again is not counted.
    const uint64_t later = kT0 + 10 * kS;
    CHECK(l.admit("192.0.2.5", later));
    CHECK(l.admit("192.0.2.6", later));
    CHECK(l.admit("192.0.2.7", later));
    CHECK(l.evicted_active() == 1);
    CHECK(l.tracked() == 3);
}

TEST_CASE("hello rate limiter: many addresses keep the table at its size", "[signaling][limits]") {
    HelloRateLimiter l(10, 10, 64);
    for (int i = 0; i < 10'000; ++i) {
        const std::string a = "10." + std::to_string(i / 65536) + "." +
                              std::to_string((i / 256) % 256) + "." + std::to_string(i % 256);
        CHECK(l.admit(a, kT0 + static_cast<uint64_t>(i) * kS));
    }
    CHECK(l.tracked() == 64);
    CHECK(l.evicted_active() == 0);
}

TEST_CASE("hello rate limiter: a rate of 0 admits everything", "[signaling][limits]") {
    HelloRateLimiter l(0, 1, 16);
    for (int i = 0; i < 1000; ++i) {
        CHECK(l.admit("192.0.2.7", kT0));
    }
    CHECK(l.tracked() == 0);
}

TEST_CASE("hello rate limiter: a clock stepping back does not refuse for the step",
          "[signaling][limits]") {
    HelloRateLimiter l(1, 2, 16);
    CHECK(l.admit("192.0.2.7", kT0));
    CHECK(l.admit("192.0.2.7", kT0));
    CHECK_FALSE(l.admit("192.0.2.7", kT0));
    // The wall clock goes back an hour: a fresh bucket, not an hour of refusals.
    const uint64_t back = kT0 - 3600 * kS;
    CHECK(l.admit("192.0.2.7", back));
    CHECK(l.admit("192.0.2.7", back));
    CHECK_FALSE(l.admit("192.0.2.7", back));
}

TEST_CASE("hello rate limiter: shards of one process share one budget per address",
          "[signaling][limits]") {
    SharedHelloRate shared(1, 50, 16);  // bursts of 50, then one a second
    std::atomic<int> admitted{0};
    std::vector<std::thread> shards;
    for (int s = 0; s < 4; ++s) {
        shards.emplace_back([&] {
            for (int i = 0; i < 100; ++i) {
                if (shared.admit("192.0.2.7", kT0)) {
                    ++admitted;
                }
            }
        });
    }
    for (std::thread& t : shards) {
        t.join();
    }
    CHECK(admitted == 50);  // not 50 per shard
    CHECK(shared.admit("198.51.100.1", kT0));
}
