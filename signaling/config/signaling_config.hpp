// tern-signaling's configuration as one typed value. It is read either from the reference
// server's server.conf (INI; server_conf.hpp) so an operator swaps the binary and keeps the file,
// or from the `signaling` group of tern's own libconfig file (tern_conf_group.hpp). Both readers
// validate everything here; the rest of the server trusts these values.
#pragma once

#include "signaling/backend_api/backend_url.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tern::sig {

struct ListenAddress {
    std::string host;   // "127.0.0.1", "::", "0.0.0.0", or a name to resolve; "::" for ":8080"
                        // (Go listens dual-stack there, so the edge binds "::" with v6only off)
    uint16_t port = 0;  // 0: any free port (tests)
};

struct BackendConfig {
    BackendEntry entry;             // id, normalised url, secret
    std::vector<std::string> urls;  // every normalised URL of this backend (entry.url is the first)
    uint32_t session_limit = 0;     // 0: none
    uint64_t max_stream_bitrate = 0;  // bit/s, 0: none
    uint64_t max_screen_bitrate = 0;
};

enum class McuType : uint8_t { None, Proxy };

struct McuConfig {
    McuType type = McuType::None;
    std::vector<std::string> urls;  // ws:// or wss:// proxy URLs (tern control planes)
    std::string token_id;           // the `iss` of our proxy tokens
    std::string token_key_file;     // PEM RSA private key signing them
    uint64_t max_stream_bitrate = 1048576;
    uint64_t max_screen_bitrate = 2097152;
    uint32_t timeout_s = 2;    // per request to a proxy ([mcu] proxytimeout)
    bool skip_verify = false;  // wss:// without certificate checks (development only)
};

struct TurnConfig {
    std::string api_key;               // /turn/credentials key
    std::string secret;                // TURN REST shared secret
    std::vector<std::string> servers;  // turn: URIs
};

/// Per-address limits of client connections ([limits] in server.conf, `limits` in tern.conf;
/// docs/signaling.md, Operations). 0 turns a limit off.
struct LimitsConfig {
    uint32_t connections_per_ip = 500;   // open /spreed WebSockets per address (IPv6: per /64)
    uint32_t hellos_per_second = 10;     // sustained hello rate per address
    uint32_t hello_burst = 100;          // hellos an idle address may send at once
    uint32_t tracked_addresses = 65536;  // table size of each limiter (fixed memory)
    std::vector<std::string> exempt;     // addresses and CIDRs never limited (loopback included
                                         // only when listed)
};

/// The embedded Talk backend (signaling/backend/; docs/admin.md): `backend` in tern.conf's
/// `signaling` group. When enabled, tern-signaling serves Talk's REST API (/ocs/...) from it and
/// uses it as a backend of its own (main.cpp registers it under `url`).
struct EmbeddedBackendConfig {
    std::string database = "/var/lib/tern/backend.db";  // the SQLite file (absolute path)
    /// tern.conf: on unless Nextcloud backends are configured (`backends` or allow_all);
    /// `enabled` says otherwise. Always off with a reference server.conf.
    bool enabled = false;
    /// The URL clients reach this server by (normal form); "" : http:// and the first listen
    /// address (a wildcard address as 127.0.0.1).
    std::string url;
};

struct SignalingConfig {
    // [http] / [https]
    std::vector<ListenAddress> http_listen;  // empty: no plain HTTP listener
    std::vector<ListenAddress> https_listen;
    std::string tls_certificate;  // PEM files for https
    std::string tls_key;
    uint32_t http_read_timeout_s = 15;  // the reference server's defaults
    uint32_t http_write_timeout_s = 30;
    uint32_t https_read_timeout_s = 15;
    uint32_t https_write_timeout_s = 30;
    // [app]
    bool debug = false;
    // [sessions]
    std::string hash_key;   // at least 32 bytes (SessionIds::kMinKeyLen)
    std::string block_key;  // 16, 24 or 32 bytes when set
    // [clients]
    std::string internal_secret;  // "" : internal clients refused (invalid_client_type)
    // [backend] and its per-backend sections
    std::vector<BackendConfig> backends;
    bool allow_all = false;  // any backend URL, with common_secret
    std::string common_secret;
    uint32_t backend_timeout_s = 10;
    uint32_t connections_per_host = 8;
    bool backend_skip_verify =
        false;  // [backend] skipverify: accept any TLS certificate (tests only)
    // [nats]
    std::vector<std::string> nats_urls;  // empty or "nats://loopback": this node alone
    // [mcu]
    McuConfig mcu;
    // [turn]
    TurnConfig turn;
    // [stats]
    std::vector<std::string> stats_allowed_ips = {"127.0.0.1", "::1"};
    std::vector<std::string> trusted_proxies;  // empty: the default (loopback and private ranges)
    // tern's own (tern.conf `signaling` group, or [tern] in server.conf)
    uint32_t threads = 0;                 // 0: one per core
    uint16_t node_id = 0;                 // cluster-unique; in session ids
    uint32_t send_queue_bytes = 1 << 20;  // per session; beyond it the client is a slow consumer
    uint32_t max_sessions = 0;            // 0: as many as file descriptors allow
    uint32_t shutdown_grace_ms = 5000;    // SIGTERM: how long writes may drain before the exit
    LimitsConfig limits;
    EmbeddedBackendConfig backend;
    /// The web client's built files (signaling/web/dist, docs/user-guide.md), served at "/";
    /// "" serves none. tern.conf's `web_root`, relative to the file's folder when not absolute.
    std::string web_root;
};

}  // namespace tern::sig
