#include "signaling/backend_api/capabilities.hpp"

#include "common/base64url.hpp"
#include "common/crypto/jwt.hpp"
#include "signaling/api/json_members.hpp"

#include <algorithm>
#include <utility>

namespace tern::sig {

namespace {

namespace json = api::json;

/// The PEM a token key arrives as, or "" when it is not usable as one.
std::string token_key_pem(std::string_view key) {
    // Talk writes the PEM it stores; a key pasted by an admin may carry spaces around it.
    const auto first = key.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    key.remove_prefix(first);
    key.remove_suffix(key.size() - 1 - key.find_last_not_of(" \t\r\n"));
    if (key.starts_with("-----BEGIN ")) {
        return std::string(key);
    }
    return ed25519_key_to_pem(key).value_or(std::string{});
}

void read_spreed(const json::object& spreed, BackendCapabilities& caps) {
    std::string ignored;
    if (!json::get_string_list(spreed, "features", caps.features, ignored)) {
        caps.features.clear();  // a broken list reads as none, like a Talk without features
    }
    caps.signaling_v3 = caps.has_feature("signaling-v3");
    caps.federation_v2 = caps.has_feature("federation-v2");
    json::object config;
    json::object signaling;
    if (!json::get_object(spreed, "config", config) ||
        !json::get_object(config, "signaling", signaling)) {
        return;
    }
    std::string key;
    if (json::get_string(signaling, "hello-v2-token-key", key, ignored)) {
        caps.hello_v2_token_key = token_key_pem(key);
    }
    if (caps.hello_v2_token_key.empty()) {
        return;
    }
    if (auto parsed = crypto::public_key_from_pem(caps.hello_v2_token_key)) {
        caps.hello_v2_public_key = std::shared_ptr<EVP_PKEY>(parsed->release(), crypto::PkeyFree{});
    } else {
        caps.hello_v2_token_key.clear();  // unusable: the hub treats it as missing (one refetch)
    }
    json::element limit;
    int64_t n = 0;
    if (json::member(signaling, "session-ping-limit", limit) && limit.get(n) == simdjson::SUCCESS &&
        n > 0) {
        caps.session_ping_limit = static_cast<uint32_t>(std::min<int64_t>(n, UINT32_MAX));
    }
}

}  // namespace

bool BackendCapabilities::has_feature(std::string_view f) const noexcept {
    return std::find(features.begin(), features.end(), f) != features.end();
}

Result<BackendCapabilities, std::string> parse_capabilities(std::string_view body) {
    thread_local simdjson::dom::parser parser;
    json::element doc;
    json::object top;
    json::object ocs;
    json::object data;
    if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS ||
        doc.get(top) != simdjson::SUCCESS) {
        return unexpected(std::string("capabilities are not a JSON object"));
    }
    if (!json::get_object(top, "ocs", ocs) || !json::get_object(ocs, "data", data)) {
        return unexpected(std::string("capabilities without ocs.data"));
    }
    BackendCapabilities caps;
    json::object all;
    json::object spreed;
    // PHP writes an empty capabilities map as [], so a missing object is "no Talk", not an error.
    if (json::get_object(data, "capabilities", all) && json::get_object(all, "spreed", spreed)) {
        read_spreed(spreed, caps);
    }
    return caps;
}

std::optional<std::string> ed25519_key_to_pem(std::string_view base64) {
    // Standard base64 is base64url with two other symbols; the decoder takes padding.
    std::string url(base64);
    std::replace(url.begin(), url.end(), '+', '-');
    std::replace(url.begin(), url.end(), '/', '_');
    auto raw = base64url_decode(url);
    if (!raw || raw->size() != 32) {
        return std::nullopt;
    }
    // SubjectPublicKeyInfo for id-Ed25519 (RFC 8410 §4): a fixed 12-byte prefix, then the key.
    static constexpr unsigned char kPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    std::string der(reinterpret_cast<const char*>(kPrefix), sizeof kPrefix);
    der += *raw;
    std::string b64 = base64url_encode(der);
    std::replace(b64.begin(), b64.end(), '-', '+');
    std::replace(b64.begin(), b64.end(), '_', '/');
    b64.append((4 - b64.size() % 4) % 4, '=');
    return "-----BEGIN PUBLIC KEY-----\n" + b64 +
           "\n-----END PUBLIC KEY-----\n";  // 60 chars: one line
}

// ---- CapabilitiesCache
// ---------------------------------------------------------------------------

uint64_t CapabilitiesCache::lifetime_us(uint64_t max_age_s) noexcept {
    constexpr uint64_t kMaxAgeS = 365ULL * 24 * 3600;  // keeps the multiplication in range
    return std::max(kMinLifetimeUs, std::min(max_age_s, kMaxAgeS) * 1'000'000);
}

const BackendCapabilities* CapabilitiesCache::get(std::string_view url, uint64_t now_us) const {
    const Entry* e = find(url);
    return e != nullptr && now_us < e->expires_us ? &e->caps : nullptr;
}

const CapabilitiesCache::Entry* CapabilitiesCache::find(std::string_view url) const {
    auto it = entries_.find(url);
    return it == entries_.end() ? nullptr : &it->second;
}

std::string_view CapabilitiesCache::etag(std::string_view url) const {
    const Entry* e = find(url);
    return e == nullptr ? std::string_view{} : std::string_view{e->etag};
}

bool CapabilitiesCache::needs_fetch(std::string_view url, uint64_t now_us) const {
    if (get(url, now_us) != nullptr) {
        return false;
    }
    auto it = in_flight_.find(url);
    return it == in_flight_.end() || now_us - it->second >= kFetchTimeoutUs;
}

void CapabilitiesCache::fetch_started(std::string_view url, uint64_t now_us) {
    in_flight_.insert_or_assign(std::string(url), now_us);
}

void CapabilitiesCache::fetch_failed(std::string_view url) {
    if (auto it = in_flight_.find(url); it != in_flight_.end()) {
        in_flight_.erase(it);
    }
}

void CapabilitiesCache::store(std::string_view url, BackendCapabilities caps, uint64_t max_age_s,
                              std::string etag, uint64_t now_us) {
    fetch_failed(url);  // the fetch is over
    entries_.insert_or_assign(std::string(url), Entry{std::move(caps), std::move(etag), now_us,
                                                      now_us + lifetime_us(max_age_s)});
}

bool CapabilitiesCache::revalidated(std::string_view url, uint64_t max_age_s, uint64_t now_us) {
    fetch_failed(url);
    auto it = entries_.find(url);
    if (it == entries_.end()) {
        return false;
    }
    it->second.fetched_us = now_us;
    it->second.expires_us = now_us + lifetime_us(max_age_s);
    return true;
}

bool CapabilitiesCache::force_refresh(std::string_view url, uint64_t now_us) {
    auto it = forced_.find(url);
    if (it != forced_.end() && now_us - it->second < kForcedRefreshIntervalUs) {
        return false;
    }
    forced_.insert_or_assign(std::string(url), now_us);
    if (auto e = entries_.find(url); e != entries_.end()) {
        e->second.expires_us = 0;
        e->second.etag.clear();  // a revalidation could answer 304 with the same missing key
    }
    return true;
}

}  // namespace tern::sig
