#include "signaling/net/http_url.hpp"

#include <catch2/catch.hpp>

using tern::sig::net::parse_http_url;

TEST_CASE("parse_http_url: scheme, host, port, target", "[signaling][net]") {
    auto u = parse_http_url(
        "https://nc.example/ocs/v2.php/apps/spreed/api/v3/signaling/backend?x=1#frag");
    REQUIRE(u);
    CHECK(u->tls);
    CHECK(u->host == "nc.example");
    CHECK(u->port == 443);
    CHECK(u->target == "/ocs/v2.php/apps/spreed/api/v3/signaling/backend?x=1");
    CHECK(u->host_header() == "nc.example");
    CHECK(u->pool_key() == "https://nc.example");

    auto v = parse_http_url("HTTP://[::1]:8080");
    REQUIRE(v);
    CHECK_FALSE(v->tls);
    CHECK(v->host == "::1");
    CHECK(v->port == 8080);
    CHECK(v->target == "/");
    CHECK(v->host_header() == "[::1]:8080");

    auto w = parse_http_url("http://127.0.0.1:80/a");
    REQUIRE(w);
    CHECK(w->host_header() == "127.0.0.1");
}

TEST_CASE("parse_http_url: refuses what is not an http(s) URL", "[signaling][net]") {
    CHECK_FALSE(parse_http_url("ftp://x/"));
    CHECK_FALSE(parse_http_url("http://"));
    CHECK_FALSE(parse_http_url("http://host:0/"));
    CHECK_FALSE(parse_http_url("http://host:99999/"));
    CHECK_FALSE(parse_http_url("http://host:12a/"));
    CHECK_FALSE(parse_http_url("http://user:pw@host/"));
    CHECK_FALSE(parse_http_url("http://[::1/"));
    CHECK_FALSE(parse_http_url(""));
}
