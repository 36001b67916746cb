#include "common/wire/arp.hpp"
#include "common/wire/ethernet.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

using namespace tern;
using namespace tern::wire;

TEST_CASE("Ethernet: untagged, 802.1Q and QinQ", "[wire][ethernet]") {
    auto f = test::hex("ffffffffffff 020000000001 0806 aabb");
    auto e = parse_ethernet(f);
    REQUIRE(e);
    CHECK(e->ether_type == kEtherTypeArp);
    CHECK(e->dst.is_broadcast());
    CHECK(e->src.to_string() == "02:00:00:00:00:01");
    CHECK(e->vlan_count == 0);
    CHECK(e->payload.size() == 2);

    auto q = test::hex("ffffffffffff 020000000001 8100 0064 0800 45");
    auto eq = parse_ethernet(q);
    REQUIRE(eq);
    CHECK(eq->vlan_count == 1);
    CHECK(eq->vlan_tci == 100);
    CHECK(eq->ether_type == kEtherTypeIpv4);
    CHECK(eq->header_len == 18);

    auto qq = test::hex("ffffffffffff 020000000001 88a8 0005 8100 0064 86dd");
    auto eqq = parse_ethernet(qq);
    REQUIRE(eqq);
    CHECK(eqq->vlan_count == 2);
    CHECK(eqq->ether_type == kEtherTypeIpv6);
}

TEST_CASE("Ethernet: malformed frames are refused", "[wire][ethernet]") {
    CHECK(parse_ethernet(test::hex("ffffffffffff 0200000000")).error() == Error::Truncated);
    CHECK(parse_ethernet(test::hex("ffffffffffff 020000000001 8100 00")).error() ==
          Error::Truncated);
    CHECK(parse_ethernet(test::hex("ffffffffffff 020000000001 8100 0001 8100 0002 8100 0003 0800"))
              .error() == Error::Unsupported);
    CHECK(parse_ethernet(test::hex("ffffffffffff 020000000001 0040 aaaa")).error() ==
          Error::Unsupported);  // 802.3 length field
}

TEST_CASE("ARP: request round-trips through write and parse", "[wire][arp]") {
    const auto f = test::arp_frame(kArpRequest, test::mac("02:00:00:00:00:01"),
                                   test::ip4("198.18.0.1"), MacAddr{}, test::ip4("198.18.0.2"));
    auto e = parse_ethernet(f);
    REQUIRE(e);
    auto a = parse_arp(e->payload);
    REQUIRE(a);
    CHECK(a->op == kArpRequest);
    CHECK(a->spa == test::ip4("198.18.0.1"));
    CHECK(a->tpa == test::ip4("198.18.0.2"));
    CHECK(a->sha == test::mac("02:00:00:00:00:01"));
}

TEST_CASE("ARP: wrong types, ops and truncation are refused", "[wire][arp]") {
    auto ok = test::hex("0001 0800 06 04 0001 020000000001 c6120001 000000000000 c6120002");
    REQUIRE(parse_arp(ok));
    auto trunc = ok;
    trunc.resize(27);
    CHECK(parse_arp(trunc).error() == Error::Truncated);
    auto htype = ok;
    htype[1] = std::byte{6};
    CHECK(parse_arp(htype).error() == Error::BadVersion);
    auto op = ok;
    op[7] = std::byte{3};  // RARP request
    CHECK(parse_arp(op).error() == Error::Unsupported);
    auto mcast = ok;
    mcast[8] = std::byte{0x01};
    CHECK(parse_arp(mcast).error() == Error::Malformed);
}
