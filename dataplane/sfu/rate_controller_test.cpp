#include "dataplane/sfu/rate_controller.hpp"

#include <catch2/catch.hpp>

using tern::sfu::BandwidthUsage;
using tern::sfu::RateController;
using tern::sfu::RateLimits;

TEST_CASE("RateController: overuse decreases to 0.85 of the acked rate, then holds", "[sfu][bwe]") {
    RateController r{RateLimits{30'000, 10'000'000, 1'000'000}};
    CHECK(r.estimate() == 1'000'000);
    CHECK(r.update(BandwidthUsage::Overusing, 900'000, 0, 50'000) == 765'000);
    CHECK(r.capacity_kbps() == Approx(900));
    // Still overusing with the same acked rate: no compounding.
    CHECK(r.update(BandwidthUsage::Overusing, 900'000, 100'000, 50'000) == 765'000);
    // Normal right after a decrease: hold once, then increase.
    CHECK(r.update(BandwidthUsage::Normal, 765'000, 200'000, 50'000) == 765'000);
    CHECK(r.update(BandwidthUsage::Normal, 765'000, 300'000, 50'000) > 765'000);
    // Underuse holds.
    const uint64_t e = r.estimate();
    CHECK(r.update(BandwidthUsage::Underusing, 765'000, 400'000, 50'000) == e);
}

TEST_CASE("RateController: increases multiplicatively far from the capacity, additively near it",
          "[sfu][bwe]") {
    RateController far{RateLimits{30'000, 10'000'000, 300'000}};
    far.update(BandwidthUsage::Normal, 300'000, 0, 50'000);
    const uint64_t one_s = far.update(BandwidthUsage::Normal, 300'000, 1'000'000, 50'000);
    CHECK(one_s == Approx(300'000 * (1 + RateController::kIncreasePerS)).epsilon(0.001));

    RateController near{RateLimits{30'000, 10'000'000, 1'000'000}};
    near.update(BandwidthUsage::Overusing, 1'000'000, 0, 50'000);   // capacity ~1 Mbit/s
    near.update(BandwidthUsage::Normal, 850'000, 100'000, 50'000);  // hold
    const uint64_t start = near.update(BandwidthUsage::Normal, 990'000, 200'000, 50'000);
    const uint64_t after = near.update(BandwidthUsage::Normal, 990'000, 1'200'000, 50'000);
    // About a 1,200-byte packet per response time (50 ms + 100 ms): 64 kbit/s per second.
    CHECK(after - start == Approx(64'000).epsilon(0.01));
}

TEST_CASE("RateController: never further than 1.5x the acked rate ahead, within the limits",
          "[sfu][bwe]") {
    RateController r{RateLimits{100'000, 2'000'000, 300'000}};
    r.update(BandwidthUsage::Normal, 100'000, 0, 0);
    for (int64_t t = 1; t <= 30; ++t) {
        r.update(BandwidthUsage::Normal, 100'000, t * 1'000'000, 0);
    }
    CHECK(r.estimate() == 300'000);  // above 1.5 × 100k + 10k already: kept, not cut
    for (int64_t t = 31; t <= 60; ++t) {
        r.update(BandwidthUsage::Normal, 1'900'000, t * 1'000'000, 0);
    }
    CHECK(r.estimate() == 2'000'000);
    for (int k = 0; k < 40; ++k) {
        r.update(BandwidthUsage::Overusing, 0, 61'000'000 + k, 0);
    }
    CHECK(r.estimate() == 100'000);
    r.set_estimate(5'000'000, 62'000'000);
    CHECK(r.estimate() == 2'000'000);
}
