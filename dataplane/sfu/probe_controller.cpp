#include "dataplane/sfu/probe_controller.hpp"

#include <algorithm>

namespace tern::sfu {

ProbeController::Cluster ProbeController::decide(uint64_t estimate_bps, uint64_t needed_bps,
                                                 uint64_t max_bps, BandwidthUsage usage,
                                                 double loss, uint32_t packet_bytes,
                                                 int64_t now_us) noexcept {
    if (in_flight() || estimate_bps >= needed_bps || usage == BandwidthUsage::Overusing ||
        loss >= LossEstimator::kLowLoss ||
        (started_us_ >= 0 && now_us - started_us_ < kMinIntervalUs)) {
        return {};
    }
    // Twice the estimate, within what the layers could use, but never less than the upgrade
    // needs: a cluster below that could not justify it (from a paused video's low estimate,
    // or to the top layer with its margin over the maximum).
    const auto target = std::max(
        std::min(static_cast<uint64_t>(kFactor * static_cast<double>(estimate_bps)), max_bps),
        needed_bps);
    if (target <= estimate_bps || packet_bytes == 0) {
        return {};  // the requested maximum leaves nothing to find out
    }
    // Long enough for kMinPackets at the target rate.
    const auto min_us =
        static_cast<int64_t>(uint64_t{kMinPackets} * packet_bytes * 8 * 1'000'000 / target);
    active_ = Cluster{next_id_, target, std::max(kDurationUs, min_us)};
    next_id_ = static_cast<int16_t>(next_id_ == INT16_MAX ? 0 : next_id_ + 1);
    started_us_ = now_us;
    sent_packets_ = received_packets_ = reported_packets_ = 0;
    sent_bytes_ = received_bytes_ = 0;
    return active_;
}

void ProbeController::on_sent(int16_t id, uint32_t bytes, int64_t now_us) noexcept {
    if (!in_flight() || id != active_.id) {
        return;
    }
    if (sent_packets_ == 0) {
        first_send_us_ = now_us;
    }
    ++sent_packets_;
    sent_bytes_ += bytes;
    last_send_us_ = now_us;
    last_send_bytes_ = bytes;
}

ProbeController::Verdict ProbeController::on_results(std::span<const PacketResult> results,
                                                     int64_t now_us) noexcept {
    if (!in_flight()) {
        return {};
    }
    for (const PacketResult& r : results) {
        if (r.cluster != active_.id) {
            continue;
        }
        ++reported_packets_;
        if (r.arrival_us == wire::twcc::kNotReceived) {
            continue;
        }
        if (received_packets_ == 0 || r.arrival_us < first_arrival_us_) {
            first_arrival_us_ = r.arrival_us;
            first_arrival_bytes_ = r.bytes;
        }
        if (received_packets_ == 0 || r.arrival_us > last_arrival_us_) {
            last_arrival_us_ = r.arrival_us;
        }
        ++received_packets_;
        received_bytes_ += r.bytes;
    }
    const bool all_reported = sent_packets_ != 0 && reported_packets_ >= sent_packets_ &&
                              now_us - started_us_ >= active_.duration_us;
    const bool waited = now_us - started_us_ >= active_.duration_us + kFeedbackWaitUs;
    if (!all_reported && !waited) {
        return {};
    }
    return judge();
}

ProbeController::Verdict ProbeController::judge() noexcept {
    Verdict v;
    v.id = active_.id;
    active_ = Cluster{};
    if (sent_packets_ < kMinPackets ||
        static_cast<double>(received_packets_) <
            kMinReceived * static_cast<double>(sent_packets_) ||
        last_send_us_ <= first_send_us_ || last_arrival_us_ <= first_arrival_us_) {
        return v;  // too little sent or received to measure a rate
    }
    // Rates over intervals: the last packet sent opens no interval on the send side, the first
    // arrived closes none on the receive side.
    const double send_bps = static_cast<double>(sent_bytes_ - last_send_bytes_) * 8e6 /
                            static_cast<double>(last_send_us_ - first_send_us_);
    const double recv_bps = static_cast<double>(received_bytes_ - first_arrival_bytes_) * 8e6 /
                            static_cast<double>(last_arrival_us_ - first_arrival_us_);
    v.ok = true;
    // A link that delivered the cluster slower than it was sent has shown its capacity; one
    // that kept up has shown at least the send rate.
    v.bps = static_cast<uint64_t>(recv_bps < kSaturated * send_bps ? recv_bps
                                                                   : std::min(send_bps, recv_bps));
    return v;
}

}  // namespace tern::sfu
