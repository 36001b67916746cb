// The values both configuration readers (server_conf.hpp, tern_conf_group.hpp) share: lists,
// numbers, listen addresses, IP ranges, URLs and the checks on secrets. Each returns the value or
// a message for people; the reader adds the file, line and key.
#pragma once

#include "common/result.hpp"
#include "signaling/config/signaling_config.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sig {

/// Our session ids are HMAC-SHA256 tagged under the hash key (SessionIds::kMinKeyLen), so it
/// must be a real key; the reference server only warns below 32 bytes.
inline constexpr std::size_t kMinHashKeyLen = 32;

/// Non-empty, trimmed pieces of `s` between any of the `separators` (the reference's
/// SplitEntries, with a set of separators instead of one).
std::vector<std::string> split_list(std::string_view s, std::string_view separators);

/// goconf's booleans: t, true, y, yes, on, 1 and f, false, n, no, off, 0, in any case.
Result<bool, std::string> parse_bool(std::string_view s);

/// A decimal whole number in [0, max].
Result<uint64_t, std::string> parse_uint(std::string_view s, uint64_t max);

/// "host:port", ":port" (every address, dual-stack) or "[v6]:port"; the host is an IP literal
/// or a DNS name, the port 0..65535.
Result<ListenAddress, std::string> parse_listen_address(std::string_view s);

/// An IPv4 or IPv6 address, optionally with a prefix length ("10.0.0.0/8", "::1").
bool is_ip_or_cidr(std::string_view s);

/// A backend URL in normal form (normalize_backend_url), or why it is not one.
Result<std::string, std::string> parse_backend_url(std::string_view s);

/// A proxy URL: ws:// or wss:// (http:// and https:// become ws:// and wss://, as the reference
/// server does); the edge resolves "proxy" against it, as the reference does.
Result<std::string, std::string> parse_proxy_url(std::string_view s);

/// A NATS URL: nats:// or tls://; ":loopback:" (the old spelling) becomes "nats://loopback".
Result<std::string, std::string> parse_nats_url(std::string_view s);

/// A TURN server URI for clients: turn: or turns:.
bool is_turn_uri(std::string_view s);

/// What is wrong with a session hash key or block key; nullopt when it is fine.
std::optional<std::string> hash_key_problem(std::string_view key);
std::optional<std::string> block_key_problem(std::string_view key);

/// The message for an MCU type tern-signaling does not drive ("janus", typos).
std::string unsupported_mcu_type(std::string_view type);

}  // namespace tern::sig
