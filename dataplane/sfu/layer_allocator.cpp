#include "dataplane/sfu/layer_allocator.hpp"

#include <algorithm>

namespace tern::sfu {

namespace {

/// The steps a video can take, lowest first: each spatial layer up to the client's maximum,
/// each with the temporal layers that add something, at their measured rates.
struct Ladder {
    struct Step {
        int spatial = 0;
        int temporal = 0;  // as the target says it: the client's maximum on a layer's top step
        uint64_t bps = 0;
    };
    std::array<Step, VideoDemand::kSpatial * VideoDemand::kTemporal> steps{};
    int n = 0;
    int current = -1;  // the step held now, -1: paused
};

Ladder ladder_of(const VideoDemand& v, uint64_t cap) noexcept {
    Ladder l;
    const int max_s = std::min(v.max_spatial, VideoDemand::kSpatial - 1);
    const int max_t = std::clamp(v.max_temporal, 0, VideoDemand::kTemporal - 1);
    bool capped = false;  // a step above the cap ends the ladder
    for (int s = 0; s <= max_s && !capped; ++s) {
        const auto& row = v.bps[static_cast<std::size_t>(s)];
        const bool whole = v.whole_layers && s > 0;
        bool base_fits = false;  // whole: the layer's first step is within the cap
        for (int t = 0; t <= max_t; ++t) {
            const uint64_t bps = row[static_cast<std::size_t>(t)];
            if (bps == 0 || (t > 0 && bps <= row[static_cast<std::size_t>(t - 1)])) {
                continue;  // not flowing, or a temporal layer that adds nothing
            }
            if (l.n > 0 && bps > cap && !(whole && base_fits)) {
                capped = true;  // above the cap of its kind (the lowest step is always allowed)
                break;
            }
            base_fits = true;
            // The top temporal step of a layer asks for everything the client allows, so a
            // layer appearing later is not cut off.
            bool top = true;
            for (int u = t + 1; u <= max_t; ++u) {
                top = top && row[static_cast<std::size_t>(u)] <= bps;
            }
            if (whole && !top) {
                continue;  // the layer is taken whole
            }
            l.steps[static_cast<std::size_t>(l.n++)] = Ladder::Step{s, top ? max_t : t, bps};
        }
    }
    // Where the last decision sits on it: its layer's highest step within the temporal layers
    // it had (at least that layer's first); a layer no longer measured counts as the one below.
    if (v.current.spatial != LayerTarget::kPaused) {
        for (int k = 0; k < l.n; ++k) {
            const auto& st = l.steps[static_cast<std::size_t>(k)];
            const bool first_of_layer =
                k == 0 || l.steps[static_cast<std::size_t>(k - 1)].spatial != st.spatial;
            if (st.spatial < v.current.spatial ||
                (st.spatial == v.current.spatial &&
                 (first_of_layer || st.temporal <= v.current.temporal))) {
                l.current = k;
            }
        }
    }
    return l;
}

}  // namespace

LayerAllocator::Result
LayerAllocator::allocate(uint64_t estimate_bps, uint32_t audio_streams,
                         std::span<const VideoDemand> videos) const noexcept {
    Result r;
    r.n = std::min(videos.size(), kMaxVideos);
    const uint64_t audio = uint64_t{audio_streams} * kAudioReserveBps;
    const uint64_t budget = estimate_bps > audio ? estimate_bps - audio : 0;

    std::array<Ladder, kMaxVideos> ladders;
    std::array<int, kMaxVideos> level{};
    std::array<std::size_t, kMaxVideos> order{};
    std::size_t n_order = 0;
    r.wanted_bps = audio;
    // Screens first, then cameras, each in the caller's order.
    for (const VideoKind kind : {VideoKind::Screen, VideoKind::Camera}) {
        for (std::size_t i = 0; i < r.n; ++i) {
            if (videos[i].kind == kind) {
                order[n_order++] = i;
            }
        }
    }
    for (std::size_t i = 0; i < r.n; ++i) {
        const VideoDemand& v = videos[i];
        level[i] = -1;
        if (v.max_spatial == LayerTarget::kPaused) {
            ladders[i].n = -1;  // the client asked for nothing
            continue;
        }
        ladders[i] =
            ladder_of(v, v.kind == VideoKind::Screen ? caps_.screen_bps : caps_.camera_bps);
        if (ladders[i].n > 0) {
            r.wanted_bps += ladders[i].steps[static_cast<std::size_t>(ladders[i].n - 1)].bps;
        }
    }

    uint64_t used = 0;
    auto need = [&](std::size_t i, int k) {
        const uint64_t bps = ladders[i].steps[static_cast<std::size_t>(k)].bps;
        return k > ladders[i].current ? bps * kUpgradeMarginPct / 100 : bps;
    };
    auto refused = [&](uint64_t total) {
        if (r.upgrade_bps == 0) {
            r.upgrade_bps = audio + total;
        }
    };
    // Every video its lowest step, in order of priority, while they fit.
    for (std::size_t k = 0; k < n_order; ++k) {
        const std::size_t i = order[k];
        if (ladders[i].n <= 0 || (ladders[i].current < 0 && !videos[i].may_upgrade)) {
            continue;
        }
        if (used + need(i, 0) <= budget) {
            level[i] = 0;
            used += ladders[i].steps[0].bps;
        } else if (ladders[i].current >= 0 && !videos[i].may_pause) {
            // Short of budget only lately: it keeps its lowest step for now.
            r.short_of_budget[i] = true;
            level[i] = 0;
            used += ladders[i].steps[0].bps;
        } else {
            r.short_of_budget[i] = true;
            refused(used + need(i, 0));
        }
    }
    // Then one step up each, in turn, until none fits.
    std::array<bool, kMaxVideos> done{};
    for (bool moved = true; moved;) {
        moved = false;
        for (std::size_t k = 0; k < n_order; ++k) {
            const std::size_t i = order[k];
            const int at = level[i];
            if (done[i] || at < 0 || at + 1 >= ladders[i].n ||
                (at + 1 > ladders[i].current && !videos[i].may_upgrade)) {
                done[i] = true;
                continue;
            }
            const uint64_t have = ladders[i].steps[static_cast<std::size_t>(at)].bps;
            const int up = at + 1;
            if (used - have + need(i, up) <= budget) {
                level[i] = up;
                used = used - have + ladders[i].steps[static_cast<std::size_t>(up)].bps;
                moved = true;
            } else {
                refused(used - have + need(i, up));
                done[i] = true;  // what is used only grows: it will not fit later this round
            }
        }
    }

    for (std::size_t i = 0; i < r.n; ++i) {
        const VideoDemand& v = videos[i];
        if (ladders[i].n == 0) {
            // Nothing measured yet (the publisher just started, or sends nothing): what the
            // client asked for, at no cost known.
            r.targets[i] = LayerTarget{v.max_spatial, v.max_temporal};
        } else if (level[i] >= 0) {
            const auto& st = ladders[i].steps[static_cast<std::size_t>(level[i])];
            r.targets[i] = LayerTarget{st.spatial, st.temporal};
        } else {
            r.targets[i] = LayerTarget{};
        }
    }
    r.used_bps = audio + used;
    return r;
}

}  // namespace tern::sfu
