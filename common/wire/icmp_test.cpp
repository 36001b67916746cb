#include "common/wire/ethernet.hpp"
#include "common/wire/icmp4.hpp"
#include "common/wire/icmp6.hpp"
#include "common/wire/ipv4.hpp"
#include "common/wire/ipv6.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

using namespace tern;
using namespace tern::wire;

namespace {
const MacAddr kA = test::mac("02:00:00:00:00:01");
const MacAddr kB = test::mac("02:00:00:00:00:02");
const Ipv6Addr kSrc = test::ip6("2001:2::1");
const Ipv6Addr kDst = test::ip6("2001:2::2");

Icmp6View icmp6_of(const test::Bytes& frame, Ipv6View& ip) {
    auto e = parse_ethernet(frame);
    REQUIRE(e);
    auto v = parse_ipv6(e->payload);
    REQUIRE(v);
    ip = *v;
    auto m = parse_icmp6(v->payload, v->src, v->dst);
    REQUIRE(m);
    return *m;
}
}  // namespace

TEST_CASE("ICMPv4: echo request parses and turns into a valid reply", "[wire][icmp]") {
    auto f = test::icmp4_echo_frame(kB, kA, test::ip4("198.18.0.1"), test::ip4("198.18.0.2"),
                                    0x1234, 7, 56);
    MutableByteSpan msg = MutableByteSpan{f}.subspan(34);
    auto v = parse_icmp4(msg);
    REQUIRE(v);
    CHECK(v->type == kIcmpEchoRequest);
    CHECK(v->id == 0x1234);
    CHECK(v->seq == 7);
    CHECK(v->data.size() == 56);

    icmp4_echo_request_to_reply(msg);
    auto r = parse_icmp4(msg);  // checksum still verifies after the incremental update
    REQUIRE(r);
    CHECK(r->type == kIcmpEchoReply);
    CHECK(r->seq == 7);

    msg[20] ^= std::byte{0xff};
    CHECK(parse_icmp4(msg).error() == Error::BadChecksum);
    CHECK(parse_icmp4(ByteSpan{msg}.first(7)).error() == Error::Truncated);
}

TEST_CASE("ICMPv6: echo reply checksum and bad checksum", "[wire][icmp6]") {
    auto f = test::icmp6_frame(kB, kA, kSrc, kDst, 64, test::hex("8000 0000 abcd 0001 6869"));
    Ipv6View ip;
    auto m = icmp6_of(f, ip);
    CHECK(m.type == kIcmp6EchoRequest);
    MutableByteSpan msg = MutableByteSpan{f}.subspan(54);
    icmp6_echo_request_to_reply(msg, kDst, kSrc);
    auto r = parse_icmp6(msg, kDst, kSrc);
    REQUIRE(r);
    CHECK(r->type == kIcmp6EchoReply);
    CHECK(parse_icmp6(msg, kDst, test::ip6("2001:2::3")).error() == Error::BadChecksum);
}

TEST_CASE("ND: neighbor solicitation with SLLA option (RFC 4861 §4.3)", "[wire][nd]") {
    // NS for 2001:2::2 from 2001:2::1 to its solicited-node group, SLLA 02:00:00:00:00:01.
    const Ipv6Addr group = kDst.solicited_node();
    auto f = test::icmp6_frame(group.multicast_mac(), kA, kSrc, group, 255,
                               test::hex("8700 0000 00000000 20010002000000000000000000000002"
                                         "0101 020000000001"));
    Ipv6View ip;
    auto m = icmp6_of(f, ip);
    auto ns = parse_neighbor_message(m, ip.src, ip.dst, ip.hop_limit);
    REQUIRE(ns);
    CHECK(ns->target == kDst);
    REQUIRE(ns->link_addr);
    CHECK(*ns->link_addr == kA);

    // Off-link hop limit is refused.
    CHECK(parse_neighbor_message(m, ip.src, ip.dst, 64).error() == Error::Malformed);
}

TEST_CASE("ND: malformed solicitations are refused", "[wire][nd]") {
    const Ipv6Addr group = kDst.solicited_node();
    Ipv6View ip;
    // A zero-length option.
    auto zero_opt =
        test::icmp6_frame(group.multicast_mac(), kA, kSrc, group, 255,
                          test::hex("8700 0000 00000000 20010002000000000000000000000002"
                                    "0100 020000000001"));
    auto m = icmp6_of(zero_opt, ip);
    CHECK(parse_neighbor_message(m, ip.src, ip.dst, ip.hop_limit).error() == Error::Malformed);
    // Multicast target.
    auto mc = test::icmp6_frame(group.multicast_mac(), kA, kSrc, group, 255,
                                test::hex("8700 0000 00000000 ff020000000000000000000000000001"));
    m = icmp6_of(mc, ip);
    CHECK(parse_neighbor_message(m, ip.src, ip.dst, ip.hop_limit).error() == Error::Malformed);
    // DAD probe (unspecified source) carrying an SLLA option.
    auto dad = test::icmp6_frame(group.multicast_mac(), kA, Ipv6Addr{}, group, 255,
                                 test::hex("8700 0000 00000000 20010002000000000000000000000002"
                                           "0101 020000000001"));
    m = icmp6_of(dad, ip);
    CHECK(parse_neighbor_message(m, ip.src, ip.dst, ip.hop_limit).error() == Error::Malformed);
    // Truncated target.
    auto trunc = test::icmp6_frame(group.multicast_mac(), kA, kSrc, group, 255,
                                   test::hex("8700 0000 00000000 2001000200000000"));
    m = icmp6_of(trunc, ip);
    CHECK(parse_neighbor_message(m, ip.src, ip.dst, ip.hop_limit).error() == Error::Truncated);
}

TEST_CASE("ND: written advertisement parses back", "[wire][nd]") {
    std::array<std::byte, 64> buf{};
    const std::size_t n =
        write_neighbor_advertisement(buf, kDst, kSrc, kNaFlagSolicited | kNaFlagOverride, kDst, kB);
    REQUIRE(n == 32);
    auto m = parse_icmp6(ByteSpan{buf}.first(n), kDst, kSrc);
    REQUIRE(m);
    auto na = parse_neighbor_message(*m, kDst, kSrc, 255);
    REQUIRE(na);
    CHECK(na->target == kDst);
    CHECK((na->flags & kNaFlagSolicited) != 0);
    REQUIRE(na->link_addr);
    CHECK(*na->link_addr == kB);
    CHECK(write_neighbor_advertisement(ByteSpan{buf}.size() > 0 ? MutableByteSpan{buf}.first(20)
                                                                : MutableByteSpan{},
                                       kDst, kSrc, 0, kDst, kB) == 0);
}
