// JWS compact tokens: each algorithm signs and verifies with a key of its kind, and refuses
// tampering, foreign keys, the wrong key kind or curve, and malformed tokens.
#include "common/base64url.hpp"
#include "common/crypto/jwt.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace tern;
using namespace tern::crypto;

namespace {

struct Keys {
    PkeyPtr priv;
    PkeyPtr pub;
};

/// One generated key pair per algorithm kind (RSA generation is slow), shared by the tests.
const Keys& keys_for(JwsAlg alg) {
    static std::map<std::string, Keys> cache;
    std::string kind{jws_alg_name(alg)};
    if (kind[0] == 'R') {
        kind = "RSA";
    }
    auto it = cache.find(kind);
    if (it == cache.end()) {
        auto pems = generate_key_pem(alg);
        REQUIRE(pems);
        auto priv = private_key_from_pem(pems->first);
        auto pub = public_key_from_pem(pems->second);
        REQUIRE(priv);
        REQUIRE(pub);
        it = cache.emplace(kind, Keys{std::move(*priv), std::move(*pub)}).first;
    }
    return it->second;
}

constexpr JwsAlg kAll[] = {JwsAlg::RS256, JwsAlg::RS384, JwsAlg::RS512, JwsAlg::ES256,
                           JwsAlg::ES384, JwsAlg::ES512, JwsAlg::EdDSA};

}  // namespace

TEST_CASE("JWS: every algorithm round-trips and names itself", "[crypto][jwt]") {
    for (JwsAlg alg : kAll) {
        INFO(jws_alg_name(alg));
        CHECK(jws_alg_from_name(jws_alg_name(alg)) == alg);
        auto token = sign_jws(alg, keys_for(alg).priv.get(), R"({"sub":"alice"})");
        REQUIRE(token);
        auto jws = split_jws(*token);
        REQUIRE(jws);
        CHECK(jws->payload == R"({"sub":"alice"})");
        CHECK(jws->header == R"({"alg":")" + std::string(jws_alg_name(alg)) + R"(","typ":"JWT"})");
        CHECK(verify_jws(alg, keys_for(alg).pub.get(), jws->signing_input, jws->signature));
        // JOSE signature sizes (RFC 7518 §3.4, RFC 8037 §3.1).
        if (alg == JwsAlg::ES256) {
            CHECK(jws->signature.size() == 64);
        } else if (alg == JwsAlg::ES512) {
            CHECK(jws->signature.size() == 132);
        } else if (alg == JwsAlg::EdDSA) {
            CHECK(jws->signature.size() == 64);
        }
        // Tampered input, truncated signature.
        std::string input(jws->signing_input);
        input.back() = input.back() == 'A' ? 'B' : 'A';
        CHECK_FALSE(verify_jws(alg, keys_for(alg).pub.get(), input, jws->signature));
        CHECK_FALSE(verify_jws(alg, keys_for(alg).pub.get(), jws->signing_input,
                               std::string_view(jws->signature).substr(1)));
    }
    for (const char* name : {"none", "HS256", "PS256", "ES256K", "rs256", ""}) {
        CHECK_FALSE(jws_alg_from_name(name));
    }
}

TEST_CASE("JWS: a key of another kind or curve never verifies", "[crypto][jwt]") {
    auto es256 = sign_jws(JwsAlg::ES256, keys_for(JwsAlg::ES256).priv.get(), "{}");
    REQUIRE(es256);
    auto jws = split_jws(*es256);
    REQUIRE(jws);
    CHECK_FALSE(verify_jws(JwsAlg::ES384, keys_for(JwsAlg::ES384).pub.get(), jws->signing_input,
                           jws->signature));
    CHECK_FALSE(verify_jws(JwsAlg::ES384, keys_for(JwsAlg::ES256).pub.get(), jws->signing_input,
                           jws->signature));
    CHECK_FALSE(verify_jws(JwsAlg::RS256, keys_for(JwsAlg::RS256).pub.get(), jws->signing_input,
                           jws->signature));
    CHECK_FALSE(verify_jws(JwsAlg::ES256, nullptr, jws->signing_input, jws->signature));
    // Another key of the right kind.
    auto other = generate_key_pem(JwsAlg::ES256);
    REQUIRE(other);
    auto other_pub = public_key_from_pem(other->second);
    REQUIRE(other_pub);
    CHECK_FALSE(verify_jws(JwsAlg::ES256, other_pub->get(), jws->signing_input, jws->signature));
    // Signing refuses a key that does not suit the algorithm.
    CHECK_FALSE(sign_jws(JwsAlg::RS256, keys_for(JwsAlg::EdDSA).priv.get(), "{}"));
}

TEST_CASE("JWS: malformed tokens and keys are errors", "[crypto][jwt]") {
    for (const char* t : {"", "a", "a.b", "a.b.c.d", "a.b.c!", "*.e30.", "e30.*.", "..."}) {
        INFO(t);
        CHECK_FALSE(split_jws(t));
    }
    CHECK(split_jws("e30.e30."));  // empty signature: splits, verifies nothing
    CHECK_FALSE(split_jws(std::string(kMaxJwsSize + 1, 'a')));
    CHECK_FALSE(
        public_key_from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
    CHECK_FALSE(public_key_from_pem(""));
    CHECK_FALSE(private_key_from_pem("nope"));
}
