// tern-signaling's network edge: N shards (threads), each with its own io_context, Handler and
// SO_REUSEPORT acceptor on every configured address, plain and TLS. The kernel spreads new
// connections over the shards; a connection never leaves the shard that accepted it.
//
// Lifecycle: construct, start() (binds everything or fails with the reason), then stop() from
// any thread but the shards' (graceful: no more accepts, WebSockets closed with a close frame,
// waiting backend requests answered 503, then the threads joined; whatever is still running
// after options.stop_grace is cut). reload_certificate() swaps the HTTPS certificate for new
// connections (SIGHUP).
#pragma once

#include "common/log.hpp"
#include "common/result.hpp"
#include "signaling/config/signaling_config.hpp"
#include "signaling/hub/handler.hpp"
#include "signaling/net/server_options.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tern::sig::net {

struct EdgeContext;
class Shard;
class TlsHolder;

class Server {
public:
    /// Builds the Handler of one shard; called on the constructing thread, once per shard.
    using HandlerFactory = std::function<std::unique_ptr<Handler>(unsigned shard)>;

    /// `config` is borrowed and must outlive the server.
    Server(const SignalingConfig& config, ServerOptions options, HandlerFactory factory,
           const Logger& log);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    Result<bool, std::string> start();
    void stop();
    Result<bool, std::string> reload_certificate();

    /// The bound addresses (a configured port 0 resolved), in configuration order.
    [[nodiscard]] const std::vector<boost::asio::ip::tcp::endpoint>& http_endpoints() const {
        return http_bound_;
    }
    [[nodiscard]] const std::vector<boost::asio::ip::tcp::endpoint>& https_endpoints() const {
        return https_bound_;
    }
    [[nodiscard]] EdgeContext& context() { return *ctx_; }
    [[nodiscard]] unsigned shard_count() const noexcept {
        return static_cast<unsigned>(shards_.size());
    }

private:
    Result<bool, std::string> bind_all(const std::vector<ListenAddress>& where, bool tls,
                                       std::vector<boost::asio::ip::tcp::endpoint>& bound);

    const SignalingConfig& config_;  // borrowed
    const Logger& log_;
    HandlerFactory factory_;
    std::unique_ptr<EdgeContext> ctx_;
    std::unique_ptr<TlsHolder> tls_;
    std::vector<std::unique_ptr<Shard>> shards_;
    std::vector<std::thread> threads_;
    std::vector<boost::asio::ip::tcp::endpoint> http_bound_;
    std::vector<boost::asio::ip::tcp::endpoint> https_bound_;
    bool running_ = false;
};

/// RLIMIT_NOFILE before and after raise_file_limit().
struct FileLimit {
    uint64_t soft_before = 0;
    uint64_t soft = 0;  // in force now
    uint64_t hard = 0;
    bool raised_ok = true;  // false: setrlimit refused (the soft limit stayed)
};

/// Raises RLIMIT_NOFILE's soft limit to its hard limit (every client is a descriptor, and the
/// usual soft default of 1024 would cap a node at about a thousand clients).
FileLimit raise_file_limit();

}  // namespace tern::sig::net
