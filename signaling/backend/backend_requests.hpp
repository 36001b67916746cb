// The bodies of the requests this server POSTs to a backend's signaling endpoint
// (<base>ocs/v2.php/apps/spreed/api/v3/signaling/backend), written without a document tree.
// The network edge signs and sends them (checksum.hpp); the hub decides when.
#pragma once

#include "signaling/api/backend_messages.hpp"

#include <string>
#include <string_view>

namespace tern::sig {

std::string write_backend_request(const api::BackendAuthRequest& r);
std::string write_backend_request(const api::BackendRoomRequest& r);
std::string write_backend_request(const api::BackendPingRequest& r);
std::string write_backend_request(const api::BackendSessionRequest& r);

/// The signaling endpoint of a backend's normalised base URL for API version 1, 2 or 3
/// (3 when its capabilities list "signaling-v3").
std::string backend_signaling_url(std::string_view base_url, int api_version);
/// <base>ocs/v2.php/cloud/capabilities
std::string backend_capabilities_url(std::string_view base_url);

}  // namespace tern::sig
