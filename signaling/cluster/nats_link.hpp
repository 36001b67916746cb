// The edge of the cluster bus: one NATS connection (the C client, libnats) for one shard. It
// carries out the hub's cluster effects (Effects::cluster_interest, ::cluster_publishes) and
// hands every message received back on the shard's io_context, so the hub is still called from
// its own thread only. libnats reconnects by itself (forever, 1 s apart) and re-subscribes; what
// is published while it is away is buffered by libnats up to its reconnect buffer (8 MiB).
#pragma once

#include "common/log.hpp"
#include "common/result.hpp"
#include "signaling/cluster/cluster_effects.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct __natsConnection;
struct __natsSubscription;

namespace tern::sig::cluster {

class NatsLink {
public:
    /// Called on `io`'s thread for every message on a subscribed subject.
    using MessageFn = std::function<void(std::string_view subject, std::string_view payload)>;

    NatsLink(boost::asio::io_context& io, const Logger& log, MessageFn on_message);
    ~NatsLink();
    NatsLink(const NatsLink&) = delete;
    NatsLink& operator=(const NatsLink&) = delete;

    /// Connects to the first server of `urls` that answers (may block up to 2 s per URL);
    /// `name` is the connection's name on the NATS server. The error says why.
    Result<bool, std::string> connect(const std::vector<std::string>& urls,
                                      const std::string& name);
    void publish(const Publish& p);
    void apply(const Interest& i);
    /// Drops every subscription and the connection; nothing is delivered after this returns.
    void close();

private:
    struct Sink;  // what libnats' threads may touch: shared, outlives every subscription

    boost::asio::io_context& io_;  // borrowed, outlives this
    const Logger& log_;
    std::shared_ptr<Sink> sink_;
    __natsConnection* conn_ = nullptr;                           // owned
    std::unordered_map<std::string, __natsSubscription*> subs_;  // owned, by subject
};

}  // namespace tern::sig::cluster
