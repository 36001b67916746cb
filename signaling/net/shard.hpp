// One shard of the edge: a thread with its own io_context and its own Handler. Every connection
// accepted by this shard's acceptors lives and dies here, so the Handler is called from one
// thread only and nothing of a connection is locked. The shard is also the effects runner: it
// carries out what the Handler returns (frames, closes, backend calls, HTTP answers, proxy
// connections and their frames, the cluster bus's subscriptions and messages) in the order of
// Effects' lists.
#pragma once

#include "common/log.hpp"
#include "common/result.hpp"
#include "signaling/cluster/nats_link.hpp"
#include "signaling/hub/handler.hpp"
#include "signaling/net/backend_client.hpp"
#include "signaling/net/edge_context.hpp"
#include "signaling/net/proxy_links.hpp"
#include "signaling/net/rest_edge.hpp"
#include "signaling/net/ws_link.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace tern::sig::net {

/// The server's TLS certificate, swapped whole on reload; connections keep the one they began
/// with alive through their shared_ptr.
class TlsHolder {
public:
    void set(std::shared_ptr<boost::asio::ssl::context> ctx) {
        std::lock_guard lock(mu_);
        ctx_ = std::move(ctx);
    }
    std::shared_ptr<boost::asio::ssl::context> get() const {
        std::lock_guard lock(mu_);
        return ctx_;
    }

private:
    mutable std::mutex mu_;
    std::shared_ptr<boost::asio::ssl::context> ctx_;  // guarded by mu_
};

class Shard {
public:
    using AnswerFn = std::function<void(const HttpAnswer&)>;

    Shard(unsigned index, std::unique_ptr<Handler> handler, EdgeContext& ctx, TlsHolder& tls,
          const Logger& log);
    ~Shard();
    Shard(const Shard&) = delete;
    Shard& operator=(const Shard&) = delete;

    /// Opens an acceptor on `at` (SO_REUSEPORT, so every shard binds the same address); returns
    /// its local endpoint or why it failed.
    Result<boost::asio::ip::tcp::endpoint, std::string>
    listen(const boost::asio::ip::tcp::endpoint& at, bool tls);

    /// With NATS configured ([nats] url other than nats://loopback): connects the shard's link to
    /// the cluster bus, before run(). Fails with the reason when no server answers.
    Result<bool, std::string> connect_cluster();

    /// Runs the io_context until stopped (the shard's thread).
    void run();
    /// Called on the shard's thread: stop accepting, close WebSockets with a close frame, answer
    /// waiting backend requests with 503; run() returns once the rest has finished.
    void begin_stop();

    boost::asio::io_context& io() noexcept { return io_; }
    [[nodiscard]] unsigned index() const noexcept { return index_; }
    EdgeContext& context() noexcept { return ctx_; }
    const Logger& log() const noexcept { return log_; }
    [[nodiscard]] bool stopping() const noexcept { return stopping_; }
    /// Why this shard cannot carry calls now, "" when it can: it is shutting down, or an SFU is
    /// configured ([mcu] type proxy) and none of its proxies is connected. For GET /readyz.
    [[nodiscard]] std::string not_ready() const;
    /// This shard's edge counters (written only from its thread).
    EdgeCounters& counters() noexcept { return ctx_.counters[index_]; }

    // From WebSocket connections, on this shard's thread. A connection handed to another shard
    // (Effects::handoffs) stays here, where its socket is, and its frames and its end are
    // forwarded to that shard, whose hub owns it now; what that hub sends comes back the same way.
    ConnId add_conn(std::weak_ptr<WsLink> link);
    void opened(ConnId conn, const ClientInfo& who);
    void text(ConnId conn, std::string_view frame);
    void binary(ConnId conn);
    void closed(ConnId conn);

    // From HTTP connections.
    uint64_t track(std::weak_ptr<Stoppable> s);
    void untrack(uint64_t token);
    /// The embedded backend's REST API on this shard (ServerOptions::rest_backend); null when
    /// it is off.
    RestEdge* rest() noexcept { return rest_.get(); }
    /// Hands an accepted backend POST to the handler; `done` gets its answer (or a 504 after the
    /// deadline, 503 on stop), exactly once, on this thread.
    void forward_backend_post(BackendPostRequest req, AnswerFn done);

    [[nodiscard]] HubStats handler_stats() const;
    /// Publishes this shard's HubStats into the shared snapshot.
    void publish_stats();

    /// The effects runner.
    void apply(Effects&& fx);

    /// Whether the shards carry the cluster bus between them (more than one shard, no NATS).
    [[nodiscard]] bool local_bus() const noexcept { return ctx_.shard_count > 1 && !nats_; }

private:
    struct Waiter {
        AnswerFn done;
        std::unique_ptr<boost::asio::steady_timer> deadline;
    };
    class Acceptor;
    class RelayLink;
    using BusBatch = std::vector<cluster::Publish>;

    /// Publishes on the bus between shards: to every other shard that wants the subject, in one
    /// posted batch per shard for this call's publishes.
    void publish_local(std::vector<cluster::Publish>& publishes);
    void on_bus_batch(const BusBatch& batch);
    /// Carries out a hand-off (on this thread) and adopts one (on the receiving shard's).
    void hand_off(HandOff&& h);
    void adopt(Shard* from, HandOff&& h);
    // A relayed connection: its frames and end, on the adopting shard's thread.
    void relayed_text(ConnId conn, const std::string& frame);
    void relayed_binary(ConnId conn);
    void relayed_closed(ConnId conn);
    /// A frame to one of this shard's connections (its own hub's, or a relayed connection's from
    /// the adopting shard); counted as dropped when the connection is gone.
    void send_to(ConnId conn, std::string text, std::shared_ptr<const std::string> shared);
    void close_conn(ConnId conn);

    template <class Fn>
    void guarded(const char* what, Fn&& fn);
    void start_call(BackendCall call);
    void finish_waiter(HttpId id, const HttpAnswer& answer);
    void tick();

    boost::asio::io_context io_{1};  // declared first: destroyed after everything that uses it
    unsigned index_;
    std::unique_ptr<Handler> handler_;  // owned
    EdgeContext& ctx_;                  // borrowed, outlives this
    TlsHolder& tls_;                    // borrowed
    const Logger& log_;
    BackendClient backend_;
    ProxyLinks proxies_;  // the SFU's proxies (Effects::proxy_*), when [mcu] is configured
    // Per proxy: connected (true) or reported unreachable (false), so that a proxy that stays
    // down is logged once, not at every reconnect attempt.
    std::unordered_map<std::size_t, bool> proxy_up_;
    std::unique_ptr<cluster::NatsLink> nats_;  // owned; the cluster bus, when [nats] names one
    boost::asio::steady_timer tick_timer_;
    std::vector<std::unique_ptr<Acceptor>> acceptors_;
    std::unordered_map<ConnId, std::weak_ptr<WsLink>> conns_;
    std::unordered_map<ConnId, Shard*> relayed_;                      // socket here, session there
    std::unordered_map<ConnId, std::shared_ptr<RelayLink>> adopted_;  // socket there, session here
    std::vector<BusBatch> outbox_;  // by shard, filled and posted within apply()
    std::unordered_map<uint64_t, std::weak_ptr<Stoppable>> http_;
    uint64_t next_http_token_ = 0;
    std::unordered_map<HttpId, Waiter> waiters_;
    std::unique_ptr<RestEdge> rest_;  // owned; the embedded backend, when it is on
    uint64_t ticks_ = 0;
    bool stopping_ = false;
};

}  // namespace tern::sig::net
