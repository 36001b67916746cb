// The delay-based rate of one subscriber's link: additive-increase, multiplicative-decrease
// driven by the delay estimator's state (draft-ietf-rmcat-gcc-02 §5.5).
//
//   - Overusing: decrease to kBeta × the acked rate (what the link delivered), then hold.
//   - Normal: increase; multiplicatively while the acked rate is far from the link capacity
//     seen at earlier decreases (or none was seen), additively (about a packet per response
//     time) when near it, so that the estimate approaches a known capacity slowly.
//   - Underusing: hold (the queue is draining; what was sent is getting through).
//
// The estimate never rises above kMaxOverAcked × the acked rate (plus a little for a link
// that carries almost nothing yet): the controller cannot see a link it does not fill.
// Pure: signal, rates and time in, the estimate out. Lcore-local.
#pragma once

#include "dataplane/sfu/delay_estimator.hpp"

#include <cstdint>

namespace tern::sfu {

struct RateLimits {
    uint64_t min_bps = 30'000;
    uint64_t max_bps = 20'000'000;
    uint64_t start_bps = 300'000;
};

class RateController {
public:
    static constexpr double kBeta = 0.85;
    static constexpr double kMaxOverAcked = 1.5;
    static constexpr uint64_t kAckedSlackBps = 10'000;
    /// Far from convergence, per second. GCC's draft says 8 %; ours recovers a link that came
    /// back from 300 kbit/s to 1.5 Mbit/s within 15 s without a probe (about 12.6 %/s needed; 17 %
    /// leaves a margin and overshoots a steady link by under 6 %).
    static constexpr double kIncreasePerS = 0.17;
    static constexpr uint64_t kPacketBits = 1'200 * 8;  // the additive step per response time
    static constexpr int64_t kMaxStepUs = 1'000'000;    // longer gaps count as this much

    explicit RateController(const RateLimits& limits) noexcept;

    /// Applies `usage` at `now_us`. `acked_bps` is 0 until measured; `rtt_us` the round trip
    /// (0: unknown). Returns the new estimate.
    uint64_t update(BandwidthUsage usage, uint64_t acked_bps, int64_t now_us,
                    int64_t rtt_us) noexcept;

    /// Sets the estimate from outside (a finished probe): clamped to the limits.
    void set_estimate(uint64_t bps, int64_t now_us) noexcept;

    [[nodiscard]] uint64_t estimate() const noexcept { return estimate_; }
    /// The link capacity learnt at decreases (kbit/s, <0: none yet).
    [[nodiscard]] double capacity_kbps() const noexcept { return capacity_kbps_; }

private:
    enum class State : uint8_t { Hold, Increase, Decrease };

    [[nodiscard]] bool near_capacity(double acked_kbps) const noexcept;
    void learn_capacity(double acked_kbps) noexcept;

    RateLimits limits_;
    uint64_t estimate_;
    State state_ = State::Increase;
    int64_t last_us_ = -1;
    double capacity_kbps_ = -1;
    double capacity_var_ = 0.4;  // normalised by the capacity
};

}  // namespace tern::sfu
