// The edge of the cluster bus: one NATS connection (the C client, libnats) for one shard. It
// carries out the hub's cluster effects (Effects::cluster_interest, ::cluster_publishes) and
// hands every message received back on the shard's io_context, so the hub is still called from
// its own thread only. libnats reconnects by itself (forever, 1 s apart) and re-subscribes; what
// is published while it is away is buffered by libnats up to its reconnect buffer (8 MiB).
//
// With JetStream on the server (session_store.hpp), connect() also creates (or updates) the
// session stream and the KV bucket. Then the stream's subjects are received on their "live."
// republication, which carries each message's sequence; writes to the bucket are published
// without waiting for the server's acknowledgement; look-ups and replays, which wait for the
// server, run on a thread of the link's own and report back on the io_context. Without
// JetStream the bus works as before and resume stays on the owning node.
#pragma once

#include "common/log.hpp"
#include "common/result.hpp"
#include "signaling/cluster/cluster_effects.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

// libnats' own type names (nats.h), declared here to keep it out of this header.
struct __natsConnection;    // NOLINT(bugprone-reserved-identifier)
struct __natsSubscription;  // NOLINT(bugprone-reserved-identifier)
struct __jsCtx;             // NOLINT(bugprone-reserved-identifier)
struct __kvStore;           // NOLINT(bugprone-reserved-identifier)

namespace tern::sig::cluster {

class NatsLink {
public:
    /// Called on `io`'s thread for every message on a subscribed subject; `seq` is its sequence
    /// in the session stream (0 when it has none).
    using MessageFn =
        std::function<void(std::string_view subject, std::string_view payload, uint64_t seq)>;
    /// Called on `io`'s thread with what a load() found.
    using LoadedFn = std::function<void(uint64_t conn, LoadedSession loaded)>;
    /// Called on `io`'s thread with what a replay() read.
    using ReplayFn =
        std::function<void(const std::string& session, std::vector<StreamMessage> messages)>;

    NatsLink(boost::asio::io_context& io, const Logger& log, MessageFn on_message,
             LoadedFn on_loaded = {}, ReplayFn on_replay = {});
    ~NatsLink();
    NatsLink(const NatsLink&) = delete;
    NatsLink& operator=(const NatsLink&) = delete;

    /// Connects to the first server of `urls` that answers (may block up to 2 s per URL);
    /// `name` is the connection's name on the NATS server. The error says why.
    Result<bool, std::string> connect(const std::vector<std::string>& urls,
                                      const std::string& name);
    void publish(const Publish& p);
    void apply(const Interest& i);
    /// The session store (no-ops, or empty answers, without JetStream).
    void store(const StoreOp& op);
    void load(const LoadSession& l);
    void replay(ReplayRequest r);
    /// Whether the server has JetStream and the stream and bucket are ready.
    [[nodiscard]] bool durable() const noexcept { return js_ != nullptr; }
    /// Drops every subscription and the connection; nothing is delivered after this returns.
    void close();

private:
    struct Sink;  // what libnats' threads may touch: shared, outlives every subscription

    /// The stream and the bucket; false (and js_ null) when the server has no JetStream.
    bool setup_jetstream();
    /// Runs on worker_: the blocking part of load() and replay().
    [[nodiscard]] LoadedSession load_blocking(const std::string& key) const;
    [[nodiscard]] std::vector<StreamMessage> replay_blocking(const ReplayRequest& r) const;

    boost::asio::io_context& io_;  // borrowed, outlives this
    const Logger& log_;
    std::shared_ptr<Sink> sink_;
    __natsConnection* conn_ = nullptr;                           // owned
    __jsCtx* js_ = nullptr;                                      // owned; null without JetStream
    __kvStore* kv_ = nullptr;                                    // owned; null without JetStream
    std::unordered_map<std::string, __natsSubscription*> subs_;  // owned, by the hub's subject
    std::unique_ptr<boost::asio::thread_pool> worker_;           // owned; one thread
};

}  // namespace tern::sig::cluster
