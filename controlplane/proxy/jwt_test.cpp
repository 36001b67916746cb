#include "controlplane/proxy/jwt.hpp"

#include <catch2/catch.hpp>

using namespace tern;
using namespace tern::cp;

TEST_CASE("JWT: RS256/384/512 tokens verify by issuer; every refusal has its code", "[jwt]") {
    auto pair = generate_rsa_pem(2048);
    REQUIRE(pair);
    auto other = generate_rsa_pem(2048);
    REQUIRE(other);
    TokenKeys keys;
    REQUIRE(keys.add_pem("talk-signaling", pair->second));
    REQUIRE(keys.add_pem("someone-else", other->second));
    const int64_t now = 1'800'000'000;
    auto token = [&](const std::string& alg, const std::string& claims, const std::string& priv) {
        auto t = sign_token(alg, priv, claims);
        REQUIRE(t);
        return *t;
    };
    const std::string good = R"({"iss":"talk-signaling","iat":1800000000,"sub":""})";
    for (const char* alg : {"RS256", "RS384", "RS512"}) {
        auto c = verify_token(token(alg, good, pair->first), keys, now);
        REQUIRE(c);
        CHECK(c->issuer == "talk-signaling");
        CHECK(c->issued_at == now);
    }
    auto code = [&](const std::string& t, int64_t at = 1'800'000'000) {
        auto c = verify_token(t, keys, at);
        REQUIRE_FALSE(c);
        return c.error().code;
    };
    // Signed by another key than the issuer's.
    CHECK(code(token("RS256", good, other->first)) == "auth_failed");
    // Unknown issuer.
    CHECK(code(token("RS256", R"({"iss":"nobody","iat":1800000000})", pair->first)) ==
          "auth_failed");
    // Age: 5 minutes plus 60 s of leeway.
    CHECK(verify_token(token("RS256", good, pair->first), keys, now + 359));
    CHECK(code(token("RS256", good, pair->first), now + 361) == "token_expired");
    CHECK(code(token("RS256", good, pair->first), now - 61) == "token_not_valid_yet");
    CHECK(code(token("RS256", R"({"iss":"talk-signaling"})", pair->first)) == "auth_failed");
    // Tampered claims keep the old signature.
    std::string t = token("RS256", good, pair->first);
    const auto d1 = t.find('.');
    const auto d2 = t.find('.', d1 + 1);
    std::string forged =
        t.substr(0, d1 + 1) +
        base64url_encode(R"({"iss":"talk-signaling","iat":1800000000,"sub":"x"})") + t.substr(d2);
    CHECK(code(forged) == "auth_failed");
    // "none" and HMAC are refused whatever they carry.
    CHECK(code(base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(good) + ".") ==
          "auth_failed");
    CHECK(code(base64url_encode(R"({"alg":"HS256"})") + "." + base64url_encode(good) + ".AAAA") ==
          "auth_failed");
    // Malformed.
    for (const char* bad :
         {"", "a", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.", "bnVsbA.bnVsbA.AA"}) {
        CHECK(code(bad) == "auth_failed");
    }
    // Keys must be RSA public keys.
    CHECK_FALSE(keys.add_pem("x", "not pem"));
    CHECK_FALSE(keys.add_file("x", "/nonexistent/key.pem"));
}
