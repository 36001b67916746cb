// RTCP (RFC 3550 §6) as an SFU terminates it per leg: walking a compound packet, reading the
// feedback subscribers and publishers send (generic NACK and PLI/FIR, RFC 4585 and RFC 5104;
// REMB, draft-alvestrand-rmcat-remb), reading report blocks, and writing SR, RR and feedback.
// Views point into the packet; writers append to a ByteWriter.
#pragma once

#include "common/byte_reader.hpp"
#include "common/wire/error.hpp"

#include <cstdint>

namespace tern::wire::rtcp {

inline constexpr uint8_t kSr = 200;
inline constexpr uint8_t kRr = 201;
inline constexpr uint8_t kSdes = 202;
inline constexpr uint8_t kBye = 203;
inline constexpr uint8_t kRtpfb =
    205;  // transport-layer feedback: FMT 1 generic NACK, 15 transport-cc
inline constexpr uint8_t kPsfb = 206;  // payload-specific: FMT 1 PLI, 4 FIR, 15 application (REMB)

/// One packet of a compound RTCP packet.
struct Packet {
    uint8_t count = 0;  // RC / SC / FMT: the five bits after V and P
    uint8_t type = 0;
    uint32_t ssrc = 0;  // the sender's SSRC (every type tern handles starts with it)
    ByteSpan body;      // after the sender SSRC, padding removed
    ByteSpan whole;     // the packet as on the wire
};

/// Calls f(const Packet&) for each packet of a compound packet. Returns false (with `why`)
/// when the compound is malformed; packets before the bad one have been delivered.
template <class F>
bool for_each(ByteSpan compound, F&& f, Error& why) noexcept;

struct ReportBlock {
    uint32_t ssrc = 0;
    uint8_t fraction_lost = 0;  // of 256
    int32_t cumulative_lost = 0;
    uint32_t highest_seq = 0;  // extended
    uint32_t jitter = 0;
    uint32_t lsr = 0;
    uint32_t dlsr = 0;
};

/// The report blocks of an SR or RR (`p.count` of them).
template <class F>
bool for_each_report(const Packet& p, F&& f) noexcept;

/// Generic NACK (RFC 4585 §6.2.1): f(media_ssrc, seq) for every sequence number requested.
template <class F>
bool for_each_nack(const Packet& p, F&& f) noexcept;

/// PLI or FIR: the media SSRC a keyframe is asked for (FIR: each FCI's SSRC). False if `p` is
/// neither or is malformed.
template <class F>
bool for_each_keyframe_request(const Packet& p, F&& f) noexcept;

/// REMB: the estimated bits per second and the SSRCs it applies to.
bool parse_remb(const Packet& p, uint64_t& bps, uint32_t* ssrcs, std::size_t max_ssrcs,
                std::size_t& n_ssrcs) noexcept;

// ---- writers: each appends one packet; false when `w` is out of room -----------------------

bool write_rr(ByteWriter& w, uint32_t sender_ssrc, const ReportBlock* blocks,
              std::size_t n) noexcept;
bool write_sr(ByteWriter& w, uint32_t sender_ssrc, uint64_t ntp, uint32_t rtp_ts, uint32_t packets,
              uint32_t octets, const ReportBlock* blocks, std::size_t n) noexcept;
bool write_pli(ByteWriter& w, uint32_t sender_ssrc, uint32_t media_ssrc) noexcept;
bool write_fir(ByteWriter& w, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t seq_nr) noexcept;
/// NACK for the sorted `seqs` (packed into PID/BLP pairs).
bool write_nack(ByteWriter& w, uint32_t sender_ssrc, uint32_t media_ssrc, const uint16_t* seqs,
                std::size_t n) noexcept;
bool write_remb(ByteWriter& w, uint32_t sender_ssrc, uint64_t bps, const uint32_t* ssrcs,
                std::size_t n) noexcept;

// ---- template definitions ---------------------------------------------------------------------

template <class F>
bool for_each(ByteSpan c, F&& f, Error& why) noexcept {
    while (!c.empty()) {
        if (c.size() < 4) {
            why = Error::Truncated;
            return false;
        }
        const uint8_t b0 = std::to_integer<uint8_t>(c[0]);
        if ((b0 >> 6) != 2) {
            why = Error::BadVersion;
            return false;
        }
        const std::size_t len = (std::size_t{load_u16be(c.data() + 2)} + 1) * 4;
        if (len > c.size()) {
            why = Error::BadLength;
            return false;
        }
        ByteSpan pkt = c.first(len);
        std::size_t end = len;
        if ((b0 & 0x20) != 0) {  // padding: the last octet counts it
            const std::size_t pad = std::to_integer<uint8_t>(pkt[len - 1]);
            if (pad == 0 || pad > len - 4) {
                why = Error::Malformed;
                return false;
            }
            end = len - pad;
        }
        Packet p;
        p.count = b0 & 0x1f;
        p.type = std::to_integer<uint8_t>(c[1]);
        p.whole = pkt;
        if (end >= 8) {
            p.ssrc = load_u32be(pkt.data() + 4);
            p.body = pkt.subspan(8, end - 8);
        }
        f(p);
        c = c.subspan(len);
    }
    return true;
}

template <class F>
bool for_each_report(const Packet& p, F&& f) noexcept {
    ByteSpan b = p.body;
    if (p.type == kSr) {
        if (b.size() < 20) {
            return false;
        }
        b = b.subspan(20);  // NTP, RTP timestamp, packet and octet counts
    } else if (p.type != kRr) {
        return false;
    }
    if (b.size() < std::size_t{p.count} * 24) {
        return false;
    }
    for (std::size_t i = 0; i < p.count; ++i) {
        const std::byte* r = b.data() + i * 24;
        ReportBlock rb;
        rb.ssrc = load_u32be(r);
        rb.fraction_lost = std::to_integer<uint8_t>(r[4]);
        uint32_t lost = (std::to_integer<uint32_t>(r[5]) << 16) | load_u16be(r + 6);
        rb.cumulative_lost = (lost & 0x800000U) != 0 ? static_cast<int32_t>(lost | 0xff000000U)
                                                     : static_cast<int32_t>(lost);
        rb.highest_seq = load_u32be(r + 8);
        rb.jitter = load_u32be(r + 12);
        rb.lsr = load_u32be(r + 16);
        rb.dlsr = load_u32be(r + 20);
        f(rb);
    }
    return true;
}

template <class F>
bool for_each_nack(const Packet& p, F&& f) noexcept {
    if (p.type != kRtpfb || p.count != 1 || p.body.size() < 4 || (p.body.size() - 4) % 4 != 0) {
        return false;
    }
    const uint32_t media = load_u32be(p.body.data());
    for (std::size_t off = 4; off < p.body.size(); off += 4) {
        const uint16_t pid = load_u16be(p.body.data() + off);
        const uint16_t blp = load_u16be(p.body.data() + off + 2);
        f(media, pid);
        for (int i = 0; i < 16; ++i) {
            if ((blp >> i) & 1) {
                f(media, static_cast<uint16_t>(pid + i + 1));
            }
        }
    }
    return true;
}

template <class F>
bool for_each_keyframe_request(const Packet& p, F&& f) noexcept {
    if (p.type != kPsfb || p.body.size() < 4) {
        return false;
    }
    if (p.count == 1) {  // PLI: media SSRC, no FCI
        f(load_u32be(p.body.data()));
        return true;
    }
    if (p.count == 4) {  // FIR: media SSRC unused (0), FCI entries of SSRC + seq nr + reserved
        if ((p.body.size() - 4) % 8 != 0 || p.body.size() == 4) {
            return false;
        }
        for (std::size_t off = 4; off < p.body.size(); off += 8) {
            f(load_u32be(p.body.data() + off));
        }
        return true;
    }
    return false;
}

}  // namespace tern::wire::rtcp
