// TURN credentials as Nextcloud deployments use them with coturn's `use-auth-secret`: the
// "TURN REST API" (draft-uberti-behave-turn-rest). The username is "<expiry unix time>" or
// "<expiry>:<user>", the password base64(HMAC-SHA1(shared secret, username)). Long-term
// credential keys are MD5(username ":" realm ":" password) (RFC 8489 §9.2.2).
#pragma once

#include "common/byte_reader.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::turn {

/// "<expiry>:<user>" (or just "<expiry>" when `user` is empty).
std::string rest_username(uint64_t expiry_unix, std::string_view user, char separator = ':');

/// base64(HMAC-SHA1(secret, username)).
std::string rest_password(std::string_view secret, std::string_view username);

/// The expiry a REST username carries, or nullopt when it does not start with digits followed
/// by the separator or the end.
std::optional<uint64_t> rest_expiry(std::string_view username, char separator = ':') noexcept;

/// Standard base64 with padding; `out` must hold 4 * ceil(n / 3) bytes. Returns the length.
std::size_t base64_encode(ByteSpan in, char* out) noexcept;

using LongTermKey = std::array<uint8_t, 16>;
LongTermKey long_term_key(std::string_view username, std::string_view realm,
                          std::string_view password);

}  // namespace tern::turn
