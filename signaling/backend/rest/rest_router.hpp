// The Talk REST API's entry: a request in, a decision out (rest_exchange.hpp). Routes the OCS
// paths as Nextcloud names them to the API groups, reads the parameters (query, form or JSON
// body: request_params.hpp), authenticates (request_auth.hpp), and writes every outcome through
// the envelope (ocs_envelope.hpp), the one place an ApiError becomes a status and a body.
// After a successful change to a room it wakes the long polls of that room: the change may have
// posted a message (a comment, or the system message of a rename, a deletion, a reaction), and
// their answers go out with the reply (RestReply::woken).
//
// Paths (after /ocs/v2.php/ or /ocs/v1.php/):
//   cloud/capabilities                                          GET (no login)
//   apps/spreed/api/v{1,2,3}/signaling/backend                  POST (signed, no login)
//   apps/spreed/api/v3/signaling/settings                       GET
//   apps/spreed/api/v4/room                                     GET, POST
//   apps/spreed/api/v4/room/note-to-self                        GET
//   apps/spreed/api/v4/room/{token}                             GET, PUT, DELETE
//   apps/spreed/api/v4/room/{token}/description                 PUT
//   apps/spreed/api/v4/room/{token}/public                      POST, DELETE
//   apps/spreed/api/v4/room/{token}/password                    PUT
//   apps/spreed/api/v4/room/{token}/read-only                   PUT
//   apps/spreed/api/v4/room/{token}/webinar/lobby               PUT
//   apps/spreed/api/v4/room/{token}/participants                GET, POST, DELETE
//   apps/spreed/api/v4/room/{token}/participants/self           DELETE
//   apps/spreed/api/v4/room/{token}/participants/active         POST, DELETE
//   apps/spreed/api/v4/room/{token}/moderators                  POST, DELETE
//   apps/spreed/api/v1/chat/{token}                             GET, POST
//   apps/spreed/api/v1/chat/{token}/read                        POST, DELETE
//   apps/spreed/api/v1/chat/{token}/{messageId}                 PUT, DELETE
//   apps/spreed/api/v1/reaction/{token}/{messageId}             GET, POST, DELETE
#pragma once

#include "signaling/backend/rest/backend_service.hpp"
#include "signaling/backend/rest/rest_exchange.hpp"

#include <string_view>

namespace tern::sig::backend::rest {

/// Whether the REST layer serves `path` (an OCS path: /ocs/v1.php/... or /ocs/v2.php/...).
bool is_rest_path(std::string_view path) noexcept;

RestOutcome handle_rest(BackendService& service, const RestRequest& req, RestNow now);

/// The answer to a parked long poll that was woken or reached its deadline: the messages that
/// came since it parked, else 304. The waiter is already out of the ChatWaiters.
RestReply answer_parked(BackendService& service, const ParkedPoll& poll, RestNow now);

}  // namespace tern::sig::backend::rest
