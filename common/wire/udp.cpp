#include "common/wire/udp.hpp"

#include "common/wire/checksum.hpp"
#include "common/wire/ipv4.hpp"

namespace tern::wire {

Result<UdpView, Error> parse_udp(ByteSpan segment) noexcept {
    ByteReader r{segment};
    UdpView u;
    u.src_port = r.u16be();
    u.dst_port = r.u16be();
    u.length = r.u16be();
    u.checksum = r.u16be();
    if (!r.ok()) {
        return unexpected(Error::Truncated);
    }
    if (u.length < kUdpHeaderLen) {
        return unexpected(Error::BadLength);
    }
    if (u.length > segment.size()) {
        return unexpected(Error::Truncated);
    }
    u.datagram = segment.first(u.length);
    u.payload = u.datagram.subspan(kUdpHeaderLen);
    return u;
}

bool udp_checksum_ok_v4(const UdpView& u, Ipv4Addr src, Ipv4Addr dst) noexcept {
    if (u.checksum == 0) {
        return true;
    }
    return checksum_verifies(u.datagram, pseudo_header_v4(src, dst, kIpProtoUdp, u.length));
}

bool udp_checksum_ok_v6(const UdpView& u, const Ipv6Addr& src, const Ipv6Addr& dst) noexcept {
    if (u.checksum == 0) {
        return false;
    }
    return checksum_verifies(u.datagram, pseudo_header_v6(src, dst, kIpProtoUdp, u.length));
}

namespace {
void fill(MutableByteSpan d, uint64_t pseudo) noexcept {
    if (d.size() < kUdpHeaderLen) {
        return;
    }
    store_u16be(d.data() + 6, 0);
    uint16_t c = checksum_finish(checksum_add(d, pseudo));
    store_u16be(d.data() + 6, c == 0 ? 0xffff : c);
}
}  // namespace

void udp_fill_checksum_v4(MutableByteSpan datagram, Ipv4Addr src, Ipv4Addr dst) noexcept {
    fill(datagram, pseudo_header_v4(src, dst, kIpProtoUdp, static_cast<uint32_t>(datagram.size())));
}

void udp_fill_checksum_v6(MutableByteSpan datagram, const Ipv6Addr& src,
                          const Ipv6Addr& dst) noexcept {
    fill(datagram, pseudo_header_v6(src, dst, kIpProtoUdp, static_cast<uint32_t>(datagram.size())));
}

}  // namespace tern::wire
