// What every shard of the edge shares: the configuration, the counters, the brute-force limiter
// (one per process, so a client cannot multiply its attempts by the shard count) and the id
// sources. Built once by Server before the shards' threads start; afterwards only atomics and
// the limiter (under its mutex) change.
#pragma once

#include "signaling/backend_api/backend_url.hpp"
#include "signaling/cluster/shard_interest.hpp"
#include "signaling/config/signaling_config.hpp"
#include "signaling/limits/shared_brute_force.hpp"
#include "signaling/net/address_matcher.hpp"
#include "signaling/net/connection_gate.hpp"
#include "signaling/net/edge_counters.hpp"
#include "signaling/net/server_options.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace tern::sig::net {

class Shard;

struct EdgeContext {
    EdgeContext(const SignalingConfig& c, ServerOptions o, unsigned shard_count);
    EdgeContext(const EdgeContext&) = delete;
    EdgeContext& operator=(const EdgeContext&) = delete;

    const SignalingConfig& config;  // borrowed, outlives the server
    ServerOptions options;
    std::string features_header;  // features joined by ", "
    std::string server_header;
    std::vector<BackendEntry> backends;  // config.backends[i].entry, in order
    AddressMatcher trusted_proxies;
    AddressMatcher stats_allowed;
    std::vector<std::string> bad_addresses;    // entries of the two lists that did not parse
    std::unique_ptr<EdgeCounters[]> counters;  // one per shard, written by its thread
    SharedBruteForce limiter;                  // the backend API (http_routes.cpp)
    ConnectionGate gate;                       // [limits]: WebSockets per client address
    std::unique_ptr<HubSnapshot[]> hub;        // one per shard
    unsigned shard_count;
    /// Every shard, by index; set by Server before the threads start. Shards post to each other
    /// through these (the bus between shards, handed-over connections).
    std::vector<Shard*> shards;
    /// The routing table of the bus between shards, when they have no NATS server to share.
    cluster::ShardInterest interest;
    std::atomic<uint64_t> next_conn{0};
    std::atomic<uint64_t> next_http{0};

    /// Summed over the shards' last published snapshots.
    [[nodiscard]] HubStats hub_totals() const;
    /// One edge counter summed over the shards, e.g. total(&EdgeCounters::slow_consumers).
    [[nodiscard]] uint64_t total(EdgeCounters::Counter EdgeCounters::*counter) const;
};

/// Microseconds since the Unix epoch: the `now_us` of every Handler call.
uint64_t unix_now_us();

}  // namespace tern::sig::net
