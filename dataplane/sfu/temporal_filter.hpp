// Which temporal layers of a VP8 stream a subscriber receives (Talk's selectStream `temporal`):
// what a packet's payload descriptor says about its frame's layer, and the per-subscription
// decision. Going down takes effect at the next frame; going up waits for a frame that is a
// switching point for the higher layer (the descriptor's Y bit, RFC 7741 §4.2) or a keyframe,
// so every frame sent can be decoded. Lcore-local, per packet, no allocation.
#pragma once

#include "common/byte_reader.hpp"

#include <cstddef>
#include <cstdint>

namespace tern::sfu {

/// The temporal facts of one VP8 packet.
struct Vp8Temporal {
    int tid = -1;              // its frame's temporal layer; -1: not signalled (one layer)
    bool sync = false;         // Y: the frame depends only on temporal layer 0
    bool frame_start = false;  // S with partition 0: the first packet of a frame
};

/// RFC 7741 §4.2: X R N S R PID, then with X: I L T K, PictureID (I, 7 or 15 bits), TL0PICIDX
/// (L), TID/Y/KEYIDX (T or K).
inline Vp8Temporal vp8_temporal(ByteSpan p) noexcept {
    Vp8Temporal t;
    if (p.empty()) {
        return t;
    }
    const auto at = [&](std::size_t i) { return std::to_integer<uint8_t>(p[i]); };
    const uint8_t b0 = at(0);
    t.frame_start = (b0 & 0x10) != 0 && (b0 & 0x07) == 0;
    if ((b0 & 0x80) == 0 || p.size() < 2) {
        return t;
    }
    const uint8_t x = at(1);
    std::size_t off = 2;
    if ((x & 0x80) != 0) {
        if (p.size() <= off) {
            return t;
        }
        off += (at(off) & 0x80) != 0 ? 2 : 1;
    }
    if ((x & 0x40) != 0) {
        ++off;
    }
    if ((x & 0x20) == 0 || p.size() <= off) {
        return t;  // no T: the TID octet (if K) carries no layer
    }
    t.tid = at(off) >> 6;
    t.sync = (at(off) & 0x20) != 0;
    return t;
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
