// tern-signaling's configuration as the `signaling` group of tern's own libconfig file
// (etc/tern.conf; other groups belong to other processes and are not looked at). The keys are
// SignalingConfig's fields in snake_case; the checks and defaults are server_conf.hpp's, so
// equivalent files give equal configurations:
//
//   signaling = {
//     listen = ["127.0.0.1:8080"];          # plain HTTP; tls_listen + tls_certificate/tls_key
//     hash_key = "...32 bytes or more...";  block_key = "";  internal_secret = "...";
//     backends = ( { id = "nc"; url = "https://nc.example/"; secret = "..."; } );
//                                           # or urls = [...]; session_limit, max_stream_bitrate,
//                                           # max_screen_bitrate; allow_all + common_secret
//     mcu = { type = "proxy"; url = ["ws://127.0.0.1:9090"]; token_id = "tern";
//             token_key = "/etc/tern/signaling-proxy.key"; };
//     turn = { api_key = "..."; secret = "..."; servers = ["turn:turn.example:3478"]; };
//     stats_allowed_ips = ["127.0.0.1"];  trusted_proxies = [];  nats_urls = [];
//     threads = 0;  node_id = 1;  send_queue_bytes = 1048576;  max_sessions = 0;
//     backend = { database = "/var/lib/tern/backend.db"; };   # the embedded Talk backend
//   };
//
// Errors name the file, the setting's line and its path ("signaling.backends.[0].url").
#pragma once

#include "common/result.hpp"
#include "signaling/config/load_config.hpp"

#include <string>

namespace tern::sig {

/// `file` names the text in messages.
Result<LoadedConfig, ConfigError> parse_tern_conf_group(const std::string& text,
                                                        const std::string& file);

/// Only `signaling.backend` (defaults when absent), checked as parse_tern_conf_group checks it:
/// for tools that work on the backend's database (ternctl user, backup, restore) and must not
/// need the server's secret files.
Result<EmbeddedBackendConfig, ConfigError> parse_embedded_backend(const std::string& text,
                                                                  const std::string& file);
/// The same from the file at `path`.
Result<EmbeddedBackendConfig, ConfigError> load_embedded_backend(const std::string& path);

}  // namespace tern::sig
