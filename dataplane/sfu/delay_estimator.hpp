// Delay-based congestion detection for one subscriber's link, in the manner of Google
// congestion control (draft-ietf-rmcat-gcc-02 §5; the trendline form Chromium uses):
//
//   - packets are grouped by send time (a group spans kGroupUs from its first packet);
//   - for each pair of consecutive groups, the inter-group delay variation is how much longer
//     the second took to arrive after the first than it took to be sent after it;
//   - the variations are accumulated, smoothed, and a least-squares line is fitted over the
//     last kWindow of them against arrival time: its slope says whether the bottleneck queue
//     grows (positive), stays (about zero) or drains (negative);
//   - the slope, scaled, is compared with an adaptive threshold that follows it slowly when
//     it is below and very slowly above, so that a competing flow or a noisy path does not
//     starve us (§5.4); a sustained excess is overuse, a deficit underuse.
//
// Pure: takes send and arrival times, returns a state. Fixed memory. Lcore-local.
#pragma once

#include <array>
#include <cstdint>

namespace tern::sfu {

enum class BandwidthUsage : uint8_t { Normal, Underusing, Overusing };

class DelayEstimator {
public:
    static constexpr int64_t kGroupUs = 5'000;
    static constexpr std::size_t kWindow = 20;  // delay variations in the fitted line
    static constexpr double kSmoothing = 0.9;   // of the accumulated delay
    static constexpr double kGain = 4.0;        // slope to the detector's scale
    static constexpr double kInitialThreshold = 12.5;
    static constexpr double kMinThreshold = 6.0;
    static constexpr double kMaxThreshold = 600.0;
    static constexpr double kUpRate = 0.0087;   // per ms, when the trend is above the threshold
    static constexpr double kDownRate = 0.039;  // per ms, when it is below
    static constexpr double kOveruseMs = 10.0;  // time the trend must stay above to count
    static constexpr int64_t kResetGapUs = 2'000'000;  // a pause this long starts afresh

    /// One packet reported received, in the order it was sent (transport-wide sequence
    /// order). `send_us` on the SFU's clock, `arrival_us` on the receiver's. Returns the state
    /// after it (unchanged unless it completed a group).
    BandwidthUsage on_packet(int64_t send_us, int64_t arrival_us) noexcept;

    [[nodiscard]] BandwidthUsage state() const noexcept { return state_; }
    /// The scaled slope last compared with the threshold, and the threshold (ms-based units).
    [[nodiscard]] double trend() const noexcept { return trend_; }
    [[nodiscard]] double threshold() const noexcept { return threshold_; }

private:
    struct Group {
        int64_t first_send_us = 0;
        int64_t last_send_us = 0;
        int64_t last_arrival_us = 0;
    };

    void on_delta(double delay_ms, double send_delta_ms, int64_t arrival_us) noexcept;
    void detect(double send_delta_ms, int64_t arrival_us) noexcept;
    void adapt_threshold(int64_t arrival_us) noexcept;
    void reset() noexcept;

    bool have_current_ = false;
    bool have_previous_ = false;
    Group current_;
    Group previous_;

    // Trendline over the last kWindow samples (arrival ms since the first, smoothed delay).
    int64_t first_arrival_us_ = -1;
    double accumulated_ms_ = 0;
    double smoothed_ms_ = 0;
    std::array<double, kWindow> x_{};
    std::array<double, kWindow> y_{};
    std::size_t samples_ = 0;  // total taken (the ring holds the last kWindow)
    std::size_t deltas_ = 0;   // capped: how much the slope is trusted

    // Detector.
    BandwidthUsage state_ = BandwidthUsage::Normal;
    double trend_ = 0;
    double previous_trend_ = 0;
    double threshold_ = kInitialThreshold;
    int64_t threshold_updated_us_ = -1;
    double overusing_ms_ = -1;  // -1: not above the threshold
    int overuse_count_ = 0;
};

}  // namespace tern::sfu
