// Frame builders for tests: well-formed Ethernet/IP/UDP/ICMP frames that tests then mangle.
#pragma once

#include "common/byte_reader.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/arp.hpp"
#include "common/wire/checksum.hpp"
#include "common/wire/ethernet.hpp"
#include "common/wire/icmp4.hpp"
#include "common/wire/icmp6.hpp"
#include "common/wire/ipv4.hpp"
#include "common/wire/ipv6.hpp"
#include "common/wire/udp.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::test {

using Bytes = std::vector<std::byte>;

inline Bytes bytes_of(std::string_view s) {
    Bytes b(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        b[i] = std::byte(static_cast<uint8_t>(s[i]));
    }
    return b;
}

/// Lower-case hex of the bytes (for failure messages).
inline std::string to_hex(const Bytes& b) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (std::byte x : b) {
        s += kHex[std::to_integer<int>(x) >> 4];
        s += kHex[std::to_integer<int>(x) & 15];
    }
    return s;
}

inline Bytes hex(std::string_view h) {
    Bytes b;
    int hi = -1;
    for (char c : h) {
        int v = -1;
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else {
            continue;
        }
        if (hi < 0) {
            hi = v;
        } else {
            b.push_back(std::byte(static_cast<uint8_t>(hi * 16 + v)));
            hi = -1;
        }
    }
    return b;
}

inline wire::MacAddr mac(std::string_view s) {
    return *wire::MacAddr::parse(s);
}
inline wire::Ipv4Addr ip4(std::string_view s) {
    return *wire::Ipv4Addr::parse(s);
}
inline wire::Ipv6Addr ip6(std::string_view s) {
    return *wire::Ipv6Addr::parse(s);
}

/// Writes a UDP header (checksum 0) and payload; returns where the header starts.
inline std::size_t write_udp(ByteWriter& w, uint16_t sport, uint16_t dport, const Bytes& payload) {
    const std::size_t at = w.size();
    w.u16be(sport);
    w.u16be(dport);
    w.u16be(static_cast<uint16_t>(8 + payload.size()));
    w.u16be(0);
    w.bytes(payload);
    return at;
}

inline Bytes udp4_frame(const wire::MacAddr& dst_mac, const wire::MacAddr& src_mac,
                        wire::Ipv4Addr src, wire::Ipv4Addr dst, uint16_t sport, uint16_t dport,
                        const Bytes& payload) {
    Bytes f(14 + 20 + 8 + payload.size());
    ByteWriter w{f};
    wire::write_ethernet(w, dst_mac, src_mac, wire::kEtherTypeIpv4);
    wire::write_ipv4(w, src, dst, wire::kIpProtoUdp, static_cast<uint16_t>(8 + payload.size()));
    const std::size_t udp_at = write_udp(w, sport, dport, payload);
    wire::udp_fill_checksum_v4(MutableByteSpan{f}.subspan(udp_at), src, dst);
    return f;
}

inline Bytes udp6_frame(const wire::MacAddr& dst_mac, const wire::MacAddr& src_mac,
                        const wire::Ipv6Addr& src, const wire::Ipv6Addr& dst, uint16_t sport,
                        uint16_t dport, const Bytes& payload) {
    Bytes f(14 + 40 + 8 + payload.size());
    ByteWriter w{f};
    wire::write_ethernet(w, dst_mac, src_mac, wire::kEtherTypeIpv6);
    wire::write_ipv6(w, src, dst, wire::kIpProtoUdp, static_cast<uint16_t>(8 + payload.size()));
    const std::size_t udp_at = write_udp(w, sport, dport, payload);
    wire::udp_fill_checksum_v6(MutableByteSpan{f}.subspan(udp_at), src, dst);
    return f;
}

inline Bytes arp_frame(uint16_t op, const wire::MacAddr& sha, wire::Ipv4Addr spa,
                       const wire::MacAddr& tha, wire::Ipv4Addr tpa) {
    Bytes f(14 + 28);
    ByteWriter w{f};
    wire::write_ethernet(w, op == wire::kArpRequest ? wire::MacAddr::broadcast() : tha, sha,
                         wire::kEtherTypeArp);
    wire::write_arp(w, {op, sha, spa, tha, tpa});
    return f;
}

inline Bytes icmp4_echo_frame(const wire::MacAddr& dst_mac, const wire::MacAddr& src_mac,
                              wire::Ipv4Addr src, wire::Ipv4Addr dst, uint16_t id, uint16_t seq,
                              std::size_t data_len) {
    Bytes f(14 + 20 + 8 + data_len);
    ByteWriter w{f};
    wire::write_ethernet(w, dst_mac, src_mac, wire::kEtherTypeIpv4);
    wire::write_ipv4(w, src, dst, wire::kIpProtoIcmp, static_cast<uint16_t>(8 + data_len));
    const std::size_t at = w.size();
    w.u8(wire::kIcmpEchoRequest);
    w.u8(0);
    w.u16be(0);
    w.u16be(id);
    w.u16be(seq);
    for (std::size_t i = 0; i < data_len; ++i) {
        w.u8(static_cast<uint8_t>(i));
    }
    const uint16_t c = wire::checksum_finish(wire::checksum_add(ByteSpan{f}.subspan(at)));
    store_u16be(f.data() + at + 2, c);
    return f;
}

inline Bytes icmp6_frame(const wire::MacAddr& dst_mac, const wire::MacAddr& src_mac,
                         const wire::Ipv6Addr& src, const wire::Ipv6Addr& dst, uint8_t hop_limit,
                         const Bytes& icmp_without_checksum) {
    Bytes f(14 + 40 + icmp_without_checksum.size());
    ByteWriter w{f};
    wire::write_ethernet(w, dst_mac, src_mac, wire::kEtherTypeIpv6);
    wire::write_ipv6(w, src, dst, wire::kIpProtoIcmpv6,
                     static_cast<uint16_t>(icmp_without_checksum.size()), hop_limit);
    const std::size_t at = w.size();
    w.bytes(icmp_without_checksum);
    const auto len = static_cast<uint32_t>(icmp_without_checksum.size());
    store_u16be(f.data() + at + 2, 0);
    const uint64_t sum = wire::checksum_add(
        ByteSpan{f}.subspan(at), wire::pseudo_header_v6(src, dst, wire::kIpProtoIcmpv6, len));
    store_u16be(f.data() + at + 2, wire::checksum_finish(sum));
    return f;
}

}  // namespace tern::test
