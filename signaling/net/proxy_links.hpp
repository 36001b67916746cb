// The edge's WebSocket connections to the SFU's proxies (tern control planes, MCU proxy protocol):
// at most one per [mcu] url, opened, fed and closed as the hub's Effects say (proxy_opens,
// proxy_frames, proxy_closes), reporting back when one is open, each text frame, and when one
// failed or dropped. The protocol itself (hello, requests, resume) is McuClient's. One per shard,
// used from its thread only; callbacks run on that thread, never from inside a call.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tern::sig::net {

struct ProxyLinkEvents {
    std::function<void(std::size_t proxy)> opened;
    std::function<void(std::size_t proxy, std::string_view frame)> frame;
    /// The connection failed or dropped (not after close(): the caller asked for that).
    std::function<void(std::size_t proxy)> closed;
};

struct ProxyLinkOptions {
    bool verify_tls = true;                  // wss:// certificate and host name checks
    uint64_t connect_timeout_ms = 10'000;    // resolve, connect, TLS and WebSocket handshakes
    std::size_t max_frame = 1 << 20;         // a proxy's frames (SDP offers) stay well below
    std::size_t max_queued_bytes = 4 << 20;  // frames waiting to be written; beyond: the link drops
};

class ProxyLinks {
public:
    ProxyLinks(boost::asio::io_context& io, ProxyLinkOptions options, ProxyLinkEvents events);
    ~ProxyLinks();
    ProxyLinks(const ProxyLinks&) = delete;
    ProxyLinks& operator=(const ProxyLinks&) = delete;

    /// Connects to `url` (ws:// or wss://, path included); a link `proxy` already had is
    /// dropped first without a `closed` event. A URL that does not parse reports `closed`.
    void open(std::size_t proxy, const std::string& url);
    /// Queues a text frame; dropped (and counted) when `proxy` has no open link.
    void send(std::size_t proxy, std::string text);
    /// Closes `proxy`'s link after the frames queued before; no `closed` event follows.
    void close(std::size_t proxy);
    /// Closes every link (the server stops).
    void close_all();

    [[nodiscard]] uint64_t frames_dropped() const noexcept { return dropped_; }
    [[nodiscard]] bool is_open(std::size_t proxy) const;
    /// The URL `proxy` was last opened with ("" before that), for logs.
    [[nodiscard]] std::string url(std::size_t proxy) const;

    class Link;  // one connection, plain or TLS

private:
    boost::asio::io_context& io_;
    ProxyLinkOptions options_;
    ProxyLinkEvents events_;
    boost::asio::ssl::context tls_;
    std::unordered_map<std::size_t, std::shared_ptr<Link>> links_;
    std::unordered_map<std::size_t, std::string> urls_;  // as last opened
    uint64_t dropped_ = 0;
};

}  // namespace tern::sig::net
