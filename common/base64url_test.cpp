#include "common/base64url.hpp"

#include <catch2/catch.hpp>

#include <utility>

using namespace tern;

TEST_CASE("base64url: RFC 4648 section 10 vectors in the URL alphabet, unpadded", "[base64url]") {
    const std::pair<const char*, const char*> v[] = {
        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
    for (auto [plain, enc] : v) {
        CHECK(base64url_encode(plain) == enc);
        CHECK(*base64url_decode(enc) == plain);
    }
    CHECK(base64url_encode("\xfb\xff") == "-_8");  // the two characters that differ from base64
    CHECK(*base64url_decode("-_8") == "\xfb\xff");
    CHECK(*base64url_decode("Zm8=") == "fo");  // padding tolerated
    CHECK_FALSE(base64url_decode("Zm9v+"));
    CHECK_FALSE(base64url_decode("Z"));
}
