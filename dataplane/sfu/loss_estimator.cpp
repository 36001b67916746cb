#include "dataplane/sfu/loss_estimator.hpp"

#include <algorithm>

namespace tern::sfu {

void LossEstimator::on_late_arrival() noexcept {
    if (lost_ > 0) {
        --lost_;
        ++received_;
    }
}

uint64_t LossEstimator::update(uint64_t current_bps, int64_t now_us) noexcept {
    if (window_start_us_ < 0) {
        window_start_us_ = now_us;
    }
    peak_bps_ = std::max(peak_bps_, std::min(current_bps, bound_));
    const uint32_t total = received_ + lost_;
    if (total < kMinPackets || now_us - window_start_us_ < kMinWindowUs) {
        return bound_;
    }
    loss_ = static_cast<double>(lost_) / static_cast<double>(total);
    received_ = 0;
    lost_ = 0;
    window_start_us_ = now_us;
    const uint64_t peak = peak_bps_;
    peak_bps_ = 0;
    const uint64_t current = std::min(current_bps, bound_);
    if (loss_ > kHighLoss) {
        bound_ = static_cast<uint64_t>(static_cast<double>(current) * (1 - loss_ / 2));
    } else if (loss_ >= kLowLoss) {
        bound_ = std::min(bound_, peak);
    } else {
        bound_ = kNoBound;
    }
    return bound_;
}

}  // namespace tern::sfu
