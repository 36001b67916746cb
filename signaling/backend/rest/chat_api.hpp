// Talk's chat API, v1 (/ocs/v2.php/apps/spreed/api/v1/chat/{token}...) and its reactions
// (/ocs/v2.php/apps/spreed/api/v1/reaction/{token}/{messageId}):
//
// - receive (GET): lookIntoFuture 1 answers with the messages above lastKnownMessageId as soon
//   as there are any, else parks the request up to `timeout` seconds (30 when not given, at most
//   60; chat_waiters.hpp) and answers 304 when none came; lookIntoFuture 0 pages the history
//   below lastKnownMessageId, newest first. `limit` (100, at most 200), `includeLastKnown`,
//   `setReadMarker`. Headers X-Chat-Last-Given (the offset for the next call) and
//   X-Chat-Last-Common-Read. No messages at all: 304.
// - send (POST): message, replyTo, referenceId, silent; 201 with the message object (Matterbridge
//   checks for exactly 201). actorDisplayName is read for bridged messages only in Talk; tern
//   has no bridge bot yet and ignores it.
// - edit (PUT /chat/{token}/{id}, message), delete (DELETE): 200 with the system message that
//   tells clients about it, its parent the changed message.
// - read marker (POST /chat/{token}/read, lastReadMessage; DELETE: mark unread).
// - reactions: POST reaction (201 new, 200 when it was there), DELETE reaction, GET (optionally
//   ?reaction=): who reacted how, by emoji.
#pragma once

#include "signaling/backend/rest/api_call.hpp"
#include "signaling/backend/rest/request_auth.hpp"

#include <cstdint>
#include <string_view>

namespace tern::sig::backend::rest {

ApiResult<ApiOutcome> receive_chat(ApiCall& call, const Caller& caller, std::string_view token);
/// A parked receive, woken or at its deadline: the messages that came, else 304.
ApiResult<ApiReply> resume_poll(BackendService& service, const ParkedPoll& poll, RestNow now);
ApiResult<ApiReply> send_chat(ApiCall& call, const Caller& caller, std::string_view token);
ApiResult<ApiReply> edit_chat(ApiCall& call, const Caller& caller, std::string_view token,
                              int64_t id);
ApiResult<ApiReply> delete_chat(ApiCall& call, const Caller& caller, std::string_view token,
                                int64_t id);
ApiResult<ApiReply> mark_chat_read(ApiCall& call, const Caller& caller, std::string_view token,
                                   bool read);
ApiResult<ApiReply> add_reaction(ApiCall& call, const Caller& caller, std::string_view token,
                                 int64_t id);
ApiResult<ApiReply> remove_reaction(ApiCall& call, const Caller& caller, std::string_view token,
                                    int64_t id);
ApiResult<ApiReply> list_reactions(ApiCall& call, const Caller& caller, std::string_view token,
                                   int64_t id);

}  // namespace tern::sig::backend::rest
