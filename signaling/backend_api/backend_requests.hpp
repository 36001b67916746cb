// The bodies of the requests this server POSTs to a backend's signaling endpoint
// (<base>ocs/v2.php/apps/spreed/api/v3/signaling/backend), written without a document tree.
// The network edge signs and sends them (checksum.hpp); the hub decides when.
#pragma once

#include "signaling/api/backend_messages.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sig {

std::string write_backend_request(const api::BackendAuthRequest& r);
std::string write_backend_request(const api::BackendRoomRequest& r);
std::string write_backend_request(const api::BackendPingRequest& r);
std::string write_backend_request(const api::BackendSessionRequest& r);

/// Ping bodies for `entries`, at most `limit` entries each (the capability
/// config.signaling.session-ping-limit; 0: one body with all). With a limit, the reference server
/// merges all rooms of a backend under roomid "" (signaling-protocol.md §4 "Pings"). No entries,
/// no bodies.
std::vector<std::string> write_backend_pings(std::string_view room_id,
                                             std::span<const api::BackendPingEntry> entries,
                                             uint32_t limit);

/// The signaling endpoint of a backend's normalised base URL for API version 1, 2 or 3
/// (3 when its capabilities list "signaling-v3").
std::string backend_signaling_url(std::string_view base_url, int api_version);
/// <base>ocs/v2.php/cloud/capabilities
std::string backend_capabilities_url(std::string_view base_url);

}  // namespace tern::sig
