// Secret tokens: 43 base64url characters, all different; the form check refuses other lengths
// and alphabets; the digest is SHA-256 in lower-case hex (a known vector); the constant-time
// equality.
#include "signaling/backend/auth/secret_token.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace tern::sig::backend;

TEST_CASE("secret token: 256 random bits in base64url", "[backend][auth]") {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string t = random_secret_token();
        CHECK(t.size() == kSecretTokenLen);
        CHECK(looks_like_secret_token(t));
        seen.insert(t);
    }
    CHECK(seen.size() == 100);
}

TEST_CASE("secret token: the form check", "[backend][auth]") {
    const std::string t = random_secret_token();
    CHECK_FALSE(looks_like_secret_token(""));
    CHECK_FALSE(looks_like_secret_token(t.substr(1)));
    CHECK_FALSE(looks_like_secret_token(t + "A"));
    std::string bad = t;
    bad[5] = '+';
    CHECK_FALSE(looks_like_secret_token(bad));
    bad[5] = '=';
    CHECK_FALSE(looks_like_secret_token(bad));
}

TEST_CASE("secret token: digest and comparison", "[backend][auth]") {
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    CHECK(secret_digest("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(equal_constant_time("same", "same"));
    CHECK_FALSE(equal_constant_time("same", "sam3"));
    CHECK_FALSE(equal_constant_time("same", "samesame"));
    CHECK(equal_constant_time("", ""));
}
