// A backend's POST to /api/v1/room/{id}: each refusal in the reference server's order, and which
// backend an accepted request came from.
#include "signaling/backend_api/backend_post_check.hpp"
#include "signaling/backend_api/checksum.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace tern::sig;

namespace {

const std::vector<BackendEntry> kBackends = {
    {"one", "https://nc1.example/", "secret-one"},
    {"two", "https://nc2.example/", "secret-two"},
};
const std::string kBody =
    R"({"type":"update","update":{"userids":["alice"],"properties":{"name":"x"}}})";
const std::string kRandom(64, 'r');

BackendPost signed_post(const std::string& secret,
                        std::optional<std::string_view> backend = std::nullopt) {
    static std::string sum;
    sum = backend_checksum(secret, kRandom, kBody);
    return {kBody.size(), "application/json", kBody, kRandom, sum, backend};
}

}  // namespace

TEST_CASE("backend POST: accepted, and attributed to its backend", "[signaling][backend]") {
    auto v =
        check_backend_post(signed_post("secret-two", "https://nc2.example/"), kBackends, false);
    CHECK(v.status == 0);
    REQUIRE(v.from != nullptr);
    CHECK(v.from->id == "two");
    // Without the header: the backend whose secret signs it.
    v = check_backend_post(signed_post("secret-two"), kBackends, false);
    CHECK(v.status == 0);
    CHECK(v.from->id == "two");
}

TEST_CASE("backend POST: 411, 413, 400, 403, 429 in order", "[signaling][backend]") {
    BackendPost p = signed_post("secret-one", "https://nc1.example/");
    p.content_length.reset();
    CHECK(check_backend_post(p, kBackends, true).status == 411);  // before anything else
    const std::string big(kMaxBackendBody + 1, ' ');
    p = {big.size(), "application/json", big, kRandom, "x", std::nullopt};
    CHECK(check_backend_post(p, kBackends, true).status == 413);
    p = {5, "application/json", "{oops", kRandom, "x", std::nullopt};
    CHECK(check_backend_post(p, kBackends, true).status == 400);
    p = signed_post("secret-one");
    p.checksum = "";
    CHECK(check_backend_post(p, kBackends, true).status == 403);
    CHECK_FALSE(check_backend_post(p, kBackends, true).count_failure);
    // A throttled address is refused even with a valid signature.
    CHECK(check_backend_post(signed_post("secret-one"), kBackends, true).status == 429);
    auto unknown =
        check_backend_post(signed_post("secret-one", "https://evil.example/"), kBackends, false);
    CHECK(unknown.status == 403);
    CHECK(unknown.count_failure);
    // Signed by one backend's secret, claiming to be the other.
    auto wrong =
        check_backend_post(signed_post("secret-one", "https://nc2.example/"), kBackends, false);
    CHECK(wrong.status == 403);
    CHECK(wrong.count_failure);
    CHECK(check_backend_post(signed_post("nobody's"), kBackends, false).status == 403);
}

TEST_CASE("backend POST: a body that is not declared JSON is 400", "[signaling][backend]") {
    BackendPost p = signed_post("secret-one");
    p.content_type = "text/plain";
    CHECK(check_backend_post(p, kBackends, false).status == 400);
    p.content_type = "";
    CHECK(check_backend_post(p, kBackends, false).status == 400);
    p.content_type = "Application/JSON; charset=utf-8";
    CHECK(check_backend_post(p, kBackends, false).status == 0);
    p.content_type = "application/jsonx";
    CHECK(check_backend_post(p, kBackends, false).status == 400);
}
