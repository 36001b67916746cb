#include "dataplane/sfu/egress.hpp"

#include <cstring>

namespace tern::sfu {

void Egress::tag_done(void* token) noexcept {
    auto* p = static_cast<PendingSend*>(token);
    ++pending_tail_;
    if (closing_) {
        sink_.discard(p->buf);
        return;
    }
    sink_.send(p->buf, p->len, p->mac, p->local, p->remote);
}

bool Egress::send_rtx(Transport& to, const std::byte* rtp, std::size_t len, RtpOut out, uint16_t& rtx_seq,
                      uint16_t osn) noexcept {
    const std::size_t hl = rtp_header_len(rtp, len);
    if (hl > len || (std::to_integer<uint8_t>(rtp[0]) & 0x20) != 0) {
        return false;  // (padding would have to move behind the OSN: not worth it for a resend)
    }
    MediaSink::Buf buf;
    if (!sink_.alloc(buf) || buf.room < len + 2 + wire::kForwardHeaderGrowth + to.tx->rtp_overhead()) {
        if (buf.handle != nullptr) {
            sink_.discard(buf);
        }
        count(shm::Counter::DropNoMbuf);
        return false;
    }
    const std::size_t out_hl =
        wire::write_forward_header(buf.payload, buf.room, rtp, hl, wire::ext::kOutAbsSendTime, out.abs);
    if (out_hl == 0) {
        sink_.discard(buf);
        count(shm::Counter::SfuDropUnknown);
        return false;
    }
    out.seq = rtx_seq++;
    buf.payload[1] = std::byte((std::to_integer<uint8_t>(buf.payload[1]) & 0x80) | (out.pt & 0x7f));
    store_u16be(buf.payload + 2, out.seq);
    store_u32be(buf.payload + 4, out.ts);
    store_u32be(buf.payload + 8, out.ssrc);
    store_u16be(buf.payload + out_hl, osn);
    std::memcpy(buf.payload + out_hl + 2, rtp + hl, len - hl);
    std::size_t sealed = 0;
    if (to.tx->protect_rtp_at(buf.payload, out_hl, out.ssrc, out.seq, buf.payload + out_hl, len - hl + 2, buf.room,
                              sealed) != srtp::Status::Ok) {
        sink_.discard(buf);
        count(shm::Counter::SfuDropSrtp);
        return false;
    }
    sink_.send(buf, sealed, to.remote_mac, to.local, to.remote);
    return true;
}

bool Egress::send_datagram(const Transport& to, ByteSpan datagram) noexcept {
    MediaSink::Buf buf;
    if (!sink_.alloc(buf)) {
        count(shm::Counter::DropNoMbuf);
        return false;
    }
    if (datagram.size() > buf.room) {
        sink_.discard(buf);
        return false;
    }
    std::memcpy(buf.payload, datagram.data(), datagram.size());
    sink_.send(buf, datagram.size(), to.remote_mac, to.local, to.remote);
    return true;
}

}  // namespace tern::sfu
