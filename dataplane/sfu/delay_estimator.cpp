#include "dataplane/sfu/delay_estimator.hpp"

#include <algorithm>
#include <cmath>

namespace tern::sfu {

namespace {

constexpr std::size_t kMaxDeltas = 60;     // the slope's weight stops growing here
constexpr double kThresholdJumpMs = 15.0;  // a trend this far past the threshold is a spike

}  // namespace

BandwidthUsage DelayEstimator::on_packet(int64_t send_us, int64_t arrival_us) noexcept {
    if (!have_current_) {
        current_ = Group{send_us, send_us, arrival_us};
        have_current_ = true;
        return state_;
    }
    if (send_us < current_.first_send_us) {
        return state_;  // sent before the group being filled: a late report, not a new group
    }
    if (send_us - current_.first_send_us <= kGroupUs) {
        current_.last_send_us = send_us;
        current_.last_arrival_us = std::max(current_.last_arrival_us, arrival_us);
        return state_;
    }
    // This packet opens a new group: the current one is complete.
    if (have_previous_) {
        const int64_t send_delta = current_.last_send_us - previous_.last_send_us;
        const int64_t arrival_delta = current_.last_arrival_us - previous_.last_arrival_us;
        if (send_delta > kResetGapUs || arrival_delta > kResetGapUs ||
            arrival_delta < -kResetGapUs) {
            reset();  // a pause or a clock jump: what was learnt says nothing now
        } else if (arrival_delta >= 0) {
            // A group that arrived before its predecessor was reordered on the path; its
            // variation would be noise, so it only moves the reference on.
            on_delta(static_cast<double>(arrival_delta - send_delta) / 1000.0,
                     static_cast<double>(send_delta) / 1000.0, current_.last_arrival_us);
        }
    }
    previous_ = current_;
    have_previous_ = true;
    current_ = Group{send_us, send_us, arrival_us};
    return state_;
}

void DelayEstimator::on_delta(double delay_ms, double send_delta_ms, int64_t arrival_us) noexcept {
    if (first_arrival_us_ < 0) {
        first_arrival_us_ = arrival_us;
    }
    deltas_ = std::min(deltas_ + 1, kMaxDeltas);
    accumulated_ms_ += delay_ms;
    smoothed_ms_ = kSmoothing * smoothed_ms_ + (1 - kSmoothing) * accumulated_ms_;
    const std::size_t i = samples_ % kWindow;
    x_[i] = static_cast<double>(arrival_us - first_arrival_us_) / 1000.0;
    y_[i] = smoothed_ms_;
    ++samples_;
    if (samples_ >= kWindow) {
        // Least squares over the window: slope = Σ(x - x̄)(y - ȳ) / Σ(x - x̄)².
        double mx = 0;
        double my = 0;
        for (std::size_t k = 0; k < kWindow; ++k) {
            mx += x_[k];
            my += y_[k];
        }
        mx /= kWindow;
        my /= kWindow;
        double num = 0;
        double den = 0;
        for (std::size_t k = 0; k < kWindow; ++k) {
            num += (x_[k] - mx) * (y_[k] - my);
            den += (x_[k] - mx) * (x_[k] - mx);
        }
        const double slope = den > 0 ? num / den : 0;
        trend_ = static_cast<double>(deltas_) * slope * kGain;
    }
    detect(send_delta_ms, arrival_us);
}

void DelayEstimator::detect(double send_delta_ms, int64_t arrival_us) noexcept {
    if (samples_ < kWindow) {
        previous_trend_ = trend_;
        return;  // no line yet
    }
    if (trend_ > threshold_) {
        // Above the threshold: overuse once it stayed there a while, over more than one
        // delta, and is not already falling back.
        overusing_ms_ = overusing_ms_ < 0 ? send_delta_ms / 2 : overusing_ms_ + send_delta_ms;
        ++overuse_count_;
        if (overusing_ms_ > kOveruseMs && overuse_count_ > 1 && trend_ >= previous_trend_) {
            overusing_ms_ = 0;
            overuse_count_ = 0;
            state_ = BandwidthUsage::Overusing;
        }
    } else if (trend_ < -threshold_) {
        overusing_ms_ = -1;
        overuse_count_ = 0;
        state_ = BandwidthUsage::Underusing;
    } else {
        overusing_ms_ = -1;
        overuse_count_ = 0;
        state_ = BandwidthUsage::Normal;
    }
    previous_trend_ = trend_;
    adapt_threshold(arrival_us);
}

void DelayEstimator::adapt_threshold(int64_t arrival_us) noexcept {
    if (threshold_updated_us_ < 0) {
        threshold_updated_us_ = arrival_us;
    }
    const double magnitude = std::fabs(trend_);
    if (magnitude > threshold_ + kThresholdJumpMs) {
        // A spike (a route change, a burst of cross traffic): do not let it drag the
        // threshold up (§5.4).
        threshold_updated_us_ = arrival_us;
        return;
    }
    const double rate = magnitude < threshold_ ? kDownRate : kUpRate;
    const double dt_ms =
        std::min(static_cast<double>(arrival_us - threshold_updated_us_) / 1000.0, 100.0);
    threshold_ += rate * (magnitude - threshold_) * std::max(dt_ms, 0.0);
    threshold_ = std::clamp(threshold_, kMinThreshold, kMaxThreshold);
    threshold_updated_us_ = arrival_us;
}

void DelayEstimator::reset() noexcept {
    first_arrival_us_ = -1;
    accumulated_ms_ = 0;
    smoothed_ms_ = 0;
    samples_ = 0;
    deltas_ = 0;
    trend_ = 0;
    previous_trend_ = 0;
    overusing_ms_ = -1;
    overuse_count_ = 0;
    state_ = BandwidthUsage::Normal;
}

}  // namespace tern::sfu
