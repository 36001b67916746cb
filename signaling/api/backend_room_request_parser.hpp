// A backend's POST /api/v1/room/{id} body into a typed BackendRoomBody (backend_messages.hpp),
// and the one writer the hub needs for Talk participant objects it forwards. Bodies come from an
// authenticated Nextcloud but are still parsed defensively: a bad one is an HTTP 400 with the
// message, never a crash (there is a libFuzzer target).
#pragma once

#include "common/result.hpp"
#include "signaling/api/backend_messages.hpp"
#include "signaling/api/json_writer.hpp"

#include <string>
#include <string_view>

namespace tern::sig::api {

struct RoomRequestError {
    std::string message;        // for the 400 body and the log
    bool unknown_type = false;  // a well-formed request of a type we do not take (e.g. "transient")
};

Result<BackendRoomBody, RoomRequestError> parse_backend_room_request(std::string_view body);

/// Writes a participant object as members see it in participants/update: its members as they
/// came, except "sessionId" replaced by `signaling_session_id` and "permissions" left out.
void write_participant(JsonWriter& w, const Participant& p, std::string_view signaling_session_id);

}  // namespace tern::sig::api
