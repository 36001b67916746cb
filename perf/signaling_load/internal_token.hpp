#pragma once
// The credentials of an internal hello (docs signaling-protocol §3.2): a random string of at
// least 32 characters and hex HMAC-SHA256(internalsecret, random).

#include <cstdint>
#include <string>

namespace tern::perf::sigload {

/// 64 hex characters derived from `seed` and `index` (unique per session, reproducible).
std::string internal_random(uint64_t seed, uint32_t index);

/// Lower-case hex HMAC-SHA256(secret, random).
std::string internal_token(const std::string& secret, const std::string& random);

}  // namespace tern::perf::sigload
