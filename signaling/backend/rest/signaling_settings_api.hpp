// Talk's signaling settings (GET /ocs/v2.php/apps/spreed/api/v3/signaling/settings?token=):
// what a client needs to open its signaling connection and its calls. signalingMode "external"
// (tern-signaling is the server), the server's URL, a ticket and helloAuthParams for hello
// version 1.0 ({userid, ticket}: talk_ticket.hpp; no 2.0 tokens yet), STUN servers, and TURN
// servers with TURN REST credentials (username "<expiry>:<user>", credential
// base64(HMAC-SHA1(turn secret, username)); common/turn/credentials.hpp) valid for
// RestSettings::turn_lifetime_s. With `token`, the caller must be a participant of that room.
#pragma once

#include "signaling/backend/rest/api_call.hpp"
#include "signaling/backend/rest/request_auth.hpp"

namespace tern::sig::backend::rest {

ApiResult<ApiReply> signaling_settings(ApiCall& call, const Caller& caller);

/// The STUN URIs the settings list: the configured ones, else "stun:host:port" of each TURN
/// server (tern's TURN relay answers STUN on the same port).
std::vector<std::string> stun_servers_of(const RestSettings& settings);

}  // namespace tern::sig::backend::rest
