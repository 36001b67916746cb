// Talk's participants API, v4 (/ocs/v2.php/apps/spreed/api/v4/room/{token}/...): list the
// participants, add a user (newParticipant, source users), remove one (attendeeId) or oneself
// (participants/self), promote and demote moderators (moderators, attendeeId), and join or leave
// the conversation as an active participant (participants/active): joining gives the caller the
// Talk session id its signaling connection names in its room request, and is where a user who
// is no participant joins a public conversation by its link (with its password, when set).
#pragma once

#include "signaling/backend/rest/api_call.hpp"
#include "signaling/backend/rest/request_auth.hpp"

#include <string_view>

namespace tern::sig::backend::rest {

ApiResult<ApiReply> list_participants(ApiCall& call, const Caller& caller, std::string_view token);
ApiResult<ApiReply> add_participant(ApiCall& call, const Caller& caller, std::string_view token);
ApiResult<ApiReply> remove_participant(ApiCall& call, const Caller& caller, std::string_view token);
ApiResult<ApiReply> leave_room(ApiCall& call, const Caller& caller, std::string_view token);
ApiResult<ApiReply> set_moderator(ApiCall& call, const Caller& caller, std::string_view token,
                                  bool promote);
ApiResult<ApiReply> join_active(ApiCall& call, const Caller& caller, std::string_view token);
ApiResult<ApiReply> leave_active(ApiCall& call, const Caller& caller, std::string_view token);

}  // namespace tern::sig::backend::rest
