// Nextcloud's capabilities (GET /ocs/v2.php/cloud/capabilities, also v1.php), public like
// Nextcloud's: the server version and, under capabilities.spreed, the Talk features tern's API
// has and the config clients read before using it (nextcloud/spreed docs/capabilities.md):
// attachments (off: no file uploads yet), chat (max-length 32000, read privacy), conversations
// (can-create), call (enabled, no recording or breakout rooms, SIP off), signaling
// (session-ping-limit, which the signaling server reads). Only features tern serves are listed,
// so a client does not call what is not there.
#pragma once

#include "signaling/backend/rest/api_call.hpp"

#include <string_view>
#include <vector>

namespace tern::sig::backend::rest {

ApiResult<ApiReply> capabilities(ApiCall& call);

/// The spreed features tern's API offers.
const std::vector<std::string_view>& spreed_features();

}  // namespace tern::sig::backend::rest
