#include "common/wire/arp.hpp"

namespace tern::wire {

Result<ArpView, Error> parse_arp(ByteSpan payload) noexcept {
    ByteReader r{payload};
    const uint16_t htype = r.u16be();
    const uint16_t ptype = r.u16be();
    const uint8_t hlen = r.u8();
    const uint8_t plen = r.u8();
    ArpView a;
    a.op = r.u16be();
    r.copy_to(a.sha.b);
    a.spa.v = r.u32be();
    r.copy_to(a.tha.b);
    a.tpa.v = r.u32be();
    if (!r.ok()) {
        return unexpected(Error::Truncated);
    }
    if (htype != 1 || ptype != 0x0800 || hlen != 6 || plen != 4) {
        return unexpected(Error::BadVersion);
    }
    if (a.op != kArpRequest && a.op != kArpReply) {
        return unexpected(Error::Unsupported);
    }
    if (a.sha.is_multicast()) {
        return unexpected(Error::Malformed);  // a sender hardware address is never a group
    }
    return a;
}

void write_arp(ByteWriter& w, const ArpView& a) noexcept {
    w.u16be(1);
    w.u16be(0x0800);
    w.u8(6);
    w.u8(4);
    w.u16be(a.op);
    w.bytes(as_bytes(a.sha.b.data(), 6));
    w.u32be(a.spa.v);
    w.bytes(as_bytes(a.tha.b.data(), 6));
    w.u32be(a.tpa.v);
}

}  // namespace tern::wire
