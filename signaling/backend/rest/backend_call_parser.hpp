// The requests a signaling server POSTs to the backend's signaling endpoint
// (/ocs/v2.php/apps/spreed/api/v3/signaling/backend; signaling-protocol.md §4), read on the
// backend's side: auth (a v1 hello's params: userid and ticket), room (join or leave, with the
// Talk session id), ping (the sessions still connected) and session (virtual sessions). The
// types are the ones the signaling server writes them from (api/backend_messages.hpp), so both
// sides of the wire share one definition. Parsed with simdjson; a body that is not one of these
// is an error message, never an exception.
#pragma once

#include "common/result.hpp"
#include "signaling/api/backend_messages.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace tern::sig::backend::rest {

/// An auth request's params as the backend reads them (absent members are "").
struct BackendAuthCall {
    std::string user_id;
    std::string ticket;
};

using BackendCall = std::variant<BackendAuthCall, api::BackendRoomRequest, api::BackendPingRequest,
                                 api::BackendSessionRequest>;

Result<BackendCall, std::string> parse_backend_call(std::string_view body);

}  // namespace tern::sig::backend::rest
