// Session ids of the client API: the public id every member of a room sees, and the private
// resume id that only the session's owner holds (hello with "resumeid"). Both carry the node that
// owns the session, so any node of a cluster can route a resume to its owner, and an HMAC-SHA256
// tag under the cluster's hash key, so neither can be forged or one turned into the other.
//
// body = node (2 bytes) || serial (8) || created µs (8) || random (8)
// resume id = base64url(body || HMAC(key, "private-session|" || body)[0..10))
// public id = base64url(reverse(body) || HMAC(key, "public-session|" || body)[0..10))
//
// The public id is byte-reversed so that it starts with the random part: Talk's P2P clients
// compare ids as strings to decide who calls whom, so ids must not grow with the serial. Both are
// 48 characters of [A-Za-z0-9_-]: safe in URLs and in NATS subjects (no '.', no '|').
#pragma once

#include "common/byte_reader.hpp"
#include "common/crypto/hmac.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::sig {

struct SessionIdParts {
    uint16_t node = 0;
    uint64_t serial = 0;
    uint64_t created_us = 0;
};

struct SessionIdPair {
    std::string public_id;
    std::string resume_id;
};

class SessionIds {
public:
    static constexpr std::size_t kMinKeyLen = 32;
    static constexpr std::size_t kIdLen = 48;

    /// `hash_key`: the cluster's shared secret (at least kMinKeyLen bytes; checked by config).
    SessionIds(ByteSpan hash_key, uint16_t node) noexcept : key_(hash_key), node_(node) {}

    /// A new session's two ids; `random` comes from the caller (a CSPRNG in the server).
    [[nodiscard]] SessionIdPair issue(uint64_t serial, uint64_t created_us, uint64_t random) const;

    /// The parts of an id this cluster issued; nullopt for anything else (wrong kind, forged,
    /// another key, malformed).
    [[nodiscard]] std::optional<SessionIdParts> read_public(std::string_view id) const;
    [[nodiscard]] std::optional<SessionIdParts> read_resume(std::string_view id) const;

    [[nodiscard]] uint16_t node() const noexcept { return node_; }

private:
    crypto::HmacSha256Key key_;
    uint16_t node_;
};

}  // namespace tern::sig
