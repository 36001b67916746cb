// Everything the SFU engine sends leaves here: a buffer from the sink, the packet written into
// it, SRTP or SRTCP applied for the receiving transport, sent to its selected path. RTP copies
// (a subscriber's rewritten header, the payload encrypted straight from the publisher's
// plaintext), RTX resends, RTCP (one helper for every report and request: the caller only
// writes the plaintext) and the control plane's DTLS. AES-CM packets wait for their tags, which
// intel-ipsec-mb computes many at a time (srtp::TagSink): they leave when the tag is done, at the
// latest at flush(), once per loop of the lcore.
//
// send_rtp() and send_rtcp() are inline: the engine's packet path calls them per packet and the
// build has no LTO. Lcore-local.
#pragma once

#include "common/byte_reader.hpp"
#include "common/shm/counters.hpp"
#include "common/srtp/srtp.hpp"
#include "common/wire/rtp.hpp"
#include "dataplane/sfu/media_sink.hpp"
#include "dataplane/sfu/transport.hpp"

#include <array>
#include <cstdint>

namespace tern::sfu {

/// The RTP header length (CSRCs and extension block included) of a packet parsed on arrival or
/// when stored; more than `len` if it does not fit.
inline std::size_t rtp_header_len(const std::byte* rtp, std::size_t len) noexcept {
    const auto b0 = std::to_integer<uint8_t>(rtp[0]);
    std::size_t hl = wire::kRtpHeaderLen + 4u * (b0 & 0x0f);
    if ((b0 & 0x10) != 0) {
        hl = hl + 4 <= len ? hl + 4 + 4u * load_u16be(rtp + hl + 2) : len + 1;
    }
    return hl;
}

class Egress final : srtp::TagSink {
public:
    /// How a copy goes out: its payload type (the marker is kept), numbers, abs-send-time, and
    /// its transport-wide sequence number when `twcc_id` is not 0.
    struct RtpOut {
        uint8_t pt = 0;
        uint32_t ssrc = 0;
        uint16_t seq = 0;
        uint32_t ts = 0;
        uint32_t abs = 0;
        uint8_t twcc_id = 0;
        uint16_t twcc_seq = 0;
    };

    Egress(MediaSink& sink, shm::LcoreCounters& counters) noexcept
        : sink_(sink), counters_(counters) {}
    ~Egress() { close(); }
    Egress(const Egress&) = delete;
    Egress& operator=(const Egress&) = delete;

    /// Sends what waits for its tag (see srtp::TagSink).
    static void flush() noexcept { srtp::tags::flush(); }
    /// Discards what still waits for its tag (the owner goes away: call before the transports'
    /// SRTP contexts are destroyed).
    void close() noexcept {
        closing_ = true;
        srtp::tags::flush();
    }

    /// Encrypts a copy of the plaintext RTP packet `rtp` (header `hl` bytes, from
    /// rtp_header_len) for `to` with its header rewritten as `out` and our abs-send-time added,
    /// and sends it. `to` must have its keys.
    bool send_rtp(Transport& to, const std::byte* rtp, std::size_t hl, std::size_t len,
                  const RtpOut& out) noexcept {
        // The payload is encrypted straight from the publisher's plaintext.
        MediaSink::Buf buf;
        const std::size_t out_hl = begin_rtp(buf, to, rtp, hl, len, 0, out);
        if (out_hl == 0) {
            return false;
        }
        srtp::Status status;
        if (to.tx->defers_tags()) {
            // AES-CM: encrypted now, tagged with other packets' tags in one multi-buffer pass;
            // sent by tag_done() when the tag is there (at the latest at flush()).
            if (pending_head_ - pending_tail_ == kPending) {
                flush();
            }
            PendingSend& p = pending_[pending_head_++ % kPending];
            p.buf = buf;
            p.mac = to.remote_mac;
            p.local = to.local;
            p.remote = to.remote;
            status = to.tx->protect_rtp_deferred(buf.payload, out_hl, out.ssrc, out.seq, rtp + hl,
                                                 len - hl, buf.room, p.len, *this, &p);
            if (status != srtp::Status::Ok) {
                --pending_head_;  // nothing was queued
            }
        } else {
            std::size_t sealed = 0;
            status = to.tx->protect_rtp_at(buf.payload, out_hl, out.ssrc, out.seq, rtp + hl,
                                           len - hl, buf.room, sealed);
            if (status == srtp::Status::Ok) {
                sink_.send(buf, sealed, to.remote_mac, to.local, to.remote);
            }
        }
        if (status != srtp::Status::Ok) {
            sink_.discard(buf);
            count(shm::Counter::SfuDropSrtp);
            return false;
        }
        return true;
    }

    /// The plaintext RTP packet `rtp` resent as RTX (RFC 4588 §4): `out`'s SSRC and payload type,
    /// the next number of the RTX stream (`rtx_seq`, advanced when used), the original's
    /// timestamp, and the original sequence number `osn` before the original payload. False for a
    /// padded packet (the padding would have to move).
    bool send_rtx(Transport& to, const std::byte* rtp, std::size_t len, RtpOut out,
                  uint16_t& rtx_seq, uint16_t osn) noexcept;

    /// The one way RTCP leaves: `write(ByteWriter&)` writes the plaintext compound (at most
    /// `max_len` bytes) straight into the buffer and returns false when there is nothing to send;
    /// it is encrypted for `to` and sent. False when `to` cannot be reached yet (no path or no
    /// keys), there is no buffer (counted), or nothing was written.
    template <class Write>
    bool send_rtcp(Transport& to, std::size_t max_len, Write&& write) noexcept {
        if (!to.connected || !to.tx) {
            return false;
        }
        MediaSink::Buf buf;
        if (!sink_.alloc(buf) || buf.room < max_len + to.tx->rtcp_overhead()) {
            if (buf.handle != nullptr) {
                sink_.discard(buf);
            }
            count(shm::Counter::DropNoMbuf);
            return false;
        }
        ByteWriter w{MutableByteSpan{buf.payload, max_len}};
        std::size_t sealed = 0;
        if (!write(w) || !w.ok() || w.size() == 0 ||
            to.tx->protect_rtcp(buf.payload, w.size(), buf.room, sealed) != srtp::Status::Ok) {
            sink_.discard(buf);
            return false;
        }
        sink_.send(buf, sealed, to.remote_mac, to.local, to.remote);
        return true;
    }

    /// `datagram` as is (the control plane's DTLS) to `to`'s selected path.
    bool send_datagram(const Transport& to, ByteSpan datagram) noexcept;

private:
    /// A buffer for `to` holding `rtp`'s header rewritten as `out` (payload type with the marker
    /// kept, sequence number, timestamp, SSRC) with our abs-send-time (and transport-wide
    /// sequence number) added, and room for the payload, `extra` bytes more and the SRTP tag.
    /// Returns the new header's length, or 0 with the drop counted and nothing held.
    std::size_t begin_rtp(MediaSink::Buf& buf, const Transport& to, const std::byte* rtp,
                          std::size_t hl, std::size_t len, std::size_t extra,
                          const RtpOut& out) noexcept {
        if (!sink_.alloc(buf) ||
            buf.room < len + extra + wire::kForwardHeaderGrowth + to.tx->rtp_overhead()) {
            if (buf.handle != nullptr) {
                sink_.discard(buf);
            }
            count(shm::Counter::DropNoMbuf);
            return 0;
        }
        const std::size_t out_hl =
            wire::write_forward_header(buf.payload, buf.room, rtp, hl, wire::ext::kOutAbsSendTime,
                                       out.abs, out.twcc_id, out.twcc_seq);
        if (out_hl == 0) {
            sink_.discard(buf);
            count(shm::Counter::SfuDropUnknown);
            return 0;
        }
        buf.payload[1] =
            std::byte((std::to_integer<uint8_t>(buf.payload[1]) & 0x80) | (out.pt & 0x7f));
        store_u16be(buf.payload + 2, out.seq);
        store_u32be(buf.payload + 4, out.ts);
        store_u32be(buf.payload + 8, out.ssrc);
        return out_hl;
    }

    /// A packet waiting for its deferred tag, and where it goes.
    struct PendingSend {
        MediaSink::Buf buf;
        std::size_t len = 0;
        wire::MacAddr mac;
        wire::Endpoint local, remote;
    };
    void tag_done(void* token) noexcept override;
    void count(shm::Counter c) noexcept { shm::bump(counters_.v[static_cast<std::size_t>(c)], 1); }

    MediaSink& sink_;               // borrowed, outlives this
    shm::LcoreCounters& counters_;  // borrowed, outlives this
    // Packets waiting for their tags: a ring, since they complete in the order queued.
    static constexpr std::size_t kPending = 256;
    std::size_t pending_head_ = 0;
    std::size_t pending_tail_ = 0;
    bool closing_ = false;  // destroyed: what completes now is discarded
    std::array<PendingSend, kPending> pending_{};
};

}  // namespace tern::sfu
