// Which temporal layers of a VP8 stream a subscriber receives (Talk's selectStream `temporal`):
// what a packet's payload descriptor says about its frame's layer, and the per-subscription
// decision. Going down takes effect at the next frame; going up waits for a frame that is a
// switching point for the higher layer (the descriptor's Y bit, RFC 7741 §4.2) or a keyframe,
// so every frame sent can be decoded. Lcore-local, per packet, no allocation.
#pragma once

#include "common/byte_reader.hpp"
#include "dataplane/sfu/keyframe.hpp"

#include <cstddef>
#include <cstdint>

namespace tern::sfu {

/// The temporal facts of one VP8 packet.
struct Vp8Temporal {
    int tid = -1;              // its frame's temporal layer; -1: not signalled (one layer)
    bool sync = false;         // Y: the frame depends only on temporal layer 0
    bool frame_start = false;  // S with partition 0: the first packet of a frame
};

/// The temporal facts of a VP8 payload's descriptor (keyframe.hpp reads it).
inline Vp8Temporal vp8_temporal(ByteSpan p) noexcept {
    const Vp8Descriptor d = vp8_descriptor(p);
    return Vp8Temporal{d.tid, d.sync, d.frame_start};
}

class TemporalFilter {
public:
    static constexpr int kAll = 3;  // VP8 has at most four temporal layers (0-3)

    /// The highest temporal layer wanted; kAll (or more) for every one.
    void set_target(int layer) noexcept { target_ = layer < 0 || layer > kAll ? kAll : layer; }

    /// For a packet of the layer the subscriber receives: true when it is to be sent.
    bool accept(const Vp8Temporal& t, bool keyframe) noexcept {
        if (t.tid < 0) {
            return true;
        }
        if (keyframe || (t.frame_start && target_ < current_)) {
            // A keyframe is a switching point for every layer; fewer layers take effect from
            // the next frame.
            current_ = target_;
        } else if (t.frame_start && t.sync && t.tid > current_ && t.tid <= target_) {
            current_ = t.tid;  // one more layer, from its switching point
        }
        return t.tid <= current_;
    }

    [[nodiscard]] int target() const noexcept { return target_; }
    [[nodiscard]] int current() const noexcept { return current_; }

private:
    int target_ = kAll;
    int current_ = kAll;
};

}  // namespace tern::sfu
