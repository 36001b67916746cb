#include "common/wire/rtcp.hpp"

namespace tern::wire::rtcp {

namespace {

/// Writes the common header and the sender SSRC; `words` is the packet length in 32-bit words
/// minus one, as the length field wants.
void header(ByteWriter& w, uint8_t count, uint8_t type, std::size_t words, uint32_t ssrc) {
    w.u8(static_cast<uint8_t>(0x80 | (count & 0x1f)));
    w.u8(type);
    w.u16be(static_cast<uint16_t>(words));
    w.u32be(ssrc);
}

void report(ByteWriter& w, const ReportBlock& b) {
    w.u32be(b.ssrc);
    w.u8(b.fraction_lost);
    // Cumulative loss is a signed 24-bit field: clamp rather than wrap.
    const int32_t lost = b.cumulative_lost > 0x7fffff    ? 0x7fffff
                         : b.cumulative_lost < -0x800000 ? -0x800000
                                                         : b.cumulative_lost;
    const auto u = static_cast<uint32_t>(lost) & 0xffffffU;
    w.u8(static_cast<uint8_t>(u >> 16));
    w.u16be(static_cast<uint16_t>(u));
    w.u32be(b.highest_seq);
    w.u32be(b.jitter);
    w.u32be(b.lsr);
    w.u32be(b.dlsr);
}

}  // namespace

bool parse_remb(const Packet& p, uint64_t& bps, uint32_t* ssrcs, std::size_t max_ssrcs,
                std::size_t& n_ssrcs) noexcept {
    // media SSRC (0) | "REMB" | num SSRC (8) | exp (6) | mantissa (18) | SSRC feedback...
    if (p.type != kPsfb || p.count != 15 || p.body.size() < 12) {
        return false;
    }
    const std::byte* b = p.body.data();
    if (load_u32be(b + 4) != 0x52454d42U) {  // "REMB"
        return false;
    }
    const std::size_t n = std::to_integer<uint8_t>(b[8]);
    const uint8_t exp = std::to_integer<uint8_t>(b[9]) >> 2;
    const uint32_t mantissa = ((std::to_integer<uint32_t>(b[9]) & 3) << 16) | load_u16be(b + 10);
    if (p.body.size() < 12 + n * 4 || exp > 46) {
        return false;
    }
    bps = uint64_t{mantissa} << exp;
    n_ssrcs = 0;
    for (std::size_t i = 0; i < n && n_ssrcs < max_ssrcs; ++i) {
        ssrcs[n_ssrcs++] = load_u32be(b + 12 + i * 4);
    }
    return true;
}

bool write_rr(ByteWriter& w, uint32_t sender_ssrc, const ReportBlock* blocks,
              std::size_t n) noexcept {
    if (n > 31) {
        return false;
    }
    header(w, static_cast<uint8_t>(n), kRr, 1 + 6 * n, sender_ssrc);
    for (std::size_t i = 0; i < n; ++i) {
        report(w, blocks[i]);
    }
    return w.ok();
}

bool write_sr(ByteWriter& w, uint32_t sender_ssrc, uint64_t ntp, uint32_t rtp_ts, uint32_t packets,
              uint32_t octets, const ReportBlock* blocks, std::size_t n) noexcept {
    if (n > 31) {
        return false;
    }
    header(w, static_cast<uint8_t>(n), kSr, 6 + 6 * n, sender_ssrc);
    w.u32be(static_cast<uint32_t>(ntp >> 32));
    w.u32be(static_cast<uint32_t>(ntp));
    w.u32be(rtp_ts);
    w.u32be(packets);
    w.u32be(octets);
    for (std::size_t i = 0; i < n; ++i) {
        report(w, blocks[i]);
    }
    return w.ok();
}

bool write_pli(ByteWriter& w, uint32_t sender_ssrc, uint32_t media_ssrc) noexcept {
    header(w, 1, kPsfb, 2, sender_ssrc);
    w.u32be(media_ssrc);
    return w.ok();
}

bool write_fir(ByteWriter& w, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t seq_nr) noexcept {
    header(w, 4, kPsfb, 4, sender_ssrc);
    w.u32be(0);  // RFC 5104 §4.3.1: media source SSRC unused
    w.u32be(media_ssrc);
    w.u8(seq_nr);
    w.u8(0);
    w.u16be(0);
    return w.ok();
}

bool write_nack(ByteWriter& w, uint32_t sender_ssrc, uint32_t media_ssrc, const uint16_t* seqs,
                std::size_t n) noexcept {
    // Pack into PID/BLP pairs: each pair covers PID and the 16 numbers after it.
    std::size_t pairs = 0;
    for (std::size_t i = 0; i < n;) {
        const uint16_t pid = seqs[i++];
        while (i < n && static_cast<uint16_t>(seqs[i] - pid) <= 16 && seqs[i] != pid) {
            ++i;
        }
        ++pairs;
    }
    if (pairs == 0) {
        return false;
    }
    header(w, 1, kRtpfb, 2 + pairs, sender_ssrc);
    w.u32be(media_ssrc);
    for (std::size_t i = 0; i < n;) {
        const uint16_t pid = seqs[i++];
        uint16_t blp = 0;
        while (i < n && static_cast<uint16_t>(seqs[i] - pid) <= 16 && seqs[i] != pid) {
            blp = static_cast<uint16_t>(blp | (1U << (static_cast<uint16_t>(seqs[i] - pid) - 1)));
            ++i;
        }
        w.u16be(pid);
        w.u16be(blp);
    }
    return w.ok();
}

bool write_remb(ByteWriter& w, uint32_t sender_ssrc, uint64_t bps, const uint32_t* ssrcs,
                std::size_t n) noexcept {
    if (n > 255) {
        return false;
    }
    uint8_t exp = 0;
    while ((bps >> exp) > 0x3ffff) {
        ++exp;
    }
    const auto mantissa = static_cast<uint32_t>(bps >> exp);
    header(w, 15, kPsfb, 4 + n, sender_ssrc);
    w.u32be(0);
    w.u32be(0x52454d42U);
    w.u8(static_cast<uint8_t>(n));
    w.u8(static_cast<uint8_t>((exp << 2) | (mantissa >> 16)));
    w.u16be(static_cast<uint16_t>(mantissa));
    for (std::size_t i = 0; i < n; ++i) {
        w.u32be(ssrcs[i]);
    }
    return w.ok();
}

}  // namespace tern::wire::rtcp
