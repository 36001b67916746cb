// The SFU engine's layer selection: each subscriber transport with a bandwidth estimate gets
// the layers the allocator (layer_allocator.hpp) decides for its video subscriptions from that
// estimate, the publishers' measured layer rates and the clients' requests, every time its
// estimate is updated (each transport-cc feedback, ~every 100 ms, and each REMB). Called on the
// packet path: fixed arrays, no allocation. How quality is chosen: docs/sfu.md ("Layers").
#include "dataplane/sfu/sfu.hpp"

#include <algorithm>
#include <array>

namespace tern::sfu {

namespace {

/// `a` gives less than `b` (paused is least).
bool lower(const LayerTarget& a, const LayerTarget& b) noexcept {
    return a.spatial < b.spatial || (a.spatial == b.spatial && a.temporal < b.temporal);
}

}  // namespace

void Sfu::select_layers(Transport& t, uint64_t now_us) noexcept {
    std::array<VideoDemand, LayerAllocator::kMaxVideos> demand;
    std::array<Subscription*, LayerAllocator::kMaxVideos> which{};
    std::size_t n = 0;
    uint32_t audio = 0;
    // Loss is what says the link cannot carry the layers; delay alone also comes from a busy
    // receiver (a browser reading its socket in bursts), so without loss the layers wait before
    // they go down, and the frame rate asked for is kept (whole layers).
    const bool lossy = t.bwe_loss > kCongestedLoss;
    // A client's request above what it gets is tried at once on a link without congestion
    // (once per request, and not more often than kRequestTrialSpacingUs per transport).
    const bool may_try_request =
        !t.bwe_congested && t.bwe->usage() != BandwidthUsage::Overusing &&
        (t.request_trial_us == 0 || now_us - t.request_trial_us >= kRequestTrialSpacingUs);
    bool requested = false;
    for (uint32_t si : t.subs) {
        Subscription& s = *subs_[si];
        if (!s.video) {
            ++audio;
            continue;
        }
        if (n == demand.size()) {
            continue;  // beyond what one allocation considers: left as they are
        }
        VideoDemand& d = demand[n];
        d = VideoDemand{};
        d.kind = s.kind;
        d.max_spatial = std::min(s.max_layer, VideoDemand::kSpatial - 1);
        d.max_temporal = s.max_temporal;
        d.current = s.chosen;
        d.may_upgrade = s.down_us == 0 || now_us - s.down_us >= limits_.upgrade_hold_us;
        d.may_pause = s.short_us != 0 && now_us - s.short_us >= limits_.pause_after_us;
        d.whole_layers = !lossy;
        if (s.asked_up && may_try_request) {
            d.may_upgrade = true;  // the client asked: no wait after a downgrade
            requested = true;
        }
        for (uint32_t pi : tracks_[s.track_slot].pubs) {
            const Publication& pub = pubs_[pi];
            if (pub.layer < 0 || pub.layer >= VideoDemand::kSpatial) {
                continue;
            }
            for (int tid = 0; tid < VideoDemand::kTemporal; ++tid) {
                d.bps[static_cast<std::size_t>(pub.layer)][static_cast<std::size_t>(tid)] =
                    pub.rate.bps(tid, now_us);
            }
        }
        which[n++] = &s;
    }
    if (n == 0) {
        return;
    }
    // The estimate rises only as fast as the rate controller lets it (from 300 kbit/s at the
    // start) and never above its ceiling over what the link delivered: on a link that shows no
    // congestion, that ceiling is the budget even where the estimate has not reached it yet,
    // so what gets through is kept (a subscriber is not cut to its lowest layer while the
    // estimator ramps up). Congestion makes the estimate the budget.
    uint64_t budget = t.stats.bwe_bps;
    if (!t.bwe_congested && t.bwe->acked_bps() != 0) {
        uint64_t ceiling = static_cast<uint64_t>(RateController::kMaxOverAcked *
                                                 static_cast<double>(t.bwe->acked_bps())) +
                           RateController::kAckedSlackBps;
        if (t.stats.remb_bps != 0) {
            ceiling = std::min(ceiling, t.stats.remb_bps);  // the receiver's word
        }
        budget = std::max(budget, ceiling);
    }
    // A probe's own queue is no reason to drop layers: while one is sent or judged, what the
    // layers use now is kept (real congestion shows again in the feedback after it). Nor is an
    // upgrade tried without a probe dropped before the estimate could see what it sends (its
    // keyframe, then what gets through), unless the feedback shows congestion.
    const bool probing = t.probe && t.probe->in_flight();
    const bool trying =
        t.unprobed_up_us != 0 && now_us - t.unprobed_up_us < kUnprobedTrialUs && !t.bwe_congested;
    if (probing || trying) {
        budget = std::max(budget, t.layers_bps);
    }
    // A shortage moves layers down at once only when the feedback shows loss or the budget is
    // below half of what the layers need; otherwise they are kept until it has lasted
    // pause_after_us (one overuse reading of a stalling receiver is gone by the next feedback),
    // and while a client's request is on trial, only loss ends it early.
    bool holding = false;
    if (t.layers_bps != 0 && budget < t.layers_bps) {
        if (t.short_since_us == 0) {
            t.short_since_us = std::max<uint64_t>(now_us, 1);
        }
        const bool on_trial =
            t.request_trial_us != 0 && now_us - t.request_trial_us < kUnprobedTrialUs;
        holding = !lossy && (on_trial || budget * 2 >= t.layers_bps) &&
                  now_us - t.short_since_us < limits_.pause_after_us;
    } else {
        t.short_since_us = 0;
    }
    if (holding) {
        budget = t.layers_bps;
        for (std::size_t k = 0; k < n; ++k) {
            demand[k].may_upgrade = false;
        }
        requested = false;
    }
    const std::span<const VideoDemand> videos{demand.data(), n};
    LayerAllocator::Result r = allocator_.allocate(budget, audio, videos);
    if (requested) {
        // The client's request, tried as is: if the link cannot carry it, loss or a lasting
        // shortage shows it and the layers go down again. A layer asked for that its publisher
        // does not send yet (Chromium starts its top layer late) is tried once it flows.
        for (std::size_t k = 0; k < n; ++k) {
            const VideoDemand& d = demand[k];
            const bool flowing =
                d.max_spatial < 0 || d.bps[static_cast<std::size_t>(d.max_spatial)][0] != 0;
            which[k]->asked_up = which[k]->asked_up && !flowing;
        }
        if (r.upgrade_bps > budget) {
            budget = std::max(budget, r.wanted_bps * LayerAllocator::kUpgradeMarginPct / 100);
            r = allocator_.allocate(budget, audio, videos);
            t.unprobed_up_us = std::max<uint64_t>(now_us, 1);  // kept unless congested
        }
        // Granted on trial either way (a budget that covered it may still hold what the
        // layers sent before the client lowered them): 2 s to show loss before it goes down.
        for (std::size_t k = 0; k < n; ++k) {
            if (lower(which[k]->chosen, r.targets[k])) {
                t.request_trial_us = std::max<uint64_t>(now_us, 1);
                t.short_since_us = 0;
            }
        }
    }
    // An upgrade (or a resume) the budget does not cover: probe the link before it (the
    // estimate cannot rise far above what flows without one).
    if (t.probe && r.upgrade_bps > budget && t.cluster.id == kNoProbeCluster) {
        if (probe_stream(t) != nullptr) {
            const ProbeController::Cluster c =
                t.probe->decide(budget, r.upgrade_bps, r.wanted_bps, t.bwe->usage(), t.bwe_loss,
                                kProbePadding + wire::kRtpHeaderLen, static_cast<int64_t>(now_us));
            if (c.id != kNoProbeCluster) {
                t.cluster = c;
                t.cluster_start_us = now_us;
                t.cluster_sent_bits = 0;
                count(shm::Counter::SfuProbes);
            }
        } else if (!t.bwe_congested && t.bwe->usage() != BandwidthUsage::Overusing &&
                   (t.unprobed_up_us == 0 ||
                    now_us - t.unprobed_up_us >=
                        static_cast<uint64_t>(ProbeController::kMinIntervalUs))) {
            // Nothing to probe with (no RTX stream): on a link that shows no congestion the
            // upgrade is tried as is, at most as often as a probe would be; if the link cannot
            // carry it, the feedback says so and the layers go down again (and wait).
            budget = r.upgrade_bps;
            r = allocator_.allocate(budget, audio, videos);
            t.unprobed_up_us = std::max<uint64_t>(now_us, 1);
        }
    }
    // Held, probing or on trial: the layers are kept (a budget of exactly what they needed is
    // no reason to go down when a measured rate moves), and what they needed still counts.
    const bool keep = holding || probing || trying;
    t.layers_bps = keep ? std::max(t.layers_bps, r.used_bps) : r.used_bps;
    t.layers_budget_bps = budget;
    for (std::size_t k = 0; k < r.n; ++k) {
        Subscription& s = *which[k];
        const LayerTarget& target = r.targets[k];
        s.allocated = true;
        if (!r.short_of_budget[k]) {
            s.short_us = 0;
        } else if (s.short_us == 0) {
            s.short_us = std::max<uint64_t>(now_us, 1);
        }
        if (target == s.chosen || (keep && lower(target, s.chosen))) {
            continue;
        }
        if (lower(target, s.chosen)) {
            s.down_us = now_us;
            count(shm::Counter::SfuLayerDown);
        } else {
            count(shm::Counter::SfuLayerUp);
        }
        apply_layers(s, target, now_us);
    }
}

void Sfu::send_probes(Transport& t, uint64_t now_us) noexcept {
    const uint64_t elapsed = now_us - t.cluster_start_us;
    if (elapsed >= static_cast<uint64_t>(t.cluster.duration_us) || !t.tx || !t.connected) {
        t.cluster = ProbeController::Cluster{};
        return;
    }
    Subscription* rtx = probe_stream(t);
    if (rtx == nullptr) {
        t.cluster = ProbeController::Cluster{};
        return;
    }
    // What the cluster's rate has made due since it started (1 ms ahead: it is sent in bursts).
    const uint64_t due = t.cluster.target_bps * (elapsed + 1'000) / 1'000'000;
    std::array<std::byte, wire::kRtpHeaderLen + kProbePadding> pkt{};
    pkt[0] = std::byte{0xa0};  // version 2, padding
    pkt.back() = std::byte{static_cast<uint8_t>(kProbePadding)};
    const uint32_t abs = wire::ext::abs_send_time(now_us);
    for (uint32_t k = 0; k < kProbeBurst && t.cluster_sent_bits < due; ++k) {
        Egress::RtpOut ro{rtx->rtx_pt, rtx->rtx_ssrc, rtx->rtx_seq, rtx->rewriter.last_ts(), abs};
        ro.twcc_id = wire::ext::kOutTransportCc;
        ro.twcc_seq = t.twcc_out_seq;
        if (!out_.send_rtp(t, pkt.data(), wire::kRtpHeaderLen, pkt.size(), ro)) {
            return;
        }
        ++t.twcc_out_seq;
        ++rtx->rtx_seq;
        t.bwe->on_sent(ro.twcc_seq, static_cast<int64_t>(now_us), static_cast<uint32_t>(pkt.size()),
                       t.cluster.id);
        t.probe->on_sent(t.cluster.id, static_cast<uint32_t>(pkt.size()),
                         static_cast<int64_t>(now_us));
        t.cluster_sent_bits += pkt.size() * 8;
    }
}

Subscription* Sfu::probe_stream(const Transport& t) noexcept {
    // Padding goes on an RTX stream (receivers drop padding-only packets there); without one
    // the transport is not probed.
    for (uint32_t si : t.subs) {
        if (subs_[si]->rtx_ssrc != 0) {
            return subs_[si].get();
        }
    }
    return nullptr;
}

void Sfu::judge_probe(Transport& t, std::span<const PacketResult> results,
                      uint64_t now_us) noexcept {
    if (!t.probe) {
        return;
    }
    const ProbeController::Verdict v = t.probe->on_results(results, static_cast<int64_t>(now_us));
    if (v.id != kNoProbeCluster && v.ok) {
        t.bwe->on_probe_result(v.bps, static_cast<int64_t>(now_us));
    }
}

void Sfu::apply_layers(Subscription& s, const LayerTarget& target, uint64_t now_us) noexcept {
    (void)now_us;
    s.chosen = target;
    s.layers.set_target(target.spatial);
    if (target.spatial == LayerTarget::kPaused) {
        // Nothing flows until it resumes; then the numbering continues as after a switch, at
        // the resumed layer's keyframe.
        s.rewriter.pause();
        return;
    }
    s.temporal.set_target(target.temporal);
}

}  // namespace tern::sfu
