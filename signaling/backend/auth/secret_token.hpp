// The backend's random secrets (login session tokens, CSRF tokens, app passwords) and how they
// are stored. Each is 256 bits from the system's generator, written base64url (43 characters:
// safe in cookies, headers, URLs and Basic auth). The store keeps only the hex SHA-256 of a
// token or app password: with 256 random bits there is nothing to guess, so a slow hash would
// add cost (a bridge authenticates every request) and no safety, and a stolen database gives no
// usable secret.
#pragma once

#include <string>
#include <string_view>

namespace tern::sig::backend {

inline constexpr std::size_t kSecretTokenLen = 43;  // base64url of 32 bytes, unpadded

/// A fresh token. Throws std::runtime_error if the random generator fails (never from input).
std::string random_secret_token();

/// Whether `text` has a token's form (length and alphabet), checked before any lookup.
bool looks_like_secret_token(std::string_view text) noexcept;

/// The stored form: lower-case hex SHA-256 of the token's text.
std::string secret_digest(std::string_view token);

/// Equality that takes the same time wherever the two differ (lengths may leak).
bool equal_constant_time(std::string_view a, std::string_view b) noexcept;

}  // namespace tern::sig::backend
