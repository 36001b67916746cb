// The probe controller: when it asks for a cluster, how it judges one from packet results, and
// a capacity that came back found by probing over the simulated path (tests/support/bwe_run.hpp)
// sooner than by the estimator's own increase.
#include "dataplane/sfu/probe_controller.hpp"
#include "support/bwe_run.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tern;
using namespace tern::sfu;

namespace {

constexpr uint32_t kBytes = 1'200;

/// Results of a cluster of `n` packets sent `send_gap_us` apart, arriving `arrival_gap_us`
/// apart (every `lose_every`-th lost when non-zero).
std::vector<PacketResult> cluster_results(ProbeController& p, int16_t id, int n,
                                          int64_t send_gap_us, int64_t arrival_gap_us,
                                          int lose_every = 0) {
    std::vector<PacketResult> out;
    for (int i = 0; i < n; ++i) {
        p.on_sent(id, kBytes, i * send_gap_us);
        const bool lost = lose_every != 0 && i % lose_every == 1;
        out.push_back({i * send_gap_us,
                       lost ? wire::twcc::kNotReceived : 40'000 + i * arrival_gap_us, kBytes, id});
    }
    return out;
}

}  // namespace

TEST_CASE("ProbeController: probes only when the layers need more and the link looks underused",
          "[sfu][bwe][probe]") {
    ProbeController p;
    const auto normal = BandwidthUsage::Normal;
    CHECK(p.decide(1'000'000, 1'000'000, 3'000'000, normal, 0, kBytes, 0).id == kNoProbeCluster);
    CHECK(p.decide(500'000, 1'500'000, 3'000'000, BandwidthUsage::Overusing, 0, kBytes, 0).id ==
          kNoProbeCluster);
    CHECK(p.decide(500'000, 1'500'000, 3'000'000, normal, 0.05, kBytes, 0).id == kNoProbeCluster);
    {
        // A cluster shows at least what the upgrade needs: a resume from a low estimate needs
        // more than twice it, an upgrade to the top layer its margin over the maximum.
        ProbeController q;
        CHECK(q.decide(60'000, 220'000, 900'000, normal, 0, kBytes, 0).target_bps == 220'000);
        ProbeController top;
        CHECK(top.decide(900'000, 1'085'000, 950'000, normal, 0, kBytes, 0).target_bps ==
              1'085'000);
    }
    const auto c = p.decide(500'000, 900'000, 3'000'000, BandwidthUsage::Underusing, 0, kBytes, 0);
    REQUIRE(c.id != kNoProbeCluster);
    CHECK(c.target_bps == 1'000'000);  // twice the estimate
    CHECK(c.duration_us == ProbeController::kDurationUs);
    CHECK(p.in_flight());
    // One at a time, and not again within the interval once judged.
    CHECK(p.decide(500'000, 1'500'000, 3'000'000, normal, 0, kBytes, 1'000).id == kNoProbeCluster);
    const auto r = cluster_results(p, c.id, 20, 9'600, 9'600);
    CHECK(p.on_results(r, ProbeController::kDurationUs).ok);
    CHECK_FALSE(p.in_flight());
    CHECK(p.decide(500'000, 1'500'000, 3'000'000, normal, 0, kBytes, 2'000'000).id ==
          kNoProbeCluster);
    const auto next = p.decide(900'000, 1'100'000, 1'200'000, normal, 0, kBytes, 3'000'000);
    CHECK(next.id == c.id + 1);
    CHECK(next.target_bps == 1'200'000);  // capped at the requested maximum
    // A cluster at a low rate lasts long enough for its minimum of packets.
    ProbeController slow;
    const auto s = slow.decide(30'000, 50'000, 60'000, normal, 0, kBytes, 0);
    CHECK(s.duration_us >=
          static_cast<int64_t>(ProbeController::kMinPackets) * kBytes * 8 * 1'000'000 / 60'000);
}

TEST_CASE("ProbeController: a link that keeps up shows the send rate, one that cannot its own",
          "[sfu][bwe][probe]") {
    ProbeController p;
    auto c = p.decide(1'000'000, 3'000'000, 4'000'000, BandwidthUsage::Normal, 0, kBytes, 0);
    // 2 Mbit/s sent (1,200 bytes every 4.8 ms), delivered as sent.
    auto r = cluster_results(p, c.id, 40, 4'800, 4'800);
    // Results for other clusters and plain media are not counted.
    r.push_back({0, 50'000, kBytes, kNoProbeCluster});
    r.push_back({0, 50'000, kBytes, static_cast<int16_t>(c.id + 7)});
    auto v = p.on_results(std::span{r}.first(20), 100'000);
    CHECK(v.id == kNoProbeCluster);  // half of it reported, its time not up: wait
    v = p.on_results(std::span{r}.subspan(20), ProbeController::kDurationUs);
    REQUIRE(v.id == c.id);
    REQUIRE(v.ok);
    CHECK(v.bps == Approx(2'000'000).epsilon(0.01));

    // 2 Mbit/s sent into a 1.2 Mbit/s bottleneck: arrivals 8 ms apart.
    c = p.decide(1'000'000, 3'000'000, 4'000'000, BandwidthUsage::Normal, 0, kBytes, 3'000'000);
    r = cluster_results(p, c.id, 40, 4'800, 8'000);
    v = p.on_results(r, 3'000'000 + ProbeController::kDurationUs);
    REQUIRE(v.ok);
    CHECK(v.bps == Approx(1'200'000).epsilon(0.01));
}

TEST_CASE("ProbeController: a cluster that mostly did not come back says nothing",
          "[sfu][bwe][probe]") {
    ProbeController p;
    auto c = p.decide(1'000'000, 3'000'000, 4'000'000, BandwidthUsage::Normal, 0, kBytes, 0);
    auto r = cluster_results(p, c.id, 20, 4'800, 4'800, 2);  // half lost
    auto v = p.on_results(r, ProbeController::kDurationUs);
    CHECK(v.id == c.id);
    CHECK_FALSE(v.ok);
    // No feedback at all: judged (not ok) once the wait runs out, so probing can go on.
    c = p.decide(1'000'000, 3'000'000, 4'000'000, BandwidthUsage::Normal, 0, kBytes, 3'000'000);
    p.on_sent(c.id, kBytes, 3'000'000);
    CHECK(p.on_results({}, 3'500'000).id == kNoProbeCluster);
    v = p.on_results({},
                     3'000'000 + ProbeController::kDurationUs + ProbeController::kFeedbackWaitUs);
    CHECK(v.id == c.id);
    CHECK_FALSE(v.ok);
    CHECK_FALSE(p.in_flight());
}

TEST_CASE("ProbeController: probing finds a recovered link sooner", "[sfu][bwe][probe]") {
    auto run = [](ProbeController* probe) {
        test::LinkSim::Config c;
        c.rate_bps = 2'000'000;
        auto r = std::make_unique<test::BweRun>(probe != nullptr ? "probed" : "unprobed", c);
        r->probe = probe;
        r->needed_bps = 1'800'000;  // the subscriber asked for a 1.8 Mbit/s layer set
        r->max_bps = 2'500'000;
        r->link.set_rate(300'000);
        r->until(20'000'000);
        REQUIRE(r->est.estimate_bps() < 400'000);
        r->link.set_rate(2'000'000);
        r->until(40'000'000);
        return r;
    };
    ProbeController probe;
    const auto probed = run(&probe);
    const auto unprobed = run(nullptr);
    const auto up = [](uint64_t e) { return e > 1'500'000; };
    const int64_t with = probed->first(20'000, up) - 20'000;
    const int64_t without = unprobed->first(20'000, up) - 20'000;
    std::size_t good = 0;
    for (const auto& v : probed->verdicts) {
        good += v.ok ? 1 : 0;
    }
    INFO("over 1.5 Mbit/s " << with << " ms after recovery with probing, " << without
                            << " ms without; " << probed->clusters.size() << " clusters, " << good
                            << " judged ok; max after " << probed->max_in(20'000, 40'000));
    REQUIRE(with > 0);
    CHECK(with < without);
    CHECK(with <= 8'000);
    // Probing while the link was down did not push the estimate past it for long, and the
    // clusters were spaced.
    CHECK(probed->mean_in(5'000, 20'000) < 450'000);
    for (std::size_t i = 1; i < probed->clusters.size(); ++i) {
        CHECK(probed->clusters[i].id != probed->clusters[i - 1].id);
    }
    CHECK(probed->clusters.size() <= 40 / 3 + 1);
    CHECK(static_cast<double>(probed->max_in(20'000, 40'000)) <= 1.1 * 2'000'000);
}
