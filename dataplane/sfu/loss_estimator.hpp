// The loss-based bound on one subscriber's rate (draft-ietf-rmcat-gcc-02 §6): transport-cc
// feedback says which packets were lost; over a window of at least kMinPackets packets the
// loss fraction decides.
//
//   - above kHighLoss: the bound drops to the current rate × (1 - loss / 2);
//   - from kLowLoss to kHighLoss: the bound holds (set to the highest rate of the window when
//     there was none, not to wherever the delay-based sawtooth happened to be): random loss at
//     this level is what NACK and RTX repair, not congestion;
//   - below kLowLoss: the bound is lifted and the delay-based controller decides alone.
//
// A packet first reported lost and later received (reordered past a feedback) is taken back
// out of the window it was counted in, when that window is still open. Pure. Lcore-local.
#pragma once

#include <cstdint>

namespace tern::sfu {

class LossEstimator {
public:
    static constexpr double kHighLoss = 0.10;
    static constexpr double kLowLoss = 0.02;
    static constexpr uint32_t kMinPackets = 100;
    static constexpr int64_t kMinWindowUs = 1'000'000;
    static constexpr uint64_t kNoBound = UINT64_MAX;

    /// Counts one packet reported received or lost.
    void on_received() noexcept { ++received_; }
    void on_lost() noexcept { ++lost_; }
    /// A packet counted lost arrived after all.
    void on_late_arrival() noexcept;

    /// Closes the window when it holds enough packets and time, and applies the rule to
    /// `current_bps` (the rate now in force). Returns the bound (kNoBound: none).
    uint64_t update(uint64_t current_bps, int64_t now_us) noexcept;

    [[nodiscard]] uint64_t bound() const noexcept { return bound_; }
    /// The fraction lost in the last closed window.
    [[nodiscard]] double loss() const noexcept { return loss_; }

private:
    uint32_t received_ = 0;
    uint32_t lost_ = 0;
    int64_t window_start_us_ = -1;
    double loss_ = 0;
    uint64_t bound_ = kNoBound;
    uint64_t peak_bps_ = 0;  // the highest rate in force during the open window
};

}  // namespace tern::sfu
