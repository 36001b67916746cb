#include "common/wire/addr.hpp"

#include <catch2/catch.hpp>

using namespace tern::wire;

TEST_CASE("MacAddr: parses and prints", "[wire]") {
    auto m = MacAddr::parse("02:00:00:00:01:0A");
    REQUIRE(m);
    CHECK(m->to_string() == "02:00:00:00:01:0a");
    CHECK_FALSE(m->is_multicast());
    CHECK_FALSE(MacAddr::parse("02:00:00:00:01"));
    CHECK_FALSE(MacAddr::parse("02-00-00-00-01-0a"));
    CHECK_FALSE(MacAddr::parse("0g:00:00:00:01:0a"));
    CHECK(MacAddr::broadcast().is_multicast());
}

TEST_CASE("Ipv4Addr and Ipv6Addr: parse, print, prefixes", "[wire]") {
    CHECK(Ipv4Addr::parse("198.18.0.2")->v == 0xc6120002);
    CHECK(Ipv4Addr{0xc6120002}.to_string() == "198.18.0.2");
    CHECK_FALSE(Ipv4Addr::parse("198.18.0.256"));
    auto p = parse_ipv4_prefix("198.18.0.2/24");
    REQUIRE(p);
    CHECK(p->len == 24);
    CHECK_FALSE(parse_ipv4_prefix("198.18.0.2/33"));
    CHECK_FALSE(parse_ipv4_prefix("198.18.0.2"));
    CHECK_FALSE(parse_ipv4_prefix("198.18.0.2/2x"));
    auto p6 = parse_ipv6_prefix("2001:2::2/64");
    REQUIRE(p6);
    CHECK(p6->addr.to_string() == "2001:2::2");
    CHECK(p6->len == 64);
}

TEST_CASE("Ipv6Addr: solicited-node, link-local and multicast MAC (RFC 4291, RFC 2464)", "[wire]") {
    const auto a = *Ipv6Addr::parse("2001:2::abcd:1234");
    CHECK(a.solicited_node().to_string() == "ff02::1:ffcd:1234");
    CHECK(a.solicited_node().multicast_mac().to_string() == "33:33:ff:cd:12:34");
    const auto ll = Ipv6Addr::link_local_from_mac(*MacAddr::parse("02:00:00:00:01:02"));
    CHECK(ll.to_string() == "fe80::ff:fe00:102");
    CHECK(ll.is_link_local());
}
