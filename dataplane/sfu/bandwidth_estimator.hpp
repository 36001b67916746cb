// The bandwidth estimate of one subscriber transport, from what the SFU sent to it and the
// transport-cc feedback it returns: the delay-based rate (delay_estimator → rate_controller),
// capped by the loss-based bound (loss_estimator) and by the receiver's own REMB when it sends
// one. Decides only: the engine stamps sequence numbers, records sends here, hands over parsed
// feedback and reads the estimate. No allocation after construction (the send history is a
// member, ~48 KiB: hold the estimator by pointer). Lcore-local.
#pragma once

#include "common/wire/twcc.hpp"
#include "dataplane/sfu/acked_rate.hpp"
#include "dataplane/sfu/delay_estimator.hpp"
#include "dataplane/sfu/loss_estimator.hpp"
#include "dataplane/sfu/rate_controller.hpp"
#include "dataplane/sfu/send_history.hpp"

#include <cstdint>
#include <span>

namespace tern::sfu {

/// One packet a feedback reported on, matched with what was sent.
struct PacketResult {
    int64_t send_us = 0;
    int64_t arrival_us = wire::twcc::kNotReceived;  // receiver's clock; kNotReceived: lost
    uint32_t bytes = 0;
    int16_t cluster = kNoProbeCluster;
};

class BandwidthEstimator {
public:
    /// What one feedback packet changed.
    struct Update {
        uint64_t estimate_bps = 0;
        uint64_t acked_bps = 0;
        BandwidthUsage usage = BandwidthUsage::Normal;
        double loss = 0;          // of the last closed loss window
        std::size_t results = 0;  // entries written to the caller's span
    };

    explicit BandwidthEstimator(const RateLimits& limits) noexcept;

    /// Packet `seq` (its transport-wide sequence number) left at `now_us` with `bytes` on the
    /// wire, part of probe cluster `cluster` or not.
    void on_sent(uint16_t seq, int64_t now_us, uint32_t bytes,
                 int16_t cluster = kNoProbeCluster) noexcept {
        history_.record(seq, now_us, bytes, cluster);
    }

    /// A parsed transport-cc feedback packet (`arrivals_us[i]` for base_seq + i), received at
    /// `now_us`. Packets not in the history, or already reported received, are skipped: so a
    /// duplicated or reordered feedback packet counts each packet once. The packets it reports
    /// on for the first time go to `results` (as many as fit), for the probe controller.
    Update on_feedback(const wire::twcc::Feedback& fb, std::span<const int64_t> arrivals_us,
                       int64_t now_us, std::span<PacketResult> results = {}) noexcept;

    /// The receiver's REMB (draft-alvestrand-rmcat-remb): an upper bound from then on (0: none).
    void on_remb(uint64_t bps) noexcept;

    /// A probe cluster delivered `bps`: the estimate rises to it when it is higher.
    void on_probe_result(uint64_t bps, int64_t now_us) noexcept;

    [[nodiscard]] uint64_t estimate_bps() const noexcept { return estimate_; }
    [[nodiscard]] uint64_t acked_bps() const noexcept { return acked_.bps(); }
    [[nodiscard]] int64_t rtt_us() const noexcept { return rtt_us_; }
    [[nodiscard]] BandwidthUsage usage() const noexcept { return delay_.state(); }

private:
    void combine() noexcept;

    RateLimits limits_;
    SendHistory history_;
    AckedRate acked_;
    DelayEstimator delay_;
    RateController rate_;
    LossEstimator loss_;
    uint64_t remb_bps_ = 0;
    int64_t rtt_us_ = 0;  // smoothed; includes the receiver's wait before it sends feedback
    uint64_t estimate_;
};

}  // namespace tern::sfu
