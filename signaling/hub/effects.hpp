// What the hub decides and the network edge carries out: frames to write, connections to close,
// requests to a backend (Nextcloud), answers to a backend's own HTTP request. The hub never
// touches a socket; it returns Effects from every call (as TurnServer returns a TurnAction), so
// the protocol is tested without sockets and the edge is the only place that does I/O. With an
// SFU configured, the MCU client's connection effects (mcu_effects.hpp) ride along: proxy
// WebSockets to open or close and frames for them. In a cluster, so do the bus's: events to
// publish and subjects to (un)subscribe (cluster_effects.hpp).
#pragma once

#include "signaling/cluster/cluster_effects.hpp"
#include "signaling/mcu/mcu_effects.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::sig {

/// One client WebSocket connection, numbered by the edge; never reused within a process.
using ConnId = uint64_t;
/// One request to a backend in flight, numbered by the hub; the reply names it.
using CallId = uint64_t;
/// One HTTP request from a backend (POST /api/v1/room/...) awaiting its answer, numbered by the
/// edge.
using HttpId = uint64_t;

/// A text frame for a connection, in the order the hub returned them: its own (`text`), or one
/// shared by every connection a fan-out reaches (`shared`), written from that one copy.
struct SendFrame {
    ConnId conn = 0;
    std::string text;
    std::shared_ptr<const std::string> shared;

    [[nodiscard]] std::string_view frame() const noexcept {
        return shared ? std::string_view(*shared) : std::string_view(text);
    }
};

/// Close a connection after the frames queued for it before this effect.
struct CloseConn {
    ConnId conn = 0;
};

/// Who is at the other end of a client connection, as the edge learnt it.
struct ClientInfo {
    std::string ip;  // after X-Real-Ip / X-Forwarded-For from trusted proxies
    std::string user_agent;
    std::string country;         // "" when unknown
    bool limits_exempt = false;  // in [limits] exempt: no per-address hello rate
};

/// A connection whose hello resumes a session another shard of this process holds
/// (docs/signaling.md, "Shards"): the edge hands the connection to that shard, which gets it as
/// opened by `who` and then `hello` as its first frame; from then on every frame of it goes to
/// that shard's hub, and this hub hears of it no more.
struct HandOff {
    ConnId conn = 0;
    unsigned shard = 0;
    ClientInfo who;
    std::string hello;
};

enum class HttpMethod : uint8_t { Get, Post };

/// A request to backend number `backend` (its index in the configuration): the edge signs a POST
/// (Spreed-Signaling-Random/-Checksum with that backend's secret, OCS-APIRequest: true, JSON),
/// sends it, and reports the outcome with the same CallId, within the configured timeout.
struct BackendCall {
    CallId call = 0;
    std::size_t backend = 0;
    HttpMethod method = HttpMethod::Post;
    std::string url;            // absolute
    std::string body;           // POST only
    std::string if_none_match;  // GET only: an ETag to revalidate (capabilities), "" for none
};

/// How a BackendCall ended. `transport_ok` false: connect error, TLS error or timeout (status 0).
struct BackendReply {
    bool transport_ok = false;
    int status = 0;
    std::string content_type;
    std::string etag;        // GET (capabilities): for revalidation
    uint64_t max_age_s = 0;  // Cache-Control max-age, 0 when absent
    std::string body;
};

/// The answer to a backend's HTTP request (status and JSON body); the edge adds the Server,
/// X-Spreed-Signaling-Features, Date and Content-Type headers.
struct HttpAnswer {
    HttpId http = 0;
    int status = 200;
    std::string body;
};

struct Effects {
    std::vector<SendFrame> sends;
    std::vector<CloseConn> closes;
    std::vector<BackendCall> calls;
    std::vector<HttpAnswer> answers;
    // The MCU client's: carried out in the order frames, closes, opens.
    std::vector<mcu::OpenProxy> proxy_opens;
    std::vector<mcu::CloseProxy> proxy_closes;
    std::vector<mcu::ProxyFrame> proxy_frames;
    // The cluster bus's: interest changes in order, then publishes.
    std::vector<cluster::Interest> cluster_interest;
    std::vector<cluster::Publish> cluster_publishes;
    // The session store's (JetStream), after those: writes, look-ups, replays.
    std::vector<cluster::StoreOp> cluster_store;
    std::vector<cluster::LoadSession> cluster_loads;
    std::vector<cluster::ReplayRequest> cluster_replays;
    // Connections for another shard, after the frames and closes above.
    std::vector<HandOff> handoffs;

    void send(ConnId c, std::string text) { sends.push_back({c, std::move(text), nullptr}); }
    void send(ConnId c, std::shared_ptr<const std::string> frame) {
        sends.push_back({c, {}, std::move(frame)});
    }
    void close(ConnId c) { closes.push_back({c}); }
    void call(BackendCall bc) { calls.push_back(std::move(bc)); }
    void answer(HttpId h, int status, std::string body) {
        answers.push_back({h, status, std::move(body)});
    }
    void merge(Effects&& o);
    [[nodiscard]] bool empty() const noexcept {
        return sends.empty() && closes.empty() && calls.empty() && answers.empty() &&
               proxy_opens.empty() && proxy_closes.empty() && proxy_frames.empty() &&
               cluster_interest.empty() && cluster_publishes.empty() && cluster_store.empty() &&
               cluster_loads.empty() && cluster_replays.empty() && handoffs.empty();
    }
};

inline void Effects::merge(Effects&& o) {
    for (auto& s : o.sends) {
        sends.push_back(std::move(s));
    }
    for (auto& c : o.closes) {
        closes.push_back(c);
    }
    for (auto& c : o.calls) {
        calls.push_back(std::move(c));
    }
    for (auto& a : o.answers) {
        answers.push_back(std::move(a));
    }
    for (auto& p : o.proxy_opens) {
        proxy_opens.push_back(std::move(p));
    }
    for (auto& p : o.proxy_closes) {
        proxy_closes.push_back(p);
    }
    for (auto& p : o.proxy_frames) {
        proxy_frames.push_back(std::move(p));
    }
    for (auto& i : o.cluster_interest) {
        cluster_interest.push_back(std::move(i));
    }
    for (auto& p : o.cluster_publishes) {
        cluster_publishes.push_back(std::move(p));
    }
    for (auto& st : o.cluster_store) {
        cluster_store.push_back(std::move(st));
    }
    for (auto& l : o.cluster_loads) {
        cluster_loads.push_back(std::move(l));
    }
    for (auto& r : o.cluster_replays) {
        cluster_replays.push_back(std::move(r));
    }
    for (auto& h : o.handoffs) {
        handoffs.push_back(std::move(h));
    }
}

}  // namespace tern::sig
