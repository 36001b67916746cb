// Frames from a /spreed client into ClientRequest values (client_request.hpp). simdjson's DOM
// parser reads and fully validates each frame (payloads forwarded to others must be valid JSON);
// shape errors come back as ParseError with the wire code the reference server uses, so the
// session edge writes {"id":...,"type":"error","error":{...}} in one place.
#pragma once

#include "common/result.hpp"
#include "signaling/api/client_request.hpp"
#include "signaling/api/error_code.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace tern::sig::api {

/// Frames over this size are refused (the WebSocket edge closes the connection before parsing).
inline constexpr std::size_t kMaxClientFrame = 64 * 1024;
/// Deeper nesting than this is refused as invalid_format.
inline constexpr std::size_t kMaxJsonDepth = 64;

struct ParseError {
    ErrorCode code = ErrorCode::InvalidFormat;
    std::string message;  // for people: names the field
    std::string id;       // the request's id when it could be read, for the reply
};

/// One text frame. Uses a parser owned by the calling thread (no allocation once warm).
Result<ClientRequest, ParseError> parse_client_request(std::string_view frame);

}  // namespace tern::sig::api
