#include "common/wire/udp.hpp"

#include "common/wire/checksum.hpp"
#include "common/wire/ipv4.hpp"

namespace tern::wire {

bool parse_udp(ByteSpan segment, UdpView& u, Error& why) noexcept {
    if (segment.size() < kUdpHeaderLen) {
        why = Error::Truncated;
        return false;
    }
    u.src_port = load_u16be(segment.data());
    u.dst_port = load_u16be(segment.data() + 2);
    u.length = load_u16be(segment.data() + 4);
    u.checksum = load_u16be(segment.data() + 6);
    if (u.length < kUdpHeaderLen) {
        why = Error::BadLength;
        return false;
    }
    if (u.length > segment.size()) {
        why = Error::Truncated;
        return false;
    }
    u.datagram = segment.first(u.length);
    u.payload = u.datagram.subspan(kUdpHeaderLen);
    return true;
}

Result<UdpView, Error> parse_udp(ByteSpan segment) noexcept {
    UdpView u;
    Error why{};
    if (!parse_udp(segment, u, why)) {
        return unexpected(why);
    }
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
