// Hello v2 tokens as Talk issues them (ES256, iss = the Nextcloud URL, 60 s lifetime, userdata
// with the display name) and with every other accepted algorithm; each refusal's error code
// (checklist item 8).
#include "common/base64url.hpp"
#include "common/crypto/jwt.hpp"
#include "signaling/backend_api/hello_token.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

using namespace tern;
using namespace tern::sig;
using api::ErrorCode;
using crypto::JwsAlg;

namespace {

constexpr int64_t kNow = 1'800'000'000;

struct KeyPair {
    std::string priv_pem;
    std::string pub_pem;
};

const KeyPair& keys(JwsAlg alg) {
    static std::map<JwsAlg, KeyPair> cache;
    auto it = cache.find(alg);
    if (it == cache.end()) {
        auto p = crypto::generate_key_pem(alg);
        REQUIRE(p);
        it = cache.emplace(alg, KeyPair{p->first, p->second}).first;
    }
    return it->second;
}

std::string sign(JwsAlg alg, const std::string& claims) {
    auto priv = crypto::private_key_from_pem(keys(alg).priv_pem);
    REQUIRE(priv);
    auto t = crypto::sign_jws(alg, priv->get(), claims);
    REQUIRE(t);
    return *t;
}

std::string talk_claims(int64_t iat, int64_t exp) {
    return nlohmann::json{{"iss", "https://nc.test/"},
                          {"iat", iat},
                          {"exp", exp},
                          {"sub", "alice"},
                          {"userdata", {{"displayname", "Alice"}}}}
        .dump();
}

ErrorCode refusal(const std::string& token, const std::string& pem, int64_t now = kNow) {
    auto r = verify_hello_token(token, std::string_view{pem}, now);
    REQUIRE_FALSE(r);
    CHECK_FALSE(r.error().message.empty());
    return r.error().code;
}

}  // namespace

TEST_CASE("hello token: Talk's ES256 token gives userid and userdata", "[signaling][backend]") {
    const auto token = sign(JwsAlg::ES256, talk_claims(kNow, kNow + 60));
    auto r = verify_hello_token(token, std::string_view{keys(JwsAlg::ES256).pub_pem}, kNow);
    REQUIRE(r);
    CHECK(r->user_id == "alice");
    CHECK(nlohmann::json::parse(r->user_data) == nlohmann::json{{"displayname", "Alice"}});
    // The parsed-key overload agrees.
    auto key = crypto::public_key_from_pem(keys(JwsAlg::ES256).pub_pem);
    REQUIRE(key);
    CHECK(verify_hello_token(token, key->get(), kNow));
}

TEST_CASE("hello token: RS256/384/512, ES384/512 and EdDSA verify", "[signaling][backend]") {
    for (JwsAlg alg : {JwsAlg::RS256, JwsAlg::RS384, JwsAlg::RS512, JwsAlg::ES384, JwsAlg::ES512,
                       JwsAlg::EdDSA}) {
        INFO(crypto::jws_alg_name(alg));
        auto r = verify_hello_token(sign(alg, talk_claims(kNow, kNow + 60)),
                                    std::string_view{keys(alg).pub_pem}, kNow);
        REQUIRE(r);
        CHECK(r->user_id == "alice");
    }
    // A guest's token has no sub.
    auto guest = verify_hello_token(sign(JwsAlg::EdDSA, R"({"iat":1800000000,"exp":1800000060})"),
                                    std::string_view{keys(JwsAlg::EdDSA).pub_pem}, kNow);
    REQUIRE(guest);
    CHECK(guest->user_id.empty());
    CHECK(guest->user_data.empty());
}

TEST_CASE("hello token: time claims with 60 s of leeway", "[signaling][backend]") {
    const auto& pem = keys(JwsAlg::ES256).pub_pem;
    auto at = [&](const std::string& claims, int64_t now) {
        return verify_hello_token(sign(JwsAlg::ES256, claims), std::string_view{pem}, now);
    };
    const auto fresh = talk_claims(kNow, kNow + 60);
    CHECK(at(fresh, kNow + 120));  // exp + leeway
    CHECK(refusal(sign(JwsAlg::ES256, fresh), pem, kNow + 121) == ErrorCode::TokenExpired);
    CHECK(at(fresh, kNow - 60));  // iat - leeway
    CHECK(refusal(sign(JwsAlg::ES256, fresh), pem, kNow - 61) == ErrorCode::TokenNotValidYet);
    // Checklist 8: exp = now - 120 → token_expired; iat = now + 300 → token_not_valid_yet.
    CHECK(refusal(sign(JwsAlg::ES256, talk_claims(kNow - 180, kNow - 120)), pem) ==
          ErrorCode::TokenExpired);
    CHECK(refusal(sign(JwsAlg::ES256, talk_claims(kNow + 300, kNow + 360)), pem) ==
          ErrorCode::TokenNotValidYet);
    // Missing claims.
    CHECK(refusal(sign(JwsAlg::ES256, R"({"exp":1800000060,"sub":"a"})"), pem) ==
          ErrorCode::TokenNotValidYet);
    CHECK(refusal(sign(JwsAlg::ES256, R"({"iat":1800000000,"sub":"a"})"), pem) ==
          ErrorCode::TokenExpired);
    // exp before iat, though both are within the leeway of now.
    CHECK(refusal(sign(JwsAlg::ES256, talk_claims(kNow, kNow - 10)), pem) ==
          ErrorCode::TokenExpired);
    // Both ahead and expired: not yet valid wins.
    CHECK(refusal(sign(JwsAlg::ES256, talk_claims(kNow + 300, kNow - 300)), pem) ==
          ErrorCode::TokenNotValidYet);
    // nbf in the future; fractional NumericDates.
    CHECK(refusal(sign(JwsAlg::ES256, R"({"iat":1800000000,"exp":1800000060,"nbf":1800000100})"),
                  pem) == ErrorCode::TokenNotValidYet);
    CHECK(at(R"({"iat":1800000000.5,"exp":1800000060.25})", kNow));
}

TEST_CASE("hello token: everything else is invalid_token", "[signaling][backend]") {
    const auto& pem = keys(JwsAlg::ES256).pub_pem;
    const auto claims = talk_claims(kNow, kNow + 60);
    const auto good = sign(JwsAlg::ES256, claims);
    // Signed with another key, or with another kind of key.
    CHECK(refusal(sign(JwsAlg::ES384, claims), pem) == ErrorCode::InvalidToken);
    CHECK(refusal(sign(JwsAlg::RS256, claims), pem) == ErrorCode::InvalidToken);
    auto other = crypto::generate_key_pem(JwsAlg::ES256);
    REQUIRE(other);
    CHECK(refusal(good, other->second) == ErrorCode::InvalidToken);
    // Claims swapped under the old signature.
    const auto d1 = good.find('.');
    const auto d2 = good.find('.', d1 + 1);
    const auto forged_claims =
        base64url_encode(R"({"iat":1800000000,"exp":1800000060,"sub":"admin"})");
    CHECK(refusal(good.substr(0, d1 + 1) + forged_claims + good.substr(d2), pem) ==
          ErrorCode::InvalidToken);
    // alg none and HMAC, whatever they carry.
    const auto body = base64url_encode(claims);
    CHECK(refusal(base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + body + ".", pem) ==
          ErrorCode::InvalidToken);
    CHECK(refusal(base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." + body + "." +
                      base64url_encode("mac"),
                  pem) == ErrorCode::InvalidToken);
    // The header claims another algorithm than the signature's.
    CHECK(refusal(base64url_encode(R"({"alg":"ES384","typ":"JWT"})") + good.substr(d1), pem) ==
          ErrorCode::InvalidToken);
    // Malformed tokens, claims and keys.
    for (const std::string& t :
         std::vector<std::string>{"", "abc", "a.b.c", "..", good + ".x", good.substr(0, d2)}) {
        CHECK(refusal(t, pem) == ErrorCode::InvalidToken);
    }
    CHECK(refusal(sign(JwsAlg::ES256, R"({"iat":"now","exp":1800000060})"), pem) ==
          ErrorCode::InvalidToken);
    CHECK(refusal(sign(JwsAlg::ES256, R"({"iat":1800000000,"exp":1800000060,"sub":5})"), pem) ==
          ErrorCode::InvalidToken);
    CHECK(refusal(sign(JwsAlg::ES256, R"([1,2])"), pem) == ErrorCode::InvalidToken);
    CHECK(refusal(good, "") == ErrorCode::InvalidToken);
    CHECK(refusal(good, "-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n") ==
          ErrorCode::InvalidToken);
}
