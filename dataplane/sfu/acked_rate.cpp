#include "dataplane/sfu/acked_rate.hpp"

#include <algorithm>

namespace tern::sfu {

namespace {

int64_t floor_div(int64_t a, int64_t b) {
    const int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

void AckedRate::on_packet(int64_t arrival_us, uint32_t bytes) noexcept {
    const int64_t bin = floor_div(arrival_us, kBinUs);
    if (!started_) {
        started_ = true;
        first_bin_ = bin;
        newest_bin_ = bin;
    }
    if (bin > newest_bin_) {
        // Empty the bins between the old newest and this one (all of them after a long gap).
        const int64_t clear = std::min<int64_t>(bin - newest_bin_, kBins);
        for (int64_t i = 1; i <= clear; ++i) {
            bytes_[slot(bin - clear + i)] = 0;
        }
        newest_bin_ = bin;
    }
    if (bin <= newest_bin_ - static_cast<int64_t>(kBins)) {
        return;  // older than the window
    }
    first_bin_ = std::min(first_bin_, bin);
    bytes_[slot(bin)] += bytes;
}

uint64_t AckedRate::bps() const noexcept {
    if (!started_) {
        return 0;
    }
    const int64_t whole = std::min<int64_t>(newest_bin_ - first_bin_, kBins - 1);
    if (whole * kBinUs < kMinSpanUs) {
        return 0;
    }
    uint64_t sum = 0;
    for (int64_t i = 1; i <= whole; ++i) {
        sum += bytes_[slot(newest_bin_ - i)];
    }
    return sum * 8 * 1'000'000 / static_cast<uint64_t>(whole * kBinUs);
}

}  // namespace tern::sfu
