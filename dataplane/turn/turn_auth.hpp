// The long-term credential mechanism of one lcore's TURN server (RFC 8489 §9.2): stateless
// nonces bound to the client's address, static users and TURN REST API secrets
// (coturn-compatible), and the per-address limit on authentication failures.
//
// Only requests reach it (Allocate, Refresh, CreatePermission, ChannelBind); relayed data never
// does.
#pragma once

#include "common/config.hpp"
#include "common/crypto/hmac.hpp"
#include "common/turn/credentials.hpp"
#include "common/wire/stun/stun_message.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tern::dp {

class TurnAuth {
public:
    /// `nonce_secret` is shared by all workers of the process, so a nonce from one is valid on
    /// all; `start_unix_s` turns the lcore's clock (seconds since start) into Unix time.
    TurnAuth(const TurnConfig& cfg, uint64_t start_unix_s, ByteSpan nonce_secret);

    struct Result {
        bool ok = false;
        turn::LongTermKey key{};  // the key to sign the response with, when ok
    };
    /// Checks USERNAME, REALM, NONCE and MESSAGE-INTEGRITY against the static users and the
    /// REST secrets. Not ok on a stale nonce too: the caller checks nonce_valid() first to tell.
    Result authenticate(const wire::stun::Message& m, const wire::Endpoint& client,
                        uint64_t now_s) noexcept;

    /// 32 hex characters: the expiry, then a MAC of it and the client's address.
    void make_nonce(const wire::Endpoint& client, uint64_t now_s, char out[32]) const noexcept;
    [[nodiscard]] bool nonce_valid(ByteSpan nonce, const wire::Endpoint& client,
                                   uint64_t now_s) const noexcept;

    /// Whether the client's address is over auth_failures_per_minute; with `record_failure`,
    /// counts one more failure first.
    bool rate_limited(const wire::Endpoint& client, uint64_t now_s, bool record_failure) noexcept;

private:
    const TurnConfig& cfg_;                         // borrowed, outlives this
    std::vector<crypto::HmacSha1Key> secret_keys_;  // one per REST secret
    std::vector<std::pair<std::string, turn::LongTermKey>> static_users_;
    crypto::HmacSha1Key nonce_key_;
    uint64_t start_unix_s_;
    struct FailureSlot {
        wire::Endpoint who;
        uint64_t window_start_s = 0;
        uint32_t failures = 0;
    };
    std::array<FailureSlot, 256> failures_{};  // by address hash; a collision restarts the window
};

}  // namespace tern::dp
