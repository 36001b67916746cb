// The features this server advertises (signaling-protocol.md §3.11): in welcome, in the hello
// reply's server.features, and in the X-Spreed-Signaling-Features header of every HTTP answer,
// which Talk checks for the features it requires. One function, so the three never disagree.
#pragma once

#include "signaling/config/signaling_config.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tern::sig {

/// The features for one kind of client, sorted. `internal_client`: an internal client's hello
/// (virtual-sessions, no audio-video-permissions).
std::vector<std::string_view> server_features(const SignalingConfig& cfg, bool internal_client);

/// What welcome and the HTTP headers list: the union of both kinds, sorted.
std::vector<std::string_view> welcome_features(const SignalingConfig& cfg);

/// The header's value: the welcome features joined by ", ".
std::string features_header(const SignalingConfig& cfg);

}  // namespace tern::sig
