// The backend API as typed values, both directions (facts: signaling-protocol.md §4, §5).
//  - Requests this server POSTs to a Nextcloud (auth, room join/leave, ping, virtual session),
//    written by backend_requests.hpp.
//  - Its answers, unwrapped from the OCS envelope and parsed by backend_answers.hpp.
//  - The requests a Nextcloud POSTs to /api/v1/room/{id}, parsed by backend_room_request.hpp.
// Payloads this server only passes on (properties, user data, participant objects, message data)
// stay as the JSON text that came in (RawJson).
#pragma once

#include "signaling/api/client_request.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tern::sig::api {

// ---- this server → Nextcloud ------------------------------------------------------------------

/// {"type":"auth","auth":{"version":"1.0","params":{...}}}: a v1 hello's params, unchanged.
struct BackendAuthRequest {
    RawJson params;
};

/// {"type":"room","room":{"version":"1.0","roomid","userid","sessionid","action"?,...}}.
struct BackendRoomRequest {
    std::string room_id;
    std::string user_id;
    std::string session_id;  // the Talk room session id (the public id when the client sent none)
    bool leave = false;      // "action":"leave"; absent means join
    std::string actor_id;    // virtual sessions with options
    std::string actor_type;
    std::optional<int> in_call;
};

struct BackendPingEntry {
    std::string session_id;  // Talk room session id, or a virtual session's public id
    std::string user_id;     // "" for guests and virtual sessions (then omitted)
};

/// {"type":"ping","ping":{"version":"1.0","roomid","entries":[...]}}; roomid "" when merged.
struct BackendPingRequest {
    std::string room_id;
    std::vector<BackendPingEntry> entries;
};

/// {"type":"session","session":{"version":"1.0","roomid","action":"add"|"remove",...}}.
struct BackendSessionRequest {
    std::string room_id;
    bool add = true;
    std::string session_id;  // the virtual session's public id
    std::string user_id;
    RawJson user;
};

// ---- Nextcloud's answers
// -------------------------------------------------------------------------

/// {"type":"error","error":{"code","message","details"?}}: forwarded to the client as it came.
struct BackendError {
    std::string code;
    std::string message;
    RawJson details;
};

struct BackendAuthAnswer {
    std::string user_id;  // "" for guests
    RawJson user;         // e.g. {"displayname":"Alice"}; "" when absent
};

struct BackendRoomAnswer {
    std::string room_id;
    RawJson properties;                                   // "" when absent
    std::optional<std::vector<std::string>> permissions;  // nullopt: not sent (all allowed)
    RawJson session;                                      // "" when absent
};

/// A well-formed answer of another type (e.g. "room" to an auth request: the caller decides).
struct BackendOtherAnswer {
    std::string type;
};

using BackendAnswer =
    std::variant<BackendAuthAnswer, BackendRoomAnswer, BackendError, BackendOtherAnswer>;

// ---- Nextcloud → this server: POST /api/v1/room/{roomid} ----------------------------------------

/// One Talk participant object of `users` or `changed`: the members this server reads, and the
/// object itself, which is forwarded with sessionId rewritten and permissions removed.
struct Participant {
    std::string nc_session_id;                            // "sessionId"
    std::optional<int> in_call;                           // "inCall": int, or bool (true = 1)
    std::optional<std::vector<std::string>> permissions;  // "permissions"
    RawJson object;
};

struct RoomInvite {
    std::vector<std::string> user_ids;
    std::vector<std::string> all_user_ids;
    RawJson properties;
};
struct RoomDisinvite {
    std::vector<std::string> user_ids;
    std::vector<std::string> session_ids;  // Talk room session ids ("0" is skipped)
    std::vector<std::string> all_user_ids;
    RawJson properties;
};
struct RoomUpdate {
    std::vector<std::string> user_ids;
    RawJson properties;
};
struct RoomDelete {
    std::vector<std::string> user_ids;
};
struct RoomInCall {
    int in_call = 0;
    bool all = false;
    std::vector<Participant> changed;
    std::vector<Participant> users;
};
struct RoomParticipants {
    std::vector<Participant> changed;
    std::vector<Participant> users;
};
struct RoomMessage {
    RawJson data;
};
struct RoomSwitchTo {
    std::string room_id;
    /// Talk room session id → details (raw JSON object, or "" for none / the array form).
    std::vector<std::pair<std::string, RawJson>> sessions;
};
struct RoomDialout {
    std::string number;
    RawJson options;
};

using BackendRoomBody = std::variant<RoomInvite, RoomDisinvite, RoomUpdate, RoomDelete, RoomInCall,
                                     RoomParticipants, RoomMessage, RoomSwitchTo, RoomDialout>;

}  // namespace tern::sig::api
