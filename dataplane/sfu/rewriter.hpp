// What a subscriber's outgoing stream needs to look continuous while the SFU switches the
// source under it: simulcast or spatial layer changes, pauses, and packets it chooses not to
// forward. One StreamRewriter per outgoing stream maps (source, sequence number, timestamp) to
// the stream's own numbering; one LayerSwitch decides which source's packets go out.
#pragma once

#include <cstdint>

namespace tern::sfu {

/// RFC 3550 sequence number arithmetic: a is newer than b (modulo 2^16).
inline bool seq_newer(uint16_t a, uint16_t b) noexcept {
    return static_cast<int16_t>(a - b) > 0;
}

class StreamRewriter {
public:
    struct Out {
        uint16_t seq;
        uint32_t ts;
    };

    /// `clock_hz`: the RTP clock (90000 video, 48000 Opus), for the timestamp gap at a switch.
    explicit StreamRewriter(uint32_t clock_hz) noexcept : clock_hz_(clock_hz) {}

    /// A packet of `source` (the incoming SSRC) to send. The first packet after a switch of
    /// source or a resume gets the next sequence number and a timestamp advanced by the time
    /// that passed; within one source, gaps (losses) stay gaps so the subscriber can NACK them.
    Out forward(uint32_t source, uint16_t seq, uint32_t ts, uint64_t now_us) noexcept;

    /// A packet of the current source deliberately not sent (a temporal layer above the
    /// subscriber's, padding): the numbering closes over it instead of showing a loss.
    void drop(uint32_t source, uint16_t seq) noexcept;

    /// The subscriber stopped receiving (paused, or no layer fits its bandwidth); the next
    /// forward() continues the numbering as after a switch.
    void pause() noexcept { rebase_ = true; }

    /// The outgoing timestamp for `ts` of `source`, if it is the current source (for translating
    /// the publisher's sender reports).
    [[nodiscard]] bool map_ts(uint32_t source, uint32_t ts, uint32_t& out) const noexcept {
        if (!started_ || rebase_ || source != source_) {
            return false;
        }
        out = ts + ts_offset_;
        return true;
    }
    [[nodiscard]] bool started() const noexcept { return started_; }
    [[nodiscard]] uint16_t last_seq() const noexcept { return last_out_seq_; }
    [[nodiscard]] uint32_t last_ts() const noexcept { return last_out_ts_; }

private:
    uint32_t clock_hz_;
    bool started_ = false;
    bool rebase_ = false;
    uint32_t source_ = 0;
    uint16_t seq_offset_ = 0;
    uint32_t ts_offset_ = 0;
    uint16_t max_in_seq_ = 0;  // newest input sequence number of the current source
    uint16_t last_out_seq_ = 0;
    uint32_t last_out_ts_ = 0;
    uint64_t last_out_us_ = 0;
};

/// Which layer (simulcast encoding or spatial layer, 0 = lowest) a subscriber receives. A change
/// of target takes effect at the target layer's next keyframe; until then the current layer
/// keeps flowing (or nothing, when there is none yet), and wants_keyframe() asks for a PLI.
class LayerSwitch {
public:
    static constexpr int kNone = -1;

    /// kNone pauses the subscriber.
    void set_target(int layer) noexcept { target_ = layer; }

    /// For a packet of `layer`: true when it is to be forwarded. Switches when a keyframe of
    /// the target layer arrives.
    bool accept(int layer, bool keyframe) noexcept {
        if (target_ == kNone) {
            current_ = kNone;
            return false;
        }
        if (layer == target_ && layer != current_ && keyframe) {
            current_ = layer;
            ++switches_;
        }
        return layer == current_;
    }

    /// Forget the current layer: nothing flows until the target's next keyframe (for a
    /// subscriber that cannot be reached, so missed packets never reach its decoder as a gap).
    void restart() noexcept { current_ = kNone; }

    [[nodiscard]] int current() const noexcept { return current_; }
    [[nodiscard]] int target() const noexcept { return target_; }
    [[nodiscard]] bool wants_keyframe() const noexcept {
        return target_ != kNone && target_ != current_;
    }
    [[nodiscard]] uint32_t switches() const noexcept { return switches_; }

private:
    int target_ = 0;
    int current_ = kNone;
    uint32_t switches_ = 0;
};

}  // namespace tern::sfu
