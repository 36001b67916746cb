// Talk's conversations API, v4 (/ocs/v2.php/apps/spreed/api/v4/room...): list, create, get,
// rename, describe, delete, make public or private, password, lobby, read-only, note-to-self.
// Each handler reads its parameters, lets Rooms (rooms/rooms.hpp) apply Talk's rules and writes
// the conversation object (room_json.hpp). Parameters as Talk names them: roomType, roomName,
// invite, source; roomName (rename); description; password; state and timer (lobby); state
// (read-only).
#pragma once

#include "signaling/backend/rest/api_call.hpp"
#include "signaling/backend/rest/request_auth.hpp"

#include <string>
#include <string_view>

namespace tern::sig::backend::rest {

/// The caller's membership of room `token`, with a lobby whose timer passed opened first.
ApiResult<Membership> member_of(ApiCall& call, const Caller& caller, std::string_view token);

/// A membership and the text parameter a request must carry.
struct MemberText {
    Membership member;
    std::string_view text;  // points into the call's parameters
};
/// member_of, then the parameter `param`: 400 with `missing` when it is absent.
ApiResult<MemberText> member_with_text(ApiCall& call, const Caller& caller, std::string_view token,
                                       std::string_view param, std::string_view missing);

/// The conversation object of `m` as the caller sees it, as JSON text.
ApiResult<std::string> room_data(ApiCall& call, const Membership& m);

ApiResult<ApiReply> list_rooms(ApiCall& call, const Caller& caller);
ApiResult<ApiReply> create_room(ApiCall& call, const Caller& caller);
ApiResult<ApiReply> note_to_self(ApiCall& call, const Caller& caller);
ApiResult<ApiReply> get_room(ApiCall& call, const Caller& caller, std::string_view token);
ApiResult<ApiReply> rename_room(ApiCall& call, const Caller& caller, std::string_view token);
ApiResult<ApiReply> describe_room(ApiCall& call, const Caller& caller, std::string_view token);
ApiResult<ApiReply> delete_room(ApiCall& call, const Caller& caller, std::string_view token);
ApiResult<ApiReply> set_room_public(ApiCall& call, const Caller& caller, std::string_view token,
                                    bool make_public);
ApiResult<ApiReply> set_room_password(ApiCall& call, const Caller& caller, std::string_view token);
ApiResult<ApiReply> set_room_lobby(ApiCall& call, const Caller& caller, std::string_view token);
ApiResult<ApiReply> set_room_read_only(ApiCall& call, const Caller& caller, std::string_view token);

}  // namespace tern::sig::backend::rest
