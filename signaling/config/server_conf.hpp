// The reference server's server.conf (ini_reader.hpp) → SignalingConfig, so an operator swaps
// the binary and keeps the file. Keys are those of the reference (server_conf_keys.hpp), plus a
// [tern] section for tern's own: threads, node_id, send_queue_bytes, max_sessions.
//
// As the reference reads it:
// - "%(name)s" in a value is the key `name` of the same section, else of the entries before
//   the first section; "$(VAR)" in secrets, URLs and listen addresses is the environment
//   variable VAR (an unset VAR is an error here; the reference would use the text "VAR");
// - [http]/[https] listen are lists separated by spaces (commas accepted too);
// - backends: [backend] allowall wins over backends, which wins over the old `allowed` list;
//   a backend without a secret of its own uses [backend] secret;
// - [mcu] url with no type means janus to the reference; type janus is refused here, since
//   tern-signaling drives tern's SFU through the proxy protocol.
//
// Where tern is stricter (each an error naming file, line and key): unknown sections and keys,
// values that are not numbers, booleans, addresses or URLs, a hash key under 32 bytes (our
// session ids are HMAC-signed with it), a listed backend without its section, URL or secret, a
// URL claimed by two backends, TURN servers without apikey and secret, a proxy MCU without URLs,
// token_id or token_key. Keys only the reference uses (grpc, etcd, geoip, federation, ...) are
// accepted and listed in LoadedConfig::warnings.
//
// Defaults: when neither [http] nor [https] has a listen, tern-signaling listens on
// 127.0.0.1:8080 (the value server.conf.in suggests; the reference would serve nothing) and
// says so in a warning.
#pragma once

#include "common/result.hpp"
#include "signaling/config/load_config.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tern::sig {

/// The environment, injected so tests need not set variables; nullopt: not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (getenv).
std::optional<std::string> process_env(const std::string& name);

/// `file` names the text in messages.
Result<LoadedConfig, ConfigError> parse_server_conf(std::string_view text, const std::string& file,
                                                    const EnvLookup& env = process_env);

}  // namespace tern::sig
