// The backend API's checksum: the test vector of the signaling API's documentation, both hex
// cases, and what must not verify.
#include "signaling/backend_api/checksum.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace tern::sig;

namespace {

constexpr std::string_view kBody =
    R"({"type":"auth","auth":{"version":"1.0","params":{"hello":"world"}}})";
constexpr std::string_view kRandom =
    "afb6b872ab03e3376b31bf0af601067222ff7990335ca02d327071b73c0119c6";
constexpr std::string_view kSecret = "MySecretValue";
constexpr std::string_view kChecksum =
    "3c4a69ff328299803ac2879614b707c807b4758cf19450755c60656cac46e3bc";

}  // namespace

TEST_CASE("backend checksum: the documented test vector", "[signaling][backend]") {
    CHECK(backend_checksum(kSecret, kRandom, kBody) == kChecksum);
    CHECK(verify_backend_checksum(kSecret, kRandom, kBody, kChecksum));
    std::string upper(kChecksum);
    for (char& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    CHECK(verify_backend_checksum(kSecret, kRandom, kBody, upper));
}

TEST_CASE("backend checksum: a changed body, secret, random or checksum does not verify",
          "[signaling][backend]") {
    std::string body(kBody);
    body.back() = ' ';
    CHECK_FALSE(verify_backend_checksum(kSecret, kRandom, body, kChecksum));
    CHECK_FALSE(verify_backend_checksum("MySecretValuf", kRandom, kBody, kChecksum));
    std::string random(kRandom);
    random[0] = 'b';
    CHECK_FALSE(verify_backend_checksum(kSecret, random, kBody, kChecksum));
    CHECK_FALSE(verify_backend_checksum(kSecret, kRandom, kBody, kChecksum.substr(1)));
    CHECK_FALSE(verify_backend_checksum(kSecret, kRandom, kBody, ""));
    std::string sum(kChecksum);
    sum[63] = sum[63] == '0' ? '1' : '0';
    CHECK_FALSE(verify_backend_checksum(kSecret, kRandom, kBody, sum));
    // Too short a random string never verifies, even when correctly signed.
    const std::string short_random = "0123456789abcdef";
    CHECK_FALSE(verify_backend_checksum(kSecret, short_random, kBody,
                                        backend_checksum(kSecret, short_random, kBody)));
}

TEST_CASE("backend checksum: random strings are 64 hex characters and differ",
          "[signaling][backend]") {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string r = backend_random();
        REQUIRE(r.size() == kBackendRandomLen);
        CHECK(r.find_first_not_of("0123456789abcdef") == std::string::npos);
        seen.insert(r);
    }
    CHECK(seen.size() == 100);
}
