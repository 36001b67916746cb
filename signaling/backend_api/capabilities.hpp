// A backend's capabilities (GET <base>ocs/v2.php/cloud/capabilities, signaling-protocol.md §4):
// what this server reads from Talk's part of the document, and the cache that decides when to
// fetch it again. The cache does no I/O and reads no clock: the hub passes the time, asks the
// edge to fetch when needs_fetch() says so, and stores what comes back.
#pragma once

#include "common/result.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using EVP_PKEY = struct evp_pkey_st;

namespace tern::sig {

/// ocs.data.capabilities.spreed, the parts that matter here.
struct BackendCapabilities {
    std::vector<std::string> features;  // spreed.features
    bool signaling_v3 = false;          // "signaling-v3": the signaling endpoint is /v3/
    bool federation_v2 = false;         // "federation-v2": needed for federation hellos
    /// config.signaling.hello-v2-token-key as PEM (a raw base64 Ed25519 key is wrapped); "" when
    /// Talk publishes none or it is not a public key OpenSSL reads.
    std::string hello_v2_token_key;
    /// The same key, parsed once here so a hello need not parse PEM (verify_hello_token's
    /// EVP_PKEY* overload); null exactly when hello_v2_token_key is "". Shared by copies.
    std::shared_ptr<EVP_PKEY> hello_v2_public_key;
    /// config.signaling.session-ping-limit; 0: ping each room on its own.
    uint32_t session_ping_limit = 0;

    /// The version for backend_signaling_url().
    [[nodiscard]] int signaling_api_version() const noexcept { return signaling_v3 ? 3 : 1; }
    [[nodiscard]] bool has_feature(std::string_view f) const noexcept;
};

/// The OCS capabilities document. A Nextcloud without Talk (no "spreed" part) gives empty
/// capabilities, not an error; a body that is not an OCS document is one.
Result<BackendCapabilities, std::string> parse_capabilities(std::string_view body);

/// A raw Ed25519 public key in standard base64 (32 bytes) as SubjectPublicKeyInfo PEM (RFC 8410).
std::optional<std::string> ed25519_key_to_pem(std::string_view base64);

/// Capabilities by backend base URL (normalised), with the reference server's timing: an entry is
/// fresh for max(max-age, 60 s); a forced refresh (a token key was missing) is allowed once per
/// minute per URL; an ETag is kept for revalidation. Times are the hub's now_us. One owner
/// thread.
class CapabilitiesCache {
public:
    static constexpr uint64_t kMinLifetimeUs = 60'000'000;
    static constexpr uint64_t kForcedRefreshIntervalUs = 60'000'000;
    /// A fetch reported neither stored nor failed after this long is forgotten (the edge's
    /// backend timeout is 10 s).
    static constexpr uint64_t kFetchTimeoutUs = 30'000'000;

    struct Entry {
        BackendCapabilities caps;
        std::string etag;
        uint64_t fetched_us = 0;
        uint64_t expires_us = 0;
    };

    /// Fresh capabilities, or null (absent or stale: see needs_fetch).
    [[nodiscard]] const BackendCapabilities* get(std::string_view url, uint64_t now_us) const;
    /// The entry at any age (stale capabilities beat none while a refetch is under way).
    [[nodiscard]] const Entry* find(std::string_view url) const;
    /// The ETag to send as If-None-Match; "" when none.
    [[nodiscard]] std::string_view etag(std::string_view url) const;

    /// Absent or stale, and no fetch of it in flight.
    [[nodiscard]] bool needs_fetch(std::string_view url, uint64_t now_us) const;
    /// The hub asked the edge to fetch `url`; needs_fetch is false until it ends.
    void fetch_started(std::string_view url, uint64_t now_us);
    /// The fetch failed: the old entry (if any) stays as it was, a new fetch may start.
    void fetch_failed(std::string_view url);

    /// A 200 answer: max_age_s from Cache-Control (0 when absent).
    void store(std::string_view url, BackendCapabilities caps, uint64_t max_age_s, std::string etag,
               uint64_t now_us);
    /// A 304 answer to a revalidation: the entry is fresh again. False when there is no entry.
    bool revalidated(std::string_view url, uint64_t max_age_s, uint64_t now_us);

    /// Makes the entry stale so it is fetched again, at most once per kForcedRefreshIntervalUs
    /// per URL; false (nothing changes) when the last forced refresh was more recent.
    bool force_refresh(std::string_view url, uint64_t now_us);

    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

private:
    static uint64_t lifetime_us(uint64_t max_age_s) noexcept;

    std::map<std::string, Entry, std::less<>> entries_;
    std::map<std::string, uint64_t, std::less<>> in_flight_;  // url → fetch start
    std::map<std::string, uint64_t, std::less<>> forced_;     // url → last forced refresh
};

}  // namespace tern::sig
