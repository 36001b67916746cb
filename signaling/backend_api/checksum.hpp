// The backend API's request signature, both ways between Nextcloud and the signaling server:
// headers Spreed-Signaling-Random (64 characters) and Spreed-Signaling-Checksum, the lowercase
// hex HMAC-SHA256 under the backend's shared secret of the random string followed by the body.
#pragma once

#include <string>
#include <string_view>

namespace tern::sig {

/// Characters of the random string this server sends (Talk requires at least 32).
inline constexpr std::size_t kBackendRandomLen = 64;
inline constexpr std::size_t kMinBackendRandomLen = 32;

/// Lowercase hex HMAC-SHA256(secret, random || body).
std::string backend_checksum(std::string_view secret, std::string_view random,
                             std::string_view body);

/// Whether `checksum` (hex, either case) signs random || body under `secret`; constant time in
/// the checksum's content. A random shorter than kMinBackendRandomLen never verifies.
bool verify_backend_checksum(std::string_view secret, std::string_view random,
                             std::string_view body, std::string_view checksum);

/// kBackendRandomLen characters from the system's CSPRNG (lowercase hex).
std::string backend_random();

}  // namespace tern::sig
