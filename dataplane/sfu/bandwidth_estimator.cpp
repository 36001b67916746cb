#include "dataplane/sfu/bandwidth_estimator.hpp"

#include <algorithm>

namespace tern::sfu {

BandwidthEstimator::BandwidthEstimator(const RateLimits& limits) noexcept
    : limits_(limits), rate_(limits), estimate_(rate_.estimate()) {}

BandwidthEstimator::Update
BandwidthEstimator::on_feedback(const wire::twcc::Feedback& fb,
                                std::span<const int64_t> arrivals_us, int64_t now_us,
                                std::span<PacketResult> results) noexcept {
    Update u;
    int64_t newest_send_us = -1;
    for (std::size_t i = 0; i < arrivals_us.size(); ++i) {
        SendHistory::Sent* s = history_.find(static_cast<uint16_t>(fb.base_seq + i));
        if (s == nullptr || s->received) {
            continue;  // never sent, forgotten, or a duplicate report
        }
        const int64_t at = arrivals_us[i];
        if (at == wire::twcc::kNotReceived) {
            if (!s->lost) {
                s->lost = true;
                loss_.on_lost();
            }
            continue;
        }
        if (s->lost) {
            loss_.on_late_arrival();
        } else {
            loss_.on_received();
        }
        s->received = true;
        s->lost = false;
        acked_.on_packet(at, s->bytes);
        delay_.on_packet(s->send_us, at);
        newest_send_us = std::max(newest_send_us, s->send_us);
        if (u.results < results.size()) {
            results[u.results++] = PacketResult{s->send_us, at, s->bytes, s->cluster};
        }
    }
    if (newest_send_us >= 0 && now_us > newest_send_us) {
        // Send to feedback of the newest packet: the round trip plus the receiver's wait.
        const int64_t sample = now_us - newest_send_us;
        rtt_us_ = rtt_us_ == 0 ? sample : (7 * rtt_us_ + sample) / 8;
    }
    rate_.update(delay_.state(), acked_.bps(), now_us, rtt_us_);
    loss_.update(estimate_, now_us);
    combine();
    u.estimate_bps = estimate_;
    u.acked_bps = acked_.bps();
    u.usage = delay_.state();
    u.loss = loss_.loss();
    return u;
}

void BandwidthEstimator::on_remb(uint64_t bps) noexcept {
    remb_bps_ = bps;
    combine();
}

void BandwidthEstimator::on_probe_result(uint64_t bps, int64_t now_us) noexcept {
    if (bps > rate_.estimate()) {
        rate_.set_estimate(bps, now_us);
        combine();
    }
}

void BandwidthEstimator::combine() noexcept {
    uint64_t e = std::min(rate_.estimate(), loss_.bound());
    if (remb_bps_ != 0) {
        e = std::min(e, remb_bps_);
    }
    estimate_ = std::clamp(e, limits_.min_bps, limits_.max_bps);
}

}  // namespace tern::sfu
