// The hub as the network edge sees it: every event of a connection, of a backend call and of a
// backend's HTTP request goes in, Effects come out. The edge (signaling/net/) owns sockets,
// TLS, timers and HTTP; one Handler serves the connections of one shard (thread) and is only
// ever called from that thread.
#pragma once

#include "signaling/hub/effects.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sig {

/// A backend's POST /api/v1/room/{id} that passed check_backend_post (checksum verified).
struct BackendPostRequest {
    HttpId http = 0;
    std::size_t backend = 0;  // index in the configuration
    std::string room_id;
    std::string body;
    std::string ip;
};

/// Counts for /api/v1/stats and /metrics.
struct HubStats {
    uint64_t sessions = 0;
    uint64_t rooms = 0;
    uint64_t connections = 0;
    uint64_t backend_calls_in_flight = 0;
    uint64_t hellos_rate_limited = 0;  // hellos refused too_many_requests by the rate limit
};

class Handler {
public:
    virtual ~Handler() = default;
    /// A new WebSocket connection: the welcome frame, and the hello deadline starts.
    virtual Effects on_open(ConnId conn, const ClientInfo& who, uint64_t now_us) = 0;
    /// A connection another shard accepted and handed over (Effects::handoffs): registered
    /// without a welcome (it had one), then `h.hello` as its first frame.
    virtual Effects on_handoff(const HandOff& /*h*/, uint64_t /*now_us*/) { return {}; }
    /// One complete text frame (at most api::kMaxClientFrame bytes; the edge closes on larger).
    virtual Effects on_text(ConnId conn, std::string_view frame, uint64_t now_us) = 0;
    /// One binary frame: answered invalid_format, the connection stays.
    virtual Effects on_binary(ConnId conn, uint64_t now_us) = 0;
    /// The connection is gone (peer closed, read deadline, write error, or a CloseConn done).
    virtual Effects on_close(ConnId conn, uint64_t now_us) = 0;
    virtual Effects on_backend_reply(CallId call, BackendReply reply, uint64_t now_us) = 0;
    /// Its answer comes in Effects::answers, now or from a later call (dial-out waits).
    virtual Effects on_backend_post(const BackendPostRequest& req, uint64_t now_us) = 0;
    /// Called by the edge at least every 250 ms: timeouts, resume expiry, backend pings.
    virtual Effects on_tick(uint64_t now_us) = 0;
    [[nodiscard]] virtual HubStats stats() const = 0;

    // The SFU's proxy connections (Effects::proxy_opens): `proxy` is the URL's index in [mcu] url.
    // Handlers without an SFU never open one, hence the empty defaults.
    /// The WebSocket to the proxy is open.
    virtual Effects on_proxy_open(std::size_t /*proxy*/, uint64_t /*now_us*/) { return {}; }
    /// One text frame from the proxy.
    virtual Effects on_proxy_frame(std::size_t /*proxy*/, std::string_view /*frame*/,
                                   uint64_t /*now_us*/) {
        return {};
    }
    /// The connection failed or dropped (not called after a CloseProxy the handler asked for).
    virtual Effects on_proxy_closed(std::size_t /*proxy*/, uint64_t /*now_us*/) { return {}; }

    /// One message from the cluster bus on a subject the handler subscribed to
    /// (Effects::cluster_interest); `seq` is its sequence in the session stream, 0 when the
    /// subject is not kept there or the bus has no JetStream. Handlers outside a cluster never
    /// subscribe.
    virtual Effects on_cluster_message(std::string_view /*subject*/, std::string_view /*payload*/,
                                       uint64_t /*seq*/, uint64_t /*now_us*/) {
        return {};
    }
    /// One event from another shard of this process on a subject the handler subscribed to (the
    /// bus between shards passes events as values, never encoded).
    virtual Effects on_cluster_event(std::string_view /*subject*/, const cluster::Event& /*event*/,
                                     uint64_t /*now_us*/) {
        return {};
    }
    /// What Effects::cluster_loads found for `conn` (both values "" when nothing, or without
    /// JetStream).
    virtual Effects on_session_loaded(ConnId /*conn*/, const cluster::LoadedSession& /*loaded*/,
                                      uint64_t /*now_us*/) {
        return {};
    }
    /// The messages an Effects::cluster_replays asked for, in sequence order (none without
    /// JetStream).
    virtual Effects on_session_replay(const std::string& /*session*/,
                                      std::vector<cluster::StreamMessage>&& /*messages*/,
                                      uint64_t /*now_us*/) {
        return {};
    }
};

}  // namespace tern::sig
