#include "common/wire/icmp6.hpp"

#include "common/wire/checksum.hpp"
#include "common/wire/ipv4.hpp"

namespace tern::wire {

Result<Icmp6View, Error> parse_icmp6(ByteSpan message, const Ipv6Addr& src,
                                     const Ipv6Addr& dst) noexcept {
    ByteReader r{message};
    Icmp6View v;
    v.type = r.u8();
    v.code = r.u8();
    (void)r.u16be();
    if (!r.ok()) {
        return unexpected(Error::Truncated);
    }
    const uint64_t pseudo =
        pseudo_header_v6(src, dst, kIpProtoIcmpv6, static_cast<uint32_t>(message.size()));
    if (!checksum_verifies(message, pseudo)) {
        return unexpected(Error::BadChecksum);
    }
    v.message = message;
    v.body = r.rest();
    return v;
}

Result<NeighborMessage, Error> parse_neighbor_message(const Icmp6View& m, const Ipv6Addr& src,
                                                      const Ipv6Addr& dst,
                                                      uint8_t hop_limit) noexcept {
    if (m.type != kIcmp6NeighborSolicitation && m.type != kIcmp6NeighborAdvertisement) {
        return unexpected(Error::Unsupported);
    }
    // RFC 4861 §7.1.1 / §7.1.2: hop limit 255 proves the sender is on-link; code 0; >= 24 bytes.
    if (hop_limit != 255 || m.code != 0) {
        return unexpected(Error::Malformed);
    }
    ByteReader r{m.body};
    NeighborMessage n;
    n.flags = r.u32be();
    r.copy_to(n.target.b);
    if (!r.ok()) {
        return unexpected(Error::Truncated);
    }
    if (n.target.is_multicast()) {
        return unexpected(Error::Malformed);
    }
    const bool is_ns = m.type == kIcmp6NeighborSolicitation;
    if (!is_ns && (n.flags & kNaFlagSolicited) != 0 && dst.is_multicast()) {
        return unexpected(Error::Malformed);
    }
    while (r.remaining() > 0) {
        const uint8_t type = r.u8();
        const std::size_t len = static_cast<std::size_t>(r.u8()) * 8;
        if (!r.ok() || len == 0) {
            return unexpected(Error::Malformed);  // a zero-length option would loop forever
        }
        ByteSpan body = r.bytes(len - 2);
        if (!r.ok()) {
            return unexpected(Error::Truncated);
        }
        const uint8_t wanted = is_ns ? kNdOptSourceLinkAddr : kNdOptTargetLinkAddr;
        if (type == wanted && body.size() >= 6 && !n.link_addr) {
            MacAddr mac;
            ByteReader(body).copy_to(mac.b);
            n.link_addr = mac;
        }
    }
    if (is_ns && src.is_unspecified()) {
        // DAD probe: destination must be the solicited-node group, and no SLLA option.
        if (dst != n.target.solicited_node() || n.link_addr) {
            return unexpected(Error::Malformed);
        }
    }
    return n;
}

namespace {
std::size_t write_nd(MutableByteSpan out, uint8_t type, uint8_t opt, const Ipv6Addr& src,
                     const Ipv6Addr& dst, uint32_t flags, const Ipv6Addr& target,
                     const MacAddr& mac) noexcept {
    ByteWriter w{out};
    w.u8(type);
    w.u8(0);
    const std::size_t csum_at = w.reserve(2);
    w.u32be(flags);
    w.bytes(as_bytes(target.b.data(), 16));
    w.u8(opt);
    w.u8(1);
    w.bytes(as_bytes(mac.b.data(), 6));
    if (!w.ok()) {
        return 0;
    }
    const auto len = static_cast<uint32_t>(w.size());
    const uint64_t sum = checksum_add(w.written(), pseudo_header_v6(src, dst, kIpProtoIcmpv6, len));
    store_u16be(w.at(csum_at), checksum_finish(sum));
    return w.size();
}
}  // namespace

std::size_t write_neighbor_advertisement(MutableByteSpan out, const Ipv6Addr& src,
                                         const Ipv6Addr& dst, uint32_t flags,
                                         const Ipv6Addr& target, const MacAddr& mac) noexcept {
    return write_nd(out, kIcmp6NeighborAdvertisement, kNdOptTargetLinkAddr, src, dst, flags, target,
                    mac);
}

std::size_t write_neighbor_solicitation(MutableByteSpan out, const Ipv6Addr& src,
                                        const Ipv6Addr& dst, const Ipv6Addr& target,
                                        const MacAddr& mac) noexcept {
    return write_nd(out, kIcmp6NeighborSolicitation, kNdOptSourceLinkAddr, src, dst, 0, target,
                    mac);
}

void icmp6_echo_request_to_reply(MutableByteSpan m, const Ipv6Addr& src,
                                 const Ipv6Addr& dst) noexcept {
    if (m.size() < 4) {
        return;
    }
    // The pseudo-header sum is unchanged by swapping src and dst, so only the type changes:
    // recompute fully anyway, since the fast path already touched the message to verify it.
    m[0] = std::byte{kIcmp6EchoReply};
    store_u16be(m.data() + 2, 0);
    const uint64_t sum = checksum_add(
        m, pseudo_header_v6(src, dst, kIpProtoIcmpv6, static_cast<uint32_t>(m.size())));
    store_u16be(m.data() + 2, checksum_finish(sum));
}

}  // namespace tern::wire
