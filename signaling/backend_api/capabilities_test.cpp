// The capabilities document as Talk serves it, its token key forms, and the cache's timing rules.
#include "common/base64url.hpp"
#include "common/crypto/jwt.hpp"
#include "signaling/backend_api/capabilities.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>

using namespace tern::sig;

namespace {

std::string document(std::string_view spreed) {
    return R"({"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"version":{"major":30},)"
           R"("capabilities":{"core":{"pollinterval":60},"spreed":)" +
           std::string(spreed) + "}}}}";
}

/// A PEM as it sits in a JSON string.
std::string json_string(const std::string& s) {
    return nlohmann::json(s).dump();
}

}  // namespace

TEST_CASE("capabilities: features, token key and ping limit from Talk's part",
          "[signaling][backend]") {
    auto pems = tern::crypto::generate_key_pem(tern::crypto::JwsAlg::ES256);
    REQUIRE(pems);
    auto caps = parse_capabilities(document(
        R"({"features":["audio","signaling-v3","federation-v2","chat-v2"],"config":{"call":{"enabled":true},)"
        R"("signaling":{"session-ping-limit":200,"hello-v2-token-key":)" +
        json_string(pems->second) + "}}}"));
    REQUIRE(caps);
    CHECK(caps->signaling_v3);
    CHECK(caps->federation_v2);
    CHECK(caps->signaling_api_version() == 3);
    CHECK(caps->has_feature("chat-v2"));
    CHECK_FALSE(caps->has_feature("chat"));
    CHECK(caps->session_ping_limit == 200);
    CHECK(caps->hello_v2_token_key + "\n" == pems->second);  // surrounding whitespace trimmed
    CHECK(caps->hello_v2_public_key != nullptr);

    // A key OpenSSL cannot read is as good as none (the hub refetches once, then refuses).
    auto broken = parse_capabilities(document(
        R"({"config":{"signaling":{"hello-v2-token-key":"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}}})"));
    REQUIRE(broken);
    CHECK(broken->hello_v2_token_key.empty());
    CHECK(broken->hello_v2_public_key == nullptr);
}

TEST_CASE("capabilities: an old Talk, no Talk, and broken documents", "[signaling][backend]") {
    auto old = parse_capabilities(document(R"({"features":["audio"]})"));
    REQUIRE(old);
    CHECK_FALSE(old->signaling_v3);
    CHECK(old->signaling_api_version() == 1);
    CHECK(old->hello_v2_token_key.empty());
    CHECK(old->session_ping_limit == 0);

    auto none =
        parse_capabilities(R"({"ocs":{"meta":{"statuscode":200},"data":{"capabilities":[]}}})");
    REQUIRE(none);
    CHECK(none->features.empty());

    auto odd = parse_capabilities(document(
        R"({"features":"x","config":{"signaling":{"session-ping-limit":-5,"hello-v2-token-key":7}}})"));
    REQUIRE(odd);
    CHECK(odd->features.empty());
    CHECK(odd->session_ping_limit == 0);
    CHECK(odd->hello_v2_token_key.empty());

    for (const char* body :
         {"", "<html>", "[]", R"({"ocs":{}})", R"({"ocs":{"data":[]}})", R"({"data":{}})"}) {
        INFO(body);
        CHECK_FALSE(parse_capabilities(body));
    }
}

TEST_CASE("capabilities: a raw base64 Ed25519 key becomes a PKIX PEM OpenSSL reads",
          "[signaling][backend]") {
    // 32 bytes of key material (any 32 bytes parse as an Ed25519 public key encoding).
    const std::string raw_b64 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    auto pem = ed25519_key_to_pem(raw_b64);
    REQUIRE(pem);
    auto key = tern::crypto::public_key_from_pem(*pem);
    REQUIRE(key);
    auto caps = parse_capabilities(document(
        R"({"features":[],"config":{"signaling":{"hello-v2-token-key":")" + raw_b64 + R"("}}})"));
    REQUIRE(caps);
    CHECK(caps->hello_v2_token_key == *pem);
    CHECK(caps->hello_v2_public_key != nullptr);

    CHECK_FALSE(ed25519_key_to_pem("AAAA"));         // too short
    CHECK_FALSE(ed25519_key_to_pem("not base64!"));  // not base64
    // A generated key's PEM survives the round trip through its raw form.
    auto pair = tern::crypto::generate_key_pem(tern::crypto::JwsAlg::EdDSA);
    REQUIRE(pair);
    std::string line = pair->second.substr(pair->second.find('\n') + 1);
    line = line.substr(0, line.find('\n'));
    std::replace(line.begin(), line.end(), '+', '-');
    std::replace(line.begin(), line.end(), '/', '_');
    auto der = tern::base64url_decode(line);
    REQUIRE(der);
    REQUIRE(der->size() == 44);
    std::string raw = tern::base64url_encode(der->substr(12));  // the key after the SPKI prefix
    std::replace(raw.begin(), raw.end(), '-', '+');
    std::replace(raw.begin(), raw.end(), '_', '/');
    CHECK(ed25519_key_to_pem(raw + "=") == pair->second);
}

TEST_CASE("capabilities cache: lifetime is max(max-age, 60 s); ETag kept", "[signaling][backend]") {
    CapabilitiesCache cache;
    const std::string url = "https://nc.test/";
    const uint64_t t0 = 1'000'000'000;
    CHECK(cache.needs_fetch(url, t0));
    CHECK(cache.get(url, t0) == nullptr);
    cache.fetch_started(url, t0);
    CHECK_FALSE(cache.needs_fetch(url, t0 + 1));                             // in flight
    CHECK(cache.needs_fetch(url, t0 + CapabilitiesCache::kFetchTimeoutUs));  // lost fetch
    cache.fetch_failed(url);
    CHECK(cache.needs_fetch(url, t0 + 2));

    BackendCapabilities caps;
    caps.signaling_v3 = true;
    cache.store(url, caps, 10, "\"e1\"", t0);  // max-age 10 s: 60 s anyway
    REQUIRE(cache.get(url, t0 + 59'000'000) != nullptr);
    CHECK(cache.get(url, t0 + 59'000'000)->signaling_v3);
    CHECK(cache.get(url, t0 + 60'000'000) == nullptr);
    CHECK(cache.needs_fetch(url, t0 + 60'000'000));
    REQUIRE(cache.find(url) != nullptr);  // stale but there
    CHECK(cache.etag(url) == "\"e1\"");
    CHECK(cache.etag("https://other.test/").empty());

    CHECK(cache.revalidated(url, 300, t0 + 61'000'000));  // 304
    CHECK(cache.get(url, t0 + 360'000'000) != nullptr);
    CHECK(cache.get(url, t0 + 361'000'000) == nullptr);
    CHECK_FALSE(cache.revalidated("https://other.test/", 300, t0));
    CHECK(cache.size() == 1);
}

TEST_CASE("capabilities cache: a forced refresh at most once per minute per URL",
          "[signaling][backend]") {
    CapabilitiesCache cache;
    const uint64_t t0 = 5'000'000'000;
    cache.store("https://a/", {}, 3600, "\"x\"", t0);
    cache.store("https://b/", {}, 3600, "", t0);
    CHECK(cache.force_refresh("https://a/", t0 + 1));
    CHECK(cache.needs_fetch("https://a/", t0 + 1));
    CHECK(cache.etag("https://a/").empty());  // refetched in full, not revalidated
    CHECK_FALSE(cache.needs_fetch("https://b/", t0 + 1));
    cache.store("https://a/", {}, 3600, "", t0 + 2);
    CHECK_FALSE(cache.force_refresh("https://a/", t0 + 59'000'000));
    CHECK_FALSE(cache.needs_fetch("https://a/", t0 + 59'000'000));
    CHECK(cache.force_refresh("https://b/", t0 + 59'000'000));  // per URL
    CHECK(cache.force_refresh("https://a/", t0 + 60'000'001));
    CHECK(cache.force_refresh("https://new/", t0));  // nothing cached yet: allowed, noted
    CHECK_FALSE(cache.force_refresh("https://new/", t0 + 1));
}
