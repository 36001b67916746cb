// The backend's signaling endpoint (POST /ocs/v2.php/apps/spreed/api/v3/signaling/backend; v1
// and v2 paths too), which a signaling server calls (signaling-protocol.md §4): tern-signaling's
// own hub, or the reference Go server pointed at tern as its Nextcloud. Requests are signed:
// Spreed-Signaling-Random (at least 32 characters) and Spreed-Signaling-Checksum, the HMAC-SHA256
// of random and body under one of RestSettings::backend_secrets (backend_api/checksum.hpp, the
// same code the signaling side signs with). Answers are Talk's, in the OCS envelope with HTTP 200,
// errors as {"type":"error","error":{code, message}} like Talk's:
//
// - auth: a user's hello (userid, ticket: talk_ticket.hpp) → the user id and display name;
//   `invalid_ticket` for a bad or expired ticket, `no_such_user` for a user that is gone. An
//   empty userid and ticket is a guest: no user in the answer.
// - room: join checks the Talk session id (from participants/active) belongs to that room and
//   user (a participant without one takes the signaling server's), and answers the room's
//   properties and the participant's permissions as the signaling server names them
//   (publish-media, publish-audio, publish-video, publish-screen, control); leave forgets the
//   session. `no_such_room` when the caller is no participant.
// - ping and session: acknowledged (Talk's session expiry by missing pings is not kept).
// - a bad checksum or body: `invalid_request`.
#pragma once

#include "signaling/backend/rest/api_call.hpp"

namespace tern::sig::backend::rest {

ApiResult<ApiReply> signaling_backend(ApiCall& call);

}  // namespace tern::sig::backend::rest
