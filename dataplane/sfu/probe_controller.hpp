// When to probe a subscriber's link, and what a probe found. Before the SFU moves a subscriber
// up to layers its estimate does not cover, it sends a short burst (a probe cluster: padding or
// retransmissions at a target rate) and reads from the transport-cc feedback how fast the link
// delivered it. A link that carried the cluster at its rate can take more; one that could not
// shows its capacity as the rate at which the cluster arrived.
//
// Decides only: decide() returns the cluster to send (or none), the engine sends it with the
// cluster's id in the send history, and on_results() judges it from the feedback's packet
// results. One cluster at a time, at most one per kMinIntervalUs. Pure, fixed memory.
// Lcore-local.
#pragma once

#include "dataplane/sfu/bandwidth_estimator.hpp"

#include <cstdint>
#include <span>

namespace tern::sfu {

class ProbeController {
public:
    static constexpr int64_t kMinIntervalUs = 3'000'000;   // from one cluster's start to the next
    static constexpr int64_t kDurationUs = 200'000;        // a cluster's length at its rate
    static constexpr int64_t kFeedbackWaitUs = 1'000'000;  // after its end, to judge it
    static constexpr double kFactor = 2.0;                 // the target over the estimate
    static constexpr uint32_t kMinPackets = 5;             // a cluster sends at least this many
    static constexpr double kMinReceived = 0.8;            // of them to judge it
    static constexpr double kSaturated = 0.9;  // received/sent rate below this: the link's limit

    struct Cluster {
        int16_t id = kNoProbeCluster;  // kNoProbeCluster: no cluster now
        uint64_t target_bps = 0;
        int64_t duration_us = 0;
    };

    struct Verdict {
        int16_t id = kNoProbeCluster;  // kNoProbeCluster: nothing was judged
        bool ok = false;               // false: too little came back to say anything
        uint64_t bps = 0;              // what the link delivered (when ok)
    };

    /// A cluster to send now, or none: when `estimate_bps` is below `needed_bps` (what the
    /// layers the subscriber asked for need), the link looked underused (not overusing,
    /// `loss` under 2 %), no cluster is being judged, and the last started kMinIntervalUs ago.
    /// The target is kFactor × the estimate, capped at `max_bps` (the subscriber's requested
    /// maximum), and at least `needed_bps`. `packet_bytes` is what the engine will send per
    /// probe packet.
    Cluster decide(uint64_t estimate_bps, uint64_t needed_bps, uint64_t max_bps,
                   BandwidthUsage usage, double loss, uint32_t packet_bytes,
                   int64_t now_us) noexcept;

    /// The engine sent probe packet `bytes` of the cluster in flight at `now_us`.
    void on_sent(int16_t id, uint32_t bytes, int64_t now_us) noexcept;

    /// Packet results of one feedback (BandwidthEstimator::on_feedback). Returns a verdict
    /// when the cluster in flight is complete (every packet it sent reported) or its wait
    /// ran out.
    Verdict on_results(std::span<const PacketResult> results, int64_t now_us) noexcept;

    [[nodiscard]] bool in_flight() const noexcept { return active_.id != kNoProbeCluster; }

private:
    Verdict judge() noexcept;

    Cluster active_;
    int16_t next_id_ = 0;
    int64_t started_us_ = -1;  // of the last cluster
    // The cluster in flight: what was sent, what came back.
    uint32_t sent_packets_ = 0;
    uint32_t received_packets_ = 0;
    uint32_t reported_packets_ = 0;
    uint64_t sent_bytes_ = 0;
    int64_t first_send_us_ = 0;
    int64_t last_send_us_ = 0;
    uint32_t last_send_bytes_ = 0;
    uint64_t received_bytes_ = 0;
    int64_t first_arrival_us_ = 0;
    int64_t last_arrival_us_ = 0;
    uint32_t first_arrival_bytes_ = 0;
};

}  // namespace tern::sfu
