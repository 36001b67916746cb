#include "dataplane/sfu/delay_estimator.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using tern::sfu::BandwidthUsage;
using tern::sfu::DelayEstimator;

namespace {

/// Packets every 10 ms for `ms`; each arrives `grow_us` later (relative to its send time) than
/// the one before. Returns the states seen.
struct Feed {
    DelayEstimator d;
    int64_t send_us = 0;
    int64_t delay_us = 30'000;
    int overuse = 0, underuse = 0, normal = 0;
    void run(int64_t ms, int64_t grow_us) {
        for (int64_t i = 0; i < ms / 10; ++i) {
            send_us += 10'000;
            delay_us = std::max<int64_t>(delay_us + grow_us, 20'000);
            switch (d.on_packet(send_us, send_us + delay_us)) {
            case BandwidthUsage::Overusing: ++overuse; break;
            case BandwidthUsage::Underusing: ++underuse; break;
            case BandwidthUsage::Normal: ++normal; break;
            }
        }
    }
    void clear() { overuse = underuse = normal = 0; }
};

}  // namespace

TEST_CASE("DelayEstimator: a constant delay is normal, a growing one overuse, a shrinking one "
          "underuse",
          "[sfu][bwe]") {
    Feed f;
    f.run(2'000, 0);
    CHECK(f.overuse == 0);
    CHECK(f.underuse == 0);
    CHECK(f.d.state() == BandwidthUsage::Normal);
    f.clear();
    f.run(500, 1'000);  // the queue grows 1 ms per 10 ms packet: 10 % over capacity
    CHECK(f.overuse > 0);
    CHECK(f.d.state() == BandwidthUsage::Overusing);
    f.clear();
    f.run(300, -2'000);  // it drains
    CHECK(f.underuse > 0);
    f.clear();
    f.run(2'000, 0);
    CHECK(f.d.state() == BandwidthUsage::Normal);
}

TEST_CASE("DelayEstimator: jitter alone does not signal overuse", "[sfu][bwe]") {
    DelayEstimator d;
    int overuse = 0;
    uint32_t x = 12345;
    for (int64_t i = 0; i < 3'000; ++i) {
        x = x * 1'103'515'245U + 12'345U;  // a fixed pseudo-random ±4 ms
        const int64_t jitter = static_cast<int64_t>((x >> 16) % 8'000) - 4'000;
        overuse +=
            d.on_packet(i * 10'000, i * 10'000 + 40'000 + jitter) == BandwidthUsage::Overusing;
    }
    CHECK(overuse == 0);
    CHECK(d.threshold() >= DelayEstimator::kMinThreshold);
}

TEST_CASE("DelayEstimator: packets within 5 ms of sending form one group", "[sfu][bwe]") {
    DelayEstimator d;
    // Bursts of 5 packets 1 ms apart every 30 ms, a steady path: the spread inside a burst (the
    // bottleneck serialising it) is not a delay trend.
    for (int64_t g = 0; g < 300; ++g) {
        for (int64_t k = 0; k < 5; ++k) {
            const int64_t s = g * 30'000 + k * 1'000;
            CHECK(d.on_packet(s, s + 20'000 + k * 2'000) == BandwidthUsage::Normal);
        }
    }
    // Late reports of packets sent before the group being filled are ignored.
    CHECK(d.on_packet(0, 50'000'000) == BandwidthUsage::Normal);
    CHECK(d.trend() == Approx(0).margin(1.0));
}
