#include "signaling/net/address_matcher.hpp"

#include <catch2/catch.hpp>

using tern::sig::net::AddressMatcher;
using tern::sig::net::client_address;

TEST_CASE("AddressMatcher: addresses and CIDR ranges, both families", "[signaling][net]") {
    AddressMatcher m;
    const std::vector<std::string> entries = {"127.0.0.1", "10.1.0.0/16", "2001:db8::/32", "bogus",
                                              "1.2.3.4/33"};
    const auto bad = m.add(entries);
    REQUIRE(bad == std::vector<std::string>{"bogus", "1.2.3.4/33"});
    CHECK(m.contains("127.0.0.1"));
    CHECK_FALSE(m.contains("127.0.0.2"));
    CHECK(m.contains("10.1.255.3"));
    CHECK_FALSE(m.contains("10.2.0.1"));
    CHECK(m.contains("2001:db8:1::5"));
    CHECK_FALSE(m.contains("2001:db9::1"));
    CHECK_FALSE(m.contains("not an address"));
    CHECK_FALSE(m.contains(""));
}

TEST_CASE("AddressMatcher: the default trusted proxies are loopback and private ranges",
          "[signaling][net]") {
    const AddressMatcher m = AddressMatcher::private_and_loopback();
    CHECK(m.contains("127.0.0.5"));
    CHECK(m.contains("::1"));
    CHECK(m.contains("192.168.1.1"));
    CHECK(m.contains("172.31.0.1"));
    CHECK_FALSE(m.contains("172.32.0.1"));
    CHECK(m.contains("fd00::1"));
    CHECK_FALSE(m.contains("8.8.8.8"));
}

TEST_CASE("client_address: proxy headers only from trusted peers", "[signaling][net]") {
    const AddressMatcher trusted = AddressMatcher::private_and_loopback();
    CHECK(client_address("8.8.8.8", "1.1.1.1", "", trusted) == "8.8.8.8");
    CHECK(client_address("127.0.0.1", "1.1.1.1", "2.2.2.2", trusted) == "1.1.1.1");
    CHECK(client_address("127.0.0.1", "", "9.9.9.9, 2.2.2.2, 10.0.0.1", trusted) == "2.2.2.2");
    CHECK(client_address("127.0.0.1", "", "10.0.0.2, 10.0.0.1", trusted) == "10.0.0.2");
    CHECK(client_address("127.0.0.1", "", "", trusted) == "127.0.0.1");
    CHECK(client_address("127.0.0.1", "junk", "junk", trusted) == "127.0.0.1");
}
