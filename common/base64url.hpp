// base64url (RFC 4648 §5): the URL- and filename-safe alphabet, written without padding, as JWTs
// (RFC 7515 §2) and tern-signaling's session ids use it.
#pragma once

#include "common/result.hpp"

#include <string>
#include <string_view>

namespace tern {

std::string base64url_encode(std::string_view bytes);
/// Decodes unpadded (or padded) base64url; an error says why not.
Result<std::string, std::string> base64url_decode(std::string_view text);

}  // namespace tern
