// Which layers each video a subscriber receives gets, from its bandwidth estimate: the budget
// is the estimate less what its audio needs (reserved first: speech matters more than
// pictures); screen shares are served before cameras; within the budget every video first gets
// its lowest layer, then the videos move up one step at a time in turn. A step is a spatial
// layer (simulcast encoding) with some of its temporal layers, at its publisher's measured rate
// (layer_rate_meter.hpp), never above the client's requested maximum nor the cap of its kind
// (camera, screen; with VideoDemand::whole_layers a layer above the lowest is one step, with
// every temporal layer asked for, within the cap when its base is). A video whose lowest step does
// not fit is paused, once the caller allows it (VideoDemand::may_pause: the engine waits until that
// has lasted a while, so one reading of delay noise does not stop a picture that the link carries).
//
// Hysteresis: keeping a step needs the budget to cover its rate; moving above the step held
// needs kUpgradeMarginPct of it (and the caller may forbid upgrades for a while after a downgrade);
// so a video comes back only when there is room to spare. It goes down as soon as the budget
// says so: the engine decides when a shortage is real (sfu_layers.cpp).
//
// Decides only, like TurnServer: rates and the last decisions in, targets out, in fixed arrays.
// The engine applies them through LayerSwitch (at keyframes) and TemporalFilter. Lcore-local.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tern::sfu {

enum class VideoKind : uint8_t { Camera, Screen };

/// What one audio subscription is assumed to need (Opus with headers, SRTP, transport-cc).
inline constexpr uint64_t kAudioReserveBps = 50'000;

/// A spatial layer with temporal layers 0..temporal, or paused (spatial kPaused).
struct LayerTarget {
    static constexpr int kPaused = -1;
    int spatial = kPaused;
    int temporal = 0;
    friend bool operator==(const LayerTarget&, const LayerTarget&) = default;
};

struct LayerCaps {
    uint64_t camera_bps = 1'000'000;
    uint64_t screen_bps = 2'000'000;
};

/// One video subscription as the allocator sees it.
struct VideoDemand {
    static constexpr int kSpatial = 3;   // simulcast encodings (0 = lowest)
    static constexpr int kTemporal = 4;  // temporal layers per encoding
    VideoKind kind = VideoKind::Camera;
    /// The client's maximum (selectStream); max_spatial LayerTarget::kPaused: it asked for none.
    int max_spatial = kSpatial - 1;
    int max_temporal = kTemporal - 1;
    /// Measured bit/s of spatial layer s with temporal layers 0..t; 0: not available (not
    /// published, or not flowing). Cumulative: bps[s][t] >= bps[s][t-1] where both flow.
    std::array<std::array<uint32_t, kTemporal>, kSpatial> bps{};
    LayerTarget current;      // the last decision (for hysteresis)
    bool may_upgrade = true;  // false: stay at or below `current` (a recent downgrade)
    /// false: a video that has a layer keeps its lowest step even where the budget does not
    /// cover it (the shortage is recent); true: it is paused then.
    bool may_pause = true;
    /// true: above the lowest spatial layer, a layer is taken whole (with every temporal layer
    /// the client allows) or not at all, and it is within the cap when its base is (the engine
    /// asks this while the link shows no loss: delay alone never thins the frame rate asked).
    bool whole_layers = false;
};

class LayerAllocator {
public:
    static constexpr std::size_t kMaxVideos = 32;       // per subscriber transport; more stay put
    static constexpr uint64_t kUpgradeMarginPct = 115;  // of a step's rate, to move up to it

    struct Result {
        std::array<LayerTarget, kMaxVideos> targets{};  // one per demand, in its order
        std::size_t n = 0;
        uint64_t used_bps = 0;  // what the targets (and the audio reserve) need
        /// What the first upgrade refused for want of budget would need in all (with the
        /// margin and the audio): the rate a probe should show before it can happen. 0: none
        /// refused (everything at its maximum, or upgrades on hold).
        uint64_t upgrade_bps = 0;
        /// What every video at its maximum (and the audio) would need: the probes' ceiling.
        uint64_t wanted_bps = 0;
        /// Per demand: its lowest step did not fit the budget (it is paused, or kept on that
        /// step because it may not pause yet).
        std::array<bool, kMaxVideos> short_of_budget{};
    };

    explicit LayerAllocator(const LayerCaps& caps = {}) noexcept : caps_(caps) {}

    /// Targets for `videos` (at most kMaxVideos are considered; the rest get kPaused) when the
    /// transport's estimate is `estimate_bps` and it also receives `audio_streams` audio
    /// subscriptions.
    [[nodiscard]] Result allocate(uint64_t estimate_bps, uint32_t audio_streams,
                                  std::span<const VideoDemand> videos) const noexcept;

    [[nodiscard]] const LayerCaps& caps() const noexcept { return caps_; }

private:
    LayerCaps caps_;
};

}  // namespace tern::sfu
