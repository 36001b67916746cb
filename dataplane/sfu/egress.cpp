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

bool Egress::send_rtx(Transport& to, const std::byte* rtp, std::size_t len, RtpOut out,
                      uint16_t& rtx_seq, uint16_t osn) noexcept {
    const std::size_t hl = rtp_header_len(rtp, len);
    if (hl > len || (std::to_integer<uint8_t>(rtp[0]) & 0x20) != 0) {
        return false;  // (padding would have to move behind the OSN: not worth it for a resend)
    }
    out.seq = rtx_seq;
    MediaSink::Buf buf;
    const std::size_t out_hl = begin_rtp(buf, to, rtp, hl, len, 2, out);  // 2: the OSN
    if (out_hl == 0) {
        return false;  // the RTX sequence number stays for the next resend
    }
    ++rtx_seq;
    store_u16be(buf.payload + out_hl, osn);
    std::memcpy(buf.payload + out_hl + 2, rtp + hl, len - hl);
    std::size_t sealed = 0;
    if (to.tx->protect_rtp_at(buf.payload, out_hl, out.ssrc, out.seq, buf.payload + out_hl,
                              len - hl + 2, buf.room, sealed) != srtp::Status::Ok) {
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
