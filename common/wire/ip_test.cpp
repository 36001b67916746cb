#include "common/wire/ethernet.hpp"
#include "common/wire/ipv4.hpp"
#include "common/wire/ipv6.hpp"
#include "common/wire/udp.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

using namespace tern;
using namespace tern::wire;

namespace {
const MacAddr kA = test::mac("02:00:00:00:00:01");
const MacAddr kB = test::mac("02:00:00:00:00:02");

test::Bytes ip_of(const test::Bytes& frame) {
    return {frame.begin() + 14, frame.end()};
}

void refill_ipv4_checksum(test::Bytes& ip) {
    const std::size_t hl = (std::to_integer<std::size_t>(ip[0]) & 0xf) * 4;
    store_u16be(ip.data() + 10, 0);
    store_u16be(ip.data() + 10, checksum_finish(checksum_add(ByteSpan{ip}.first(hl))));
}
}  // namespace

TEST_CASE("IPv4: parses a UDP packet and trims Ethernet padding", "[wire][ipv4]") {
    auto ip = ip_of(test::udp4_frame(kB, kA, test::ip4("198.18.0.1"), test::ip4("198.18.0.2"), 5000,
                                     3478, test::bytes_of("hi")));
    ip.resize(ip.size() + 12);  // minimum-frame padding after the datagram
    auto v = parse_ipv4(ip);
    REQUIRE(v);
    CHECK(v->protocol == kIpProtoUdp);
    CHECK(v->src == test::ip4("198.18.0.1"));
    CHECK(v->payload.size() == 10);
    CHECK(v->options.empty());
}

TEST_CASE("IPv4: options are kept as a span", "[wire][ipv4]") {
    // IHL 6: one 4-byte option (router alert, RFC 2113).
    auto ip = test::hex("4600 0024 0000 4000 4011 0000 c6120001 c6120002 94040000"
                        "13880d96 000c 0000 6869 0000");
    refill_ipv4_checksum(ip);
    auto v = parse_ipv4(ip);
    REQUIRE(v);
    CHECK(v->header_len == 24);
    CHECK(v->options.size() == 4);
    CHECK(v->payload.size() == 12);
}

TEST_CASE("IPv4: malformed headers are refused with their reason", "[wire][ipv4]") {
    const auto good = ip_of(test::udp4_frame(kB, kA, test::ip4("10.0.0.1"), test::ip4("10.0.0.2"),
                                             1, 2, test::bytes_of("payload")));
    REQUIRE(parse_ipv4(good));

    CHECK(parse_ipv4(ByteSpan{good}.first(19)).error() == Error::Truncated);

    auto v6 = good;
    v6[0] = std::byte{0x65};
    CHECK(parse_ipv4(v6).error() == Error::BadVersion);

    auto ihl = good;
    ihl[0] = std::byte{0x44};
    CHECK(parse_ipv4(ihl).error() == Error::BadLength);

    auto big_ihl = good;
    big_ihl[0] = std::byte{0x4f};  // 60-byte header in a 35-byte packet
    CHECK(parse_ipv4(ByteSpan{big_ihl}.first(35)).error() == Error::Truncated);

    auto total = good;
    store_u16be(total.data() + 2, 10);
    refill_ipv4_checksum(total);
    CHECK(parse_ipv4(total).error() == Error::BadLength);

    auto longer = good;
    store_u16be(longer.data() + 2, 1000);
    refill_ipv4_checksum(longer);
    CHECK(parse_ipv4(longer).error() == Error::Truncated);

    auto sum = good;
    sum[8] = std::byte{7};  // TTL changed, checksum not
    CHECK(parse_ipv4(sum).error() == Error::BadChecksum);
}

TEST_CASE("IPv4: first, middle and last fragments are recognised", "[wire][ipv4]") {
    const auto good = ip_of(test::udp4_frame(kB, kA, test::ip4("10.0.0.1"), test::ip4("10.0.0.2"),
                                             1, 2, test::bytes_of("payload")));
    for (uint16_t frag : {uint16_t{0x2000}, uint16_t{0x2010}, uint16_t{0x0010}}) {
        auto f = good;
        store_u16be(f.data() + 6, frag);
        refill_ipv4_checksum(f);
        CHECK(parse_ipv4(f).error() == Error::Fragment);
    }
    auto df = good;  // DF alone is not a fragment
    store_u16be(df.data() + 6, 0x4000);
    refill_ipv4_checksum(df);
    CHECK(parse_ipv4(df));
}

TEST_CASE("IPv6: parses a UDP packet", "[wire][ipv6]") {
    auto ip = ip_of(test::udp6_frame(kB, kA, test::ip6("2001:2::1"), test::ip6("2001:2::2"), 5000,
                                     3478, test::bytes_of("hello")));
    auto v = parse_ipv6(ip);
    REQUIRE(v);
    CHECK(v->next_header == kIpProtoUdp);
    CHECK(v->header_len == 40);
    CHECK(v->payload.size() == 13);
    CHECK(v->dst == test::ip6("2001:2::2"));
}

namespace {
// Fixed header + given extension chain + 8-byte UDP header, payload_length set to match.
test::Bytes ipv6_with_ext(uint8_t first, const test::Bytes& ext) {
    test::Bytes p = test::hex("60000000 0000 00 40"
                              "20010002000000000000000000000001"
                              "20010002000000000000000000000002");
    p[6] = std::byte{first};
    p.insert(p.end(), ext.begin(), ext.end());
    const auto udp = test::hex("1388 0d96 0008 0000");
    p.insert(p.end(), udp.begin(), udp.end());
    store_u16be(p.data() + 4, static_cast<uint16_t>(p.size() - 40));
    return p;
}
}  // namespace

TEST_CASE("IPv6: extension headers are skipped", "[wire][ipv6]") {
    // Hop-by-hop (8 bytes, PadN), then Destination Options (8 bytes), then UDP.
    auto p = ipv6_with_ext(0, test::hex("3c00 0104 00000000  1100 0104 00000000"));
    auto v = parse_ipv6(p);
    REQUIRE(v);
    CHECK(v->next_header == kIpProtoUdp);
    CHECK(v->header_len == 56);
    CHECK(v->payload.size() == 8);

    // An atomic fragment (offset 0, M=0) is processed as a whole packet (RFC 6946).
    auto atomic = ipv6_with_ext(44, test::hex("1100 0000 12345678"));
    auto va = parse_ipv6(atomic);
    REQUIRE(va);
    CHECK(va->next_header == kIpProtoUdp);
}

TEST_CASE("IPv6: fragments, ESP, misplaced and runaway headers are refused", "[wire][ipv6]") {
    CHECK(parse_ipv6(ipv6_with_ext(44, test::hex("1100 0001 12345678"))).error() ==
          Error::Fragment);
    CHECK(parse_ipv6(ipv6_with_ext(44, test::hex("1100 0100 12345678"))).error() ==
          Error::Fragment);
    CHECK(parse_ipv6(ipv6_with_ext(50, test::hex("00000001 00000001"))).error() ==
          Error::Unsupported);
    // Hop-by-hop after a destination options header.
    CHECK(parse_ipv6(ipv6_with_ext(60, test::hex("0000 0104 00000000  1100 0104 00000000")))
              .error() == Error::Malformed);
    // Nine destination-options headers in a row.
    test::Bytes chain;
    for (int i = 0; i < 9; ++i) {
        auto h = test::hex("3c00 0104 00000000");
        chain.insert(chain.end(), h.begin(), h.end());
    }
    CHECK(parse_ipv6(ipv6_with_ext(60, chain)).error() == Error::Unsupported);
    // An extension header whose length runs past the packet.
    CHECK(parse_ipv6(ipv6_with_ext(60, test::hex("1105 0104 00000000"))).error() ==
          Error::Truncated);
    // payload_length larger than the packet.
    auto p = ipv6_with_ext(17, {});
    store_u16be(p.data() + 4, 500);
    CHECK(parse_ipv6(p).error() == Error::Truncated);
    auto ver = ipv6_with_ext(17, {});
    ver[0] = std::byte{0x40};
    CHECK(parse_ipv6(ver).error() == Error::BadVersion);
}

TEST_CASE("UDP: length and checksums over IPv4 and IPv6", "[wire][udp]") {
    const auto src4 = test::ip4("198.18.0.1");
    const auto dst4 = test::ip4("198.18.0.2");
    auto ip = ip_of(test::udp4_frame(kB, kA, src4, dst4, 5000, 3478, test::bytes_of("hello")));
    auto v4 = parse_ipv4(ip);
    REQUIRE(v4);
    auto u = parse_udp(v4->payload);
    REQUIRE(u);
    CHECK(u->src_port == 5000);
    CHECK(u->dst_port == 3478);
    CHECK(u->payload.size() == 5);
    CHECK(udp_checksum_ok_v4(*u, src4, dst4));
    CHECK_FALSE(udp_checksum_ok_v4(*u, src4, test::ip4("198.18.0.3")));

    auto zero = *u;
    zero.checksum = 0;
    CHECK(udp_checksum_ok_v4(zero, src4, dst4));  // "no checksum" is legal on IPv4

    const auto src6 = test::ip6("2001:2::1");
    const auto dst6 = test::ip6("2001:2::2");
    auto ip6p = ip_of(test::udp6_frame(kB, kA, src6, dst6, 5000, 3478, test::bytes_of("hello")));
    auto v6 = parse_ipv6(ip6p);
    REQUIRE(v6);
    auto u6 = parse_udp(v6->payload);
    REQUIRE(u6);
    CHECK(udp_checksum_ok_v6(*u6, src6, dst6));
    auto zero6 = *u6;
    zero6.checksum = 0;
    CHECK_FALSE(udp_checksum_ok_v6(zero6, src6, dst6));  // mandatory on IPv6

    CHECK(parse_udp(test::hex("1388 0d96 0007 0000")).error() == Error::BadLength);
    CHECK(parse_udp(test::hex("1388 0d96 0010 0000 00")).error() == Error::Truncated);
    CHECK(parse_udp(test::hex("1388 0d96")).error() == Error::Truncated);
}
