// The rate at which a subscriber's link delivered what the SFU sent, measured from transport-cc
// feedback: bytes of the packets reported received, binned by their arrival time on the
// receiver's clock, over the last half second. The rate controller decreases to a fraction of
// it on overuse and never lets the estimate run far ahead of it. Fixed memory. Lcore-local.
#pragma once

#include <array>
#include <cstdint>

namespace tern::sfu {

class AckedRate {
public:
    static constexpr int64_t kBinUs = 20'000;
    static constexpr std::size_t kBins = 26;  // 25 whole bins (the 500 ms window) and one filling
    static constexpr int64_t kMinSpanUs = 100'000;  // no rate from less than this much

    /// One packet reported received at `arrival_us` (receiver's clock). Packets older than the
    /// window are ignored.
    void on_packet(int64_t arrival_us, uint32_t bytes) noexcept;

    /// Bits per second over the whole bins of the window (the bin still filling is left out),
    /// 0 until kMinSpanUs of arrivals were seen.
    [[nodiscard]] uint64_t bps() const noexcept;

private:
    static std::size_t slot(int64_t bin) noexcept {
        const int64_t m = bin % static_cast<int64_t>(kBins);
        return static_cast<std::size_t>(m < 0 ? m + static_cast<int64_t>(kBins) : m);
    }

    bool started_ = false;
    int64_t first_bin_ = 0;   // the bin of the first arrival ever seen
    int64_t newest_bin_ = 0;  // the bin still filling
    std::array<uint64_t, kBins> bytes_{};
};

}  // namespace tern::sfu
