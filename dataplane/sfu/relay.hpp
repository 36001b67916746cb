// Rooms larger than one lcore: what passes between the engines of two lcores when a track's
// subscribers live on more than one. The publisher's lcore decrypts once and hands the plaintext
// packet to each other lcore that has subscribers of its track (once per lcore, however many
// subscribers live there); those send keyframe requests back; sender reports follow the
// packets. The worker carries these on its rings (MediaSink::relay, Sfu::on_relayed).
#pragma once

#include <bit>
#include <cstdint>

namespace tern::sfu {

struct Relayed {
    enum class Kind : uint8_t { Rtp, KeyframeRequest, SenderReport };
    Kind kind = Kind::Rtp;
    uint8_t keyframe = 0;  // Rtp: the packet starts a keyframe
    uint16_t port = 0;     // the engine's port index on both lcores
    uint32_t track = 0;
    int32_t layer = 0;
    uint32_t ssrc = 0;    // the publisher's SSRC of that layer
    uint32_t rtp_ts = 0;  // SenderReport
    uint32_t from = 0;    // the sending lcore
    uint64_t ntp = 0;     // SenderReport
};

/// The lcores a track is relayed to (lcore ids below 64), as a bit set.
class RelayTargets {
public:
    static constexpr uint32_t kMaxLcore = 64;
    void set(uint32_t lcore, bool on) noexcept {
        const uint64_t bit = uint64_t{1} << lcore;
        mask_ = on ? mask_ | bit : mask_ & ~bit;
    }
    void clear() noexcept { mask_ = 0; }
    [[nodiscard]] bool empty() const noexcept { return mask_ == 0; }
    template <class F>
    void for_each(F&& f) const {
        for (uint64_t m = mask_; m != 0; m &= m - 1) {
            f(static_cast<uint32_t>(std::countr_zero(m)));
        }
    }

private:
    uint64_t mask_ = 0;
};

}  // namespace tern::sfu
