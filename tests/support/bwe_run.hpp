// One subscriber transport's bandwidth estimation over a simulated path (link_sim.hpp), for the
// estimator's and the probe controller's tests: the SFU paces 1,200-byte packets at the
// estimate (at a probe cluster's rate while one is being sent), records them in the estimator,
// and applies the transport-cc feedback when it comes back, parsed from the wire. Feedback can
// be duplicated or reordered on the way. TERN_BWE_TRACE=1 prints the estimate every 100 ms
// (run name, time in ms, estimate and capacity in bit/s) for plotting.
#pragma once

#include "dataplane/sfu/bandwidth_estimator.hpp"
#include "dataplane/sfu/probe_controller.hpp"
#include "support/link_sim.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace tern::test {

class BweRun {
public:
    static constexpr uint32_t kPacketBytes = 1'200;

    const char* name;
    LinkSim link;
    TwccSubscriber subscriber;
    sfu::BandwidthEstimator est{sfu::RateLimits{}};
    int64_t now_us = 0;
    bool duplicate = false;  // every feedback packet arrives twice
    bool reorder = false;    // every third one is held 70 ms (behind the next)

    // Probing, when `probe` is set: what the subscriber's layers need and its maximum.
    sfu::ProbeController* probe = nullptr;
    uint64_t needed_bps = 0;
    uint64_t max_bps = 0;
    std::vector<sfu::ProbeController::Verdict> verdicts;
    std::vector<sfu::ProbeController::Cluster> clusters;

    std::vector<std::pair<int64_t, uint64_t>> trace;  // (ms, estimate) every 100 ms

    BweRun(const char* n, const LinkSim::Config& c) : name(n), link(c) {}

    void until(int64_t end_us) {
        for (; now_us < end_us; now_us += 1'000) {
            maybe_probe();
            send();
            const std::size_t before = feedback_.size();
            subscriber.tick(now_us, feedback_);
            mangle(before);
            deliver();
            if (probe != nullptr) {
                judge({});
            }
            if (now_us % 100'000 == 0) {
                trace.emplace_back(now_us / 1000, est.estimate_bps());
                if (print_) {
                    std::printf("%s %lld %llu %llu\n", name, static_cast<long long>(now_us / 1000),
                                static_cast<unsigned long long>(est.estimate_bps()),
                                static_cast<unsigned long long>(link.rate()));
                }
            }
        }
    }

    /// The first time (ms) from `from_ms` the estimate met `pred`, or -1.
    template <class P>
    [[nodiscard]] int64_t first(int64_t from_ms, P pred) const {
        for (const auto& [t, e] : trace) {
            if (t >= from_ms && pred(e)) {
                return t;
            }
        }
        return -1;
    }
    [[nodiscard]] uint64_t min_in(int64_t from_ms, int64_t to_ms) const {
        uint64_t m = UINT64_MAX;
        for (const auto& [t, e] : trace) {
            if (t >= from_ms && t < to_ms) {
                m = std::min(m, e);
            }
        }
        return m;
    }
    [[nodiscard]] uint64_t max_in(int64_t from_ms, int64_t to_ms) const {
        uint64_t m = 0;
        for (const auto& [t, e] : trace) {
            if (t >= from_ms && t < to_ms) {
                m = std::max(m, e);
            }
        }
        return m;
    }
    [[nodiscard]] double mean_in(int64_t from_ms, int64_t to_ms) const {
        double sum = 0;
        int k = 0;
        for (const auto& [t, e] : trace) {
            if (t >= from_ms && t < to_ms) {
                sum += static_cast<double>(e);
                ++k;
            }
        }
        return k != 0 ? sum / k : 0;
    }

private:
    void maybe_probe() {
        if (probe == nullptr || now_us < cluster_end_us_) {
            return;
        }
        cluster_ = sfu::kNoProbeCluster;
        const auto c = probe->decide(est.estimate_bps(), needed_bps, max_bps, est.usage(), loss_,
                                     kPacketBytes, now_us);
        if (c.id != sfu::kNoProbeCluster) {
            clusters.push_back(c);
            cluster_ = c.id;
            cluster_bps_ = c.target_bps;
            cluster_end_us_ = now_us + c.duration_us;
        }
    }

    void send() {
        const bool probing = cluster_ != sfu::kNoProbeCluster && now_us < cluster_end_us_;
        const uint64_t rate = probing ? cluster_bps_ : est.estimate_bps();
        // Pace at the rate; at most a few packets of credit carry over.
        budget_bits_ =
            std::min(budget_bits_ + static_cast<double>(rate) / 1000.0, 3.0 * kPacketBytes * 8);
        while (budget_bits_ >= kPacketBytes * 8) {
            budget_bits_ -= kPacketBytes * 8;
            const int16_t cluster = probing ? cluster_ : sfu::kNoProbeCluster;
            est.on_sent(seq_, now_us, kPacketBytes, cluster);
            if (probing) {
                probe->on_sent(cluster, kPacketBytes, now_us);
            }
            subscriber.sent(seq_, link.send(now_us, kPacketBytes));
            ++seq_;
        }
    }

    void mangle(std::size_t before) {
        for (std::size_t i = before; i < feedback_.size(); ++i, ++made_) {
            if (reorder && made_ % 3 == 0) {
                feedback_[i].deliver_us += 70'000;
            }
        }
        if (duplicate) {
            const std::size_t after = feedback_.size();
            for (std::size_t i = before; i < after; ++i) {
                auto copy = feedback_[i];
                copy.deliver_us += 30'000;
                feedback_.push_back(std::move(copy));
            }
        }
    }

    void deliver() {
        for (std::size_t i = 0; i < feedback_.size();) {
            if (feedback_[i].deliver_us > now_us) {
                ++i;
                continue;
            }
            wire::Error why{};
            REQUIRE(wire::rtcp::for_each(
                feedback_[i].bytes,
                [&](const wire::rtcp::Packet& p) {
                    wire::twcc::Feedback fb;
                    std::array<int64_t, 1024> at{};
                    std::size_t n = 0;
                    wire::Error fb_why{};
                    REQUIRE(wire::twcc::parse_feedback(p, fb, at, n, fb_why));
                    std::array<sfu::PacketResult, 1024> results{};
                    const auto u = est.on_feedback(fb, std::span<const int64_t>{at.data(), n},
                                                   now_us, results);
                    loss_ = u.loss;
                    if (probe != nullptr) {
                        judge(std::span<const sfu::PacketResult>{results.data(), u.results});
                    }
                },
                why));
            feedback_.erase(feedback_.begin() + static_cast<std::ptrdiff_t>(i));
        }
    }

    void judge(std::span<const sfu::PacketResult> results) {
        const auto v = probe->on_results(results, now_us);
        if (v.id == sfu::kNoProbeCluster) {
            return;
        }
        verdicts.push_back(v);
        if (v.ok) {
            est.on_probe_result(v.bps, now_us);
        }
    }

    std::vector<TwccSubscriber::Packet> feedback_;  // in flight back to the SFU
    uint16_t seq_ = 0;
    double budget_bits_ = 0;
    std::size_t made_ = 0;
    double loss_ = 0;
    int16_t cluster_ = sfu::kNoProbeCluster;
    uint64_t cluster_bps_ = 0;
    int64_t cluster_end_us_ = 0;
    bool print_ = std::getenv("TERN_BWE_TRACE") != nullptr;
};

}  // namespace tern::test
