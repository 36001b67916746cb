// A published stream (one simulcast layer of a track) as the engine receiving it keeps it: the
// last packets decrypted (for NACKs from any subscriber), what was received (for receiver
// reports), the keyframe-request throttle and the speech detector. Memory for NACKs grows with
// publishers, not with subscribers: a 50-person meeting keeps 50 stores, not 2,450.
//
// The per-packet parts (PacketStore::put, ReceptionStats::note) are inline: the engine's packet
// path calls them once per packet (the build has no LTO). Lcore-local.
#pragma once

#include "common/byte_reader.hpp"
#include "common/wire/rtcp.hpp"
#include "dataplane/sfu/keyframe.hpp"
#include "dataplane/sfu/layer_rate_meter.hpp"
#include "dataplane/sfu/rewriter.hpp"
#include "dataplane/sfu/speech_detector.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace tern::sfu {

/// The last packets of a published stream, decrypted, by sequence number (a power-of-two ring).
class PacketStore {
public:
    static constexpr std::size_t kSlotBytes = 1280;  // RTP packets WebRTC sends stay below
    explicit PacketStore(uint32_t slots);

    void put(uint16_t seq, const std::byte* p, std::size_t len, uint64_t now_us) noexcept {
        if (len > kSlotBytes) {
            return;
        }
        const std::size_t i = seq & (meta_.size() - 1);
        std::memcpy(bytes_.data() + i * kSlotBytes, p, len);
        meta_[i] = Meta{seq, static_cast<uint16_t>(len), now_us == 0 ? 1 : now_us};
    }
    /// The packet `seq` when held and younger than `max_age_us`.
    [[nodiscard]] ByteSpan get(uint16_t seq, uint64_t now_us, uint64_t max_age_us) const noexcept;

private:
    struct Meta {
        uint16_t seq = 0;
        uint16_t len = 0;
        uint64_t at_us = 0;
    };
    std::vector<std::byte> bytes_;  // owned; sized once
    std::vector<Meta> meta_;
};

/// What was received of a stream, for receiver reports (RFC 3550 §6.4.1, A.3, A.8).
class ReceptionStats {
public:
    void note(uint16_t seq, uint32_t ts, uint32_t clock_hz, uint64_t now_us) noexcept {
        const auto arrival = static_cast<uint32_t>(now_us * clock_hz / 1'000'000);
        const uint32_t transit = arrival - ts;
        if (!started_) {
            started_ = true;
            max_seq_ = seq;
            base_seq_ = seq;
            last_transit_ = transit;
        } else if (seq_newer(seq, max_seq_)) {
            if (seq < max_seq_) {
                cycles_ += 65536;  // wrapped
            }
            max_seq_ = seq;
        }
        ++received_;
        // RFC 3550 A.8: J += (|D| - J) / 16, kept times 16.
        const auto d = static_cast<int32_t>(transit - last_transit_);
        last_transit_ = transit;
        const uint32_t ad = static_cast<uint32_t>(d < 0 ? -d : d);
        jitter16_ += ad - ((jitter16_ + 8) >> 4);
    }
    /// The stream's sender report arrived (NTP time `ntp`), for LSR/DLSR.
    void note_sender_report(uint64_t ntp, uint64_t now_us) noexcept {
        last_sr_ = static_cast<uint32_t>(ntp >> 16);
        last_sr_us_ = now_us == 0 ? 1 : now_us;
    }
    [[nodiscard]] bool started() const noexcept { return started_; }
    /// The report block for `ssrc` since the last one (fraction lost is per interval).
    wire::rtcp::ReportBlock report(uint32_t ssrc, uint64_t now_us) noexcept;

private:
    bool started_ = false;
    uint16_t max_seq_ = 0;
    uint32_t cycles_ = 0;
    uint32_t base_seq_ = 0;
    uint32_t received_ = 0;
    uint32_t expected_prior_ = 0;
    uint32_t received_prior_ = 0;
    uint32_t jitter16_ = 0;  // jitter in timestamp units, times 16
    uint32_t last_transit_ = 0;
    uint32_t last_sr_ = 0;  // middle 32 bits of the NTP time of its last SR
    uint64_t last_sr_us_ = 0;
};

/// A simulcast rid, inline (the control channel carries at most 16 characters).
class Rid {
public:
    static constexpr std::size_t kMax = 16;
    bool assign(std::string_view s) noexcept {
        if (s.size() > kMax) {
            return false;
        }
        std::memcpy(b_.data(), s.data(), s.size());
        len_ = static_cast<uint8_t>(s.size());
        return true;
    }
    [[nodiscard]] std::string_view view() const noexcept { return {b_.data(), len_}; }

private:
    std::array<char, kMax> b_{};
    uint8_t len_ = 0;
};

inline constexpr uint32_t kRemote =
    UINT32_MAX - 1;  // Publication::transport: relayed from another lcore

struct Publication {
    bool in_use = false;
    uint8_t gen = 0;         // bumped when the slot is freed: stale references (NACK records) miss
    uint32_t transport = 0;  // its transport's slot, or kRemote
    uint32_t ssrc = 0;       // 0 until learnt (simulcast by rid)
    uint32_t track = 0;
    uint32_t track_slot = 0;  // its track's entry in the engine's track pool
    int layer = 0;
    Codec codec = Codec::Other;
    uint32_t clock_hz = 90000;
    uint64_t last_pli_us = 0;            // when the last keyframe request went
    bool pli_sent = false;               // a keyframe request is outstanding (no keyframe since)
    std::unique_ptr<PacketStore> store;  // video only
    Rid rid;                             // simulcast by rid
    SpeechDetector speech;
    ReceptionStats rx;
    LayerRateMeter rate;        // what it carries, per temporal layer (for the layer allocator)
    uint32_t remote_lcore = 0;  // kRemote: the lcore it is published on
};

}  // namespace tern::sfu
