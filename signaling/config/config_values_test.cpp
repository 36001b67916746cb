// The values both readers share: lists, numbers, booleans, listen addresses, IP ranges, URLs,
// keys.
#include "signaling/config/config_values.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig;
using Strings = std::vector<std::string>;

TEST_CASE("config values: lists drop empty pieces and trim", "[signaling][config]") {
    CHECK(split_list(" a, b ,,c ", ",") == Strings{"a", "b", "c"});
    CHECK(split_list("ws://a  ws://b,ws://c", " ,") == Strings{"ws://a", "ws://b", "ws://c"});
    CHECK(split_list("", ",").empty());
    CHECK(split_list(" , ", ",").empty());
}

TEST_CASE("config values: goconf's booleans and whole numbers", "[signaling][config]") {
    CHECK(*parse_bool("TRUE"));
    CHECK(*parse_bool("on"));
    CHECK(*parse_bool("1"));
    CHECK_FALSE(*parse_bool("No"));
    CHECK_FALSE(*parse_bool("f"));
    CHECK_FALSE(parse_bool("enabled"));
    CHECK(*parse_uint("42", 100) == 42);
    CHECK_FALSE(parse_uint("101", 100));
    CHECK_FALSE(parse_uint("-1", 100));
    CHECK_FALSE(parse_uint("1e3", 10000));
    CHECK_FALSE(parse_uint("", 10));
    CHECK_FALSE(parse_uint("99999999999999999999999", UINT64_MAX));
}

TEST_CASE("config values: listen addresses", "[signaling][config]") {
    auto v4 = parse_listen_address("127.0.0.1:8080");
    REQUIRE(v4);
    CHECK(v4->host == "127.0.0.1");
    CHECK(v4->port == 8080);
    auto any = parse_listen_address(":8080");
    REQUIRE(any);
    CHECK(any->host == "::");
    auto v6 = parse_listen_address("[::1]:8443");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->port == 8443);
    CHECK(parse_listen_address("localhost:0")->host == "localhost");
    CHECK_FALSE(parse_listen_address("127.0.0.1"));
    CHECK_FALSE(parse_listen_address("127.0.0.1:http"));
    CHECK_FALSE(parse_listen_address("127.0.0.1:65536"));
    CHECK_FALSE(parse_listen_address("::1:8080"));
    CHECK_FALSE(parse_listen_address("[nothex]:8080"));
    CHECK_FALSE(parse_listen_address("300.1.1.1:80"));
    CHECK_FALSE(parse_listen_address("bad_host:80"));
}

TEST_CASE("config values: IP addresses and networks", "[signaling][config]") {
    CHECK(is_ip_or_cidr("127.0.0.1"));
    CHECK(is_ip_or_cidr("10.0.0.0/8"));
    CHECK(is_ip_or_cidr("::1"));
    CHECK(is_ip_or_cidr("fd00::/8"));
    CHECK_FALSE(is_ip_or_cidr("10.0.0.0/33"));
    CHECK_FALSE(is_ip_or_cidr("localhost"));
    CHECK_FALSE(is_ip_or_cidr("10.0.0.0/"));
}

TEST_CASE("config values: URLs", "[signaling][config]") {
    CHECK(*parse_backend_url("https://NC.example:443/ocs/v2.php/apps/spreed/api/v3/x") ==
          "https://nc.example/");
    CHECK_FALSE(parse_backend_url("nc.example"));
    CHECK_FALSE(parse_backend_url("ftp://nc.example/"));
    CHECK(*parse_proxy_url("https://proxy.example/") == "wss://proxy.example/");
    CHECK(*parse_proxy_url("ws://127.0.0.1:9090") == "ws://127.0.0.1:9090");
    CHECK_FALSE(parse_proxy_url("tcp://127.0.0.1:9090"));
    CHECK_FALSE(parse_proxy_url("ws://"));
    CHECK(*parse_nats_url(":loopback:") == "nats://loopback");
    CHECK(*parse_nats_url("nats://localhost:4222") == "nats://localhost:4222");
    CHECK_FALSE(parse_nats_url("localhost:4222"));
    CHECK(is_turn_uri("turn:1.2.3.4:3478?transport=udp"));
    CHECK(is_turn_uri("turns:turn.example:5349"));
    CHECK_FALSE(is_turn_uri("stun:1.2.3.4"));
    CHECK_FALSE(is_turn_uri("turn:"));
}

TEST_CASE("config values: session keys", "[signaling][config]") {
    CHECK_FALSE(hash_key_problem(std::string(32, 'k')));
    const auto short_key = hash_key_problem("short");
    REQUIRE(short_key);
    CHECK_THAT(*short_key, Catch::Contains("HMAC"));
    CHECK_FALSE(block_key_problem(""));
    CHECK_FALSE(block_key_problem(std::string(24, 'b')));
    CHECK(block_key_problem(std::string(20, 'b')));
    CHECK_THAT(unsupported_mcu_type("janus"), Catch::Contains("proxy protocol"));
}
