// The HTTP client for BackendCalls: the signed POSTs of the backend API (§4) and the GET of a
// Nextcloud's capabilities. One per shard, used from its thread only. Connections are kept alive
// and pooled per scheme, host and port, at most `connections_per_host` at a time; requests beyond
// that wait for a connection. Every request ends, with a reply or an error, within the timeout
// counted from execute() (queueing included); the callback runs on the shard's thread, never
// from inside execute().
#pragma once

#include "signaling/hub/effects.hpp"
#include "signaling/net/http_url.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tern::sig::net {

enum class CallOutcome : uint8_t { Ok, HttpError, TransportError, Timeout };

struct BackendClientOptions {
    std::chrono::milliseconds timeout{10'000};
    unsigned connections_per_host = 8;
    bool verify_tls = true;
    std::string user_agent;  // "nextcloud-spreed-signaling/<version>"
    std::string features;    // X-Spreed-Signaling-Features
    std::size_t max_response = 8 << 20;
};

class BackendClient {
public:
    using Done = std::function<void(BackendReply, CallOutcome)>;

    BackendClient(boost::asio::io_context& io, BackendClientOptions options);
    ~BackendClient();
    BackendClient(const BackendClient&) = delete;
    BackendClient& operator=(const BackendClient&) = delete;

    /// POST `body` signed with `secret` (Spreed-Signaling-Random/-Checksum), or GET without a
    /// signature; `url` absolute http(s).
    /// `if_none_match`: an ETag for a GET to revalidate (a 304 comes back as status 304).
    void execute(HttpMethod method, std::string_view url, std::string body, std::string_view secret,
                 Done done, std::string_view if_none_match = {});

    /// Drops the idle kept-alive connections (at stop; requests in flight finish).
    void close_idle();

    /// Connections opened so far (tests check the pool reuses them).
    [[nodiscard]] uint64_t connections_opened() const noexcept { return opened_; }

    class Exchange;  // one request, from execute() to its callback
    struct Conn;     // one kept-alive connection, plain or TLS

private:
    struct Pool {
        std::vector<std::unique_ptr<Conn>> idle;
        unsigned busy = 0;
        std::deque<std::shared_ptr<Exchange>> waiting;
    };

    void dispatch(const std::shared_ptr<Exchange>& ex);
    /// An exchange is done with its connection: keep it (kept alive) or drop it; next in line.
    void release(const std::string& pool_key, std::unique_ptr<Conn> keep);
    void forget_waiting(const std::shared_ptr<Exchange>& ex);
    std::unique_ptr<Conn> new_conn(bool tls);

    boost::asio::io_context& io_;  // borrowed, outlives this
    BackendClientOptions options_;
    boost::asio::ssl::context tls_;
    std::unordered_map<std::string, Pool> pools_;
    uint64_t opened_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // exchanges outliving this
};

}  // namespace tern::sig::net
