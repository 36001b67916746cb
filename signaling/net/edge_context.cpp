#include "signaling/net/edge_context.hpp"

#include "signaling/api/server_messages.hpp"

namespace tern::sig::net {

EdgeContext::EdgeContext(const SignalingConfig& c, ServerOptions o, unsigned n_shards)
    : config(c), options(std::move(o)), counters(std::make_unique<EdgeCounters[]>(n_shards)),
      gate(c.limits), hub(std::make_unique<HubSnapshot[]>(n_shards)), shard_count(n_shards) {
    for (const std::string& f : options.features) {
        if (!features_header.empty()) {
            features_header += ", ";
        }
        features_header += f;
    }
    server_header = options.server_name.empty()
                        ? "nextcloud-spreed-signaling/" + std::string(api::kServerVersion)
                        : options.server_name;
    for (const BackendConfig& b : config.backends) {
        backends.push_back(b.entry);
    }
    if (config.trusted_proxies.empty()) {
        trusted_proxies = AddressMatcher::private_and_loopback();
    } else {
        for (std::string& bad : trusted_proxies.add(config.trusted_proxies)) {
            bad_addresses.push_back(std::move(bad));
        }
    }
    for (std::string& bad : stats_allowed.add(config.stats_allowed_ips)) {
        bad_addresses.push_back(std::move(bad));
    }
    for (const std::string& bad : gate.bad_entries()) {
        bad_addresses.push_back(bad);
    }
}

HubStats EdgeContext::hub_totals() const {
    HubStats t;
    for (unsigned i = 0; i < shard_count; ++i) {
        t.sessions += hub[i].sessions.load(std::memory_order_relaxed);
        t.rooms += hub[i].rooms.load(std::memory_order_relaxed);
        t.connections += hub[i].connections.load(std::memory_order_relaxed);
        t.backend_calls_in_flight += hub[i].backend_calls_in_flight.load(std::memory_order_relaxed);
        t.hellos_rate_limited += hub[i].hellos_rate_limited.load(std::memory_order_relaxed);
    }
    return t;
}

uint64_t EdgeContext::total(EdgeCounters::Counter EdgeCounters::*counter) const {
    uint64_t sum = 0;
    for (unsigned i = 0; i < shard_count; ++i) {
        sum += EdgeCounters::get(counters[i].*counter);
    }
    return sum;
}

uint64_t unix_now_us() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

}  // namespace tern::sig::net
