#include "dataplane/sfu/rate_controller.hpp"

#include <algorithm>
#include <cmath>

namespace tern::sfu {

namespace {

constexpr double kCapacitySmoothing = 0.95;
constexpr double kMinVar = 0.4;
constexpr double kMaxVar = 2.5;
constexpr double kNearSigmas = 3.0;
constexpr int64_t kBaseResponseUs = 100'000;  // added to the round trip: the detector's delay

}  // namespace

RateController::RateController(const RateLimits& limits) noexcept
    : limits_(limits), estimate_(std::clamp(limits.start_bps, limits.min_bps, limits.max_bps)) {}

bool RateController::near_capacity(double acked_kbps) const noexcept {
    if (capacity_kbps_ < 0) {
        return false;
    }
    const double sigma = std::sqrt(capacity_var_ * capacity_kbps_);
    return std::fabs(acked_kbps - capacity_kbps_) <= kNearSigmas * sigma;
}

void RateController::learn_capacity(double acked_kbps) noexcept {
    // An exponentially weighted mean of the acked rate at decreases, and its variance
    // normalised by the mean (so one setting suits 100 kbit/s and 10 Mbit/s links).
    if (capacity_kbps_ < 0) {
        capacity_kbps_ = acked_kbps;
        return;
    }
    capacity_kbps_ = kCapacitySmoothing * capacity_kbps_ + (1 - kCapacitySmoothing) * acked_kbps;
    const double err = capacity_kbps_ - acked_kbps;
    capacity_var_ = kCapacitySmoothing * capacity_var_ +
                    (1 - kCapacitySmoothing) * err * err / std::max(capacity_kbps_, 1.0);
    capacity_var_ = std::clamp(capacity_var_, kMinVar, kMaxVar);
}

uint64_t RateController::update(BandwidthUsage usage, uint64_t acked_bps, int64_t now_us,
                                int64_t rtt_us) noexcept {
    const int64_t step_us =
        last_us_ < 0 ? 0 : std::clamp<int64_t>(now_us - last_us_, 0, kMaxStepUs);
    last_us_ = now_us;
    switch (usage) {
    case BandwidthUsage::Overusing: state_ = State::Decrease; break;
    case BandwidthUsage::Underusing: state_ = State::Hold; break;
    case BandwidthUsage::Normal:
        state_ = state_ == State::Decrease ? State::Hold : State::Increase;
        break;
    }
    const double acked_kbps = static_cast<double>(acked_bps) / 1000.0;
    if (capacity_kbps_ >= 0 && acked_bps != 0 &&
        acked_kbps > capacity_kbps_ + kNearSigmas * std::sqrt(capacity_var_ * capacity_kbps_)) {
        capacity_kbps_ = -1;  // the link grew past what was learnt: learn it again
        capacity_var_ = kMinVar;
    }
    double next = static_cast<double>(estimate_);
    if (state_ == State::Decrease) {
        if (acked_bps != 0) {
            next = std::min(next, kBeta * static_cast<double>(acked_bps));
            learn_capacity(acked_kbps);
        } else {
            next *= kBeta;  // nothing measured yet: decrease what we have
        }
    } else if (state_ == State::Increase && step_us > 0) {
        const double seconds = static_cast<double>(step_us) / 1e6;
        if (near_capacity(acked_kbps)) {
            const double response_s =
                static_cast<double>(std::max<int64_t>(rtt_us, 0) + kBaseResponseUs) / 1e6;
            next += std::max(1'000.0, static_cast<double>(kPacketBits) / response_s) * seconds;
        } else {
            next *= std::pow(1 + kIncreasePerS, seconds);
        }
        if (acked_bps != 0) {
            // Never further ahead of the acked rate than this; an estimate already above it
            // (a probe's, say) is kept rather than cut.
            const double bound = kMaxOverAcked * static_cast<double>(acked_bps) +
                                 static_cast<double>(kAckedSlackBps);
            next = std::min(next, std::max(bound, static_cast<double>(estimate_)));
        }
    }
    estimate_ = std::clamp(static_cast<uint64_t>(next), limits_.min_bps, limits_.max_bps);
    return estimate_;
}

void RateController::set_estimate(uint64_t bps, int64_t now_us) noexcept {
    estimate_ = std::clamp(bps, limits_.min_bps, limits_.max_bps);
    last_us_ = now_us;
}

}  // namespace tern::sfu
