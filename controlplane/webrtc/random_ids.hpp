// Random identifiers of the SFU's clients (OpenSSL's CSPRNG): ICE credentials, client ids, the
// SSRCs tern sends subscribers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tern::cp {

/// `n` characters of [A-Za-z0-9] (ICE ufrag and password, subscriber sids).
std::string random_token(std::size_t n);
/// An RFC 4122 version 4 UUID, lower case (client ids).
std::string uuid4();
/// A non-zero SSRC.
uint32_t random_ssrc();

}  // namespace tern::cp
