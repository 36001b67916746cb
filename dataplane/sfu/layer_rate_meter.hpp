// What one published stream (one simulcast or spatial layer) sends, per temporal layer, for the
// layer allocator (layer_allocator.hpp): bytes counted per packet into four fixed counters,
// turned into bit/s when a window closes. Cheap enough for every packet: no allocation, no
// division until a window ends. Lcore-local.
#pragma once

#include <array>
#include <cstdint>

namespace tern::sfu {

class LayerRateMeter {
public:
    static constexpr int kTemporal = 4;                  // VP8 has at most four temporal layers
    static constexpr uint64_t kWindowUs = 500'000;       // one measurement
    static constexpr uint64_t kStaleUs = 2 * kWindowUs;  // no packet for this long: not flowing

    /// A packet of `bytes` of temporal layer `tid` (-1: not signalled, counted as layer 0).
    void note(int tid, uint32_t bytes, uint64_t now_us) noexcept {
        if (window_start_us_ == 0) {
            window_start_us_ = now_us;
        } else if (now_us - window_start_us_ >= kWindowUs) {
            close(now_us);
        }
        const int t = tid < 0 ? 0 : (tid >= kTemporal ? kTemporal - 1 : tid);
        bytes_[static_cast<std::size_t>(t)] += bytes;
        last_us_ = now_us;
    }

    /// Bit/s of temporal layers 0..`tid` together (cumulative: what a subscriber on `tid`
    /// receives), as measured over the last closed window; 0 before the first or when the
    /// stream stopped.
    [[nodiscard]] uint32_t bps(int tid, uint64_t now_us) const noexcept {
        if (last_us_ == 0 || now_us - last_us_ >= kStaleUs) {
            return 0;
        }
        uint32_t sum = 0;
        for (int t = 0; t <= tid && t < kTemporal; ++t) {
            sum += bps_[static_cast<std::size_t>(t)];
        }
        return sum;
    }
    /// Whether `tid` carried anything in the last window (a stream without temporal layers
    /// has only layer 0).
    [[nodiscard]] bool has(int tid) const noexcept {
        return tid >= 0 && tid < kTemporal && bps_[static_cast<std::size_t>(tid)] != 0;
    }
    /// Bumped each time a window closes: the allocator's inputs may have moved.
    [[nodiscard]] uint32_t windows() const noexcept { return windows_; }

private:
    void close(uint64_t now_us) noexcept {
        const uint64_t elapsed = now_us - window_start_us_;
        for (std::size_t t = 0; t < bytes_.size(); ++t) {
            bps_[t] = static_cast<uint32_t>(bytes_[t] * 8 * 1'000'000 / elapsed);
            bytes_[t] = 0;
        }
        window_start_us_ = now_us;
        ++windows_;
    }

    std::array<uint64_t, kTemporal> bytes_{};  // in the open window
    std::array<uint32_t, kTemporal> bps_{};    // of the last closed window
    uint64_t window_start_us_ = 0;
    uint64_t last_us_ = 0;
    uint32_t windows_ = 0;
};

}  // namespace tern::sfu
