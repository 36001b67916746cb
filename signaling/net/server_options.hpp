// How the edge runs, beyond SignalingConfig: shard count, the features it advertises, and the
// protocol's timers (§1 of docs/signaling-protocol.md), which tests shorten.
#pragma once

#include "signaling/backend/rest/backend_service.hpp"
#include "signaling/net/static_files.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tern::sig::net {

struct WsTimings {
    std::chrono::milliseconds ping_interval{54'000};  // WS ping, payload the Unix time in ns
    std::chrono::milliseconds read_timeout{60'000};   // reset by any frame or pong
    std::chrono::milliseconds write_timeout{10'000};  // one frame (or ping, or close) written
    std::chrono::milliseconds handshake_timeout{30'000};
};

struct ServerOptions {
    unsigned shards = 1;
    /// X-Spreed-Signaling-Features of every response (server_features(config, false)).
    std::vector<std::string> features;
    /// The Server header: must start with "nextcloud-spreed-signaling/" (Talk reads the version).
    std::string server_name;
    WsTimings ws;
    std::chrono::milliseconds tick{250};                     // Handler::on_tick
    std::chrono::milliseconds backend_post_timeout{60'000};  // then 504
    std::chrono::milliseconds http_idle_timeout{60'000};     // a keep-alive HTTP connection
    std::chrono::milliseconds stop_grace{5'000};             // graceful stop, then hard
    /// Delay failed backend authentications as the brute-force limiter asks (off in tests,
    /// where ten delays would add up to minutes).
    bool delay_failures = true;
    /// The embedded backend of shard i (its own Store connection), when Talk's REST API is
    /// served (/ocs/...); empty: it is not. Called once per shard, on the starting thread; may
    /// throw (a database that does not open), which fails the start.
    std::function<std::unique_ptr<backend::rest::BackendService>(unsigned shard)> rest_backend;
    /// How long a long poll's connection may stay silent beyond its timeout.
    std::chrono::milliseconds long_poll_slack{15'000};
    /// The web client's files, loaded once and only read after (every shard shares them); null
    /// when none is served. `web_unavailable`: why a configured one could not be loaded, said at
    /// "/" (503) instead of a bare 404.
    std::shared_ptr<const StaticFiles> web;
    std::string web_unavailable;
};

}  // namespace tern::sig::net
