// The bandwidth estimator against a simulated path (tests/support/bwe_run.hpp): the SFU sends
// at the estimate through a bottleneck, the subscriber returns real transport-cc feedback, and
// the estimate must find the capacity, follow it down and up, shrug off random loss and survive
// feedback that is duplicated or reordered. TERN_BWE_TRACE=1 prints each run's estimate.
#include "dataplane/sfu/bandwidth_estimator.hpp"
#include "support/bwe_run.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <vector>

using namespace tern;
using namespace tern::sfu;

namespace {

using Run = test::BweRun;

test::LinkSim::Config link(uint64_t bps) {
    test::LinkSim::Config c;
    c.rate_bps = bps;
    return c;
}

/// A steady link's checks: the estimate climbs to within 15 % of the capacity from its start
/// and, once there, stays near it without ever exceeding it by more than 10 %.
void check_steady(const Run& r, double capacity) {
    const int64_t reached = r.first(0, [&](uint64_t e) { return e >= 0.85 * capacity; });
    INFO(r.name << ": reached 85 % at " << reached << " ms; max " << r.max_in(0, 40'000)
                << ", last 20 s mean " << r.mean_in(20'000, 40'000) << " min "
                << r.min_in(20'000, 40'000));
    REQUIRE(reached > 0);
    CHECK(reached < 20'000);
    CHECK(static_cast<double>(r.max_in(0, 40'000)) <= 1.10 * capacity);
    CHECK(r.mean_in(20'000, 40'000) >= 0.85 * capacity);
    CHECK(static_cast<double>(r.min_in(20'000, 40'000)) >= 0.75 * capacity);
}

}  // namespace

TEST_CASE("BandwidthEstimator: converges on a steady link from below", "[sfu][bwe]") {
    for (const uint64_t capacity : {600'000ULL, 1'500'000ULL, 4'000'000ULL}) {
        Run r{"steady", link(capacity)};
        r.until(40'000'000);
        check_steady(r, static_cast<double>(capacity));
    }
    // Short and long paths (one-way propagation 5 ms and 80 ms).
    for (const int64_t prop_us : {5'000LL, 80'000LL}) {
        auto c = link(1'500'000);
        c.prop_us = prop_us;
        Run r{"steady_prop", c};
        r.until(40'000'000);
        check_steady(r, 1'500'000);
    }
}

TEST_CASE("BandwidthEstimator: follows the capacity down to 300 kbit/s and back up", "[sfu][bwe]") {
    Run r{"drop", link(2'000'000)};
    r.until(25'000'000);
    REQUIRE(r.est.estimate_bps() >= 1'600'000);
    r.link.set_rate(300'000);
    r.until(35'000'000);
    const int64_t down = r.first(25'000, [](uint64_t e) { return e < 400'000; });
    INFO("under 400 kbit/s " << down - 25'000 << " ms after the drop; 27-35 s max "
                             << r.max_in(27'000, 35'000));
    REQUIRE(down > 0);
    CHECK(down - 25'000 <= 2'000);
    CHECK(r.max_in(27'000, 35'000) < 400'000);
    r.link.set_rate(2'000'000);
    r.until(55'000'000);
    const int64_t up = r.first(35'000, [](uint64_t e) { return e > 1'500'000; });
    INFO("over 1.5 Mbit/s " << up - 35'000 << " ms after the recovery");
    REQUIRE(up > 0);
    CHECK(up - 35'000 <= 15'000);
}

TEST_CASE("BandwidthEstimator: 5 % random loss on an uncongested link does not collapse it",
          "[sfu][bwe]") {
    for (const uint32_t seed : {1U, 2U, 3U}) {
        auto c = link(1'500'000);
        c.seed = seed;
        Run r{"loss", c};
        r.until(25'000'000);
        const uint64_t before = r.est.estimate_bps();
        r.link.set_loss(0.05);
        r.until(45'000'000);
        INFO("seed " << seed << ": before " << before << ", with loss min "
                     << r.min_in(25'000, 45'000) << " mean " << r.mean_in(25'000, 45'000));
        CHECK(static_cast<double>(r.min_in(25'000, 45'000)) >= 0.7 * 1'500'000);
        // 15 % loss is congestion's sign: the estimate comes down.
        r.link.set_loss(0.15);
        r.until(50'000'000);
        CHECK(r.est.estimate_bps() < 0.7 * 1'500'000);
    }
}

TEST_CASE("BandwidthEstimator: duplicated and reordered feedback changes nothing that matters",
          "[sfu][bwe]") {
    Run dup{"duplicated", link(1'500'000)};
    dup.duplicate = true;
    dup.until(40'000'000);
    check_steady(dup, 1'500'000);
    Run reo{"reordered", link(1'500'000)};
    reo.reorder = true;
    reo.until(40'000'000);
    check_steady(reo, 1'500'000);
}

TEST_CASE("BandwidthEstimator: a feedback packet applied twice counts its packets once",
          "[sfu][bwe]") {
    BandwidthEstimator est{RateLimits{}};
    std::vector<int64_t> at;
    for (uint16_t s = 0; s < 40; ++s) {
        est.on_sent(static_cast<uint16_t>(65'520 + s), s * 10'000, 1'000, s < 20 ? 3 : -1);
        at.push_back(s == 7 ? wire::twcc::kNotReceived : 100'000 + s * 10'000);
    }
    wire::twcc::Feedback fb;
    fb.base_seq = 65'520;
    fb.status_count = 40;
    std::array<PacketResult, 64> results{};
    const auto u1 = est.on_feedback(fb, at, 500'000, results);
    CHECK(u1.results == 39);  // the lost one is not a result
    CHECK(results[0].cluster == 3);
    CHECK(results[0].bytes == 1'000);
    CHECK(results[38].cluster == kNoProbeCluster);
    CHECK(results[38].send_us == 390'000);  // sequence number 23, after the wrap
    const auto u2 = est.on_feedback(fb, at, 510'000, results);
    CHECK(u2.results == 0);
    CHECK(u2.acked_bps == u1.acked_bps);
    // The lost one turns up in a later feedback: a result then.
    const std::array<int64_t, 1> late{175'000};
    fb.base_seq = 65'527;
    fb.status_count = 1;
    CHECK(est.on_feedback(fb, late, 520'000, results).results == 1);
    // Numbers never sent are ignored.
    fb.base_seq = 1'000;
    CHECK(est.on_feedback(fb, late, 530'000, results).results == 0);
}

TEST_CASE("BandwidthEstimator: REMB caps the estimate, a probe result raises it", "[sfu][bwe]") {
    Run r{"remb", link(2'000'000)};
    r.until(20'000'000);
    REQUIRE(r.est.estimate_bps() > 1'500'000);
    r.est.on_remb(500'000);
    CHECK(r.est.estimate_bps() == 500'000);
    r.until(25'000'000);
    CHECK(r.max_in(20'100, 25'000) <= 500'000);
    r.est.on_remb(0);  // none any more
    CHECK(r.est.estimate_bps() > 500'000);

    BandwidthEstimator est{RateLimits{}};
    est.on_probe_result(1'200'000, 0);
    CHECK(est.estimate_bps() == 1'200'000);
    est.on_probe_result(800'000, 0);  // lower than what we have: ignored
    CHECK(est.estimate_bps() == 1'200'000);
}
