// What the edge counts, for /metrics. One set per shard, on its own cache lines and written by
// that shard's thread only (a relaxed load and store, no locked RMW); /metrics sums the shards
// with relaxed loads. The hub's own numbers are published by each shard into HubSnapshot, since a
// Handler is only ever asked from its thread.
#pragma once

#include "signaling/hub/handler.hpp"

#include <atomic>
#include <cstdint>

namespace tern::sig::net {

struct alignas(64) EdgeCounters {
    using Counter = std::atomic<uint64_t>;
    Counter connections_accepted{0};  // TCP, any protocol
    Counter ws_open{0};               // gauge: WebSockets between accept and close
    Counter ws_total{0};
    Counter ws_timeouts{0};     // read or write deadline passed
    Counter slow_consumers{0};  // send queue over budget: closed
    Counter frames_in{0};
    Counter frames_out{0};
    Counter bytes_in{0};
    Counter bytes_out{0};
    Counter frames_dropped{0};  // a SendFrame for a connection that is gone
    Counter http_requests{0};
    Counter backend_posts{0};          // reached the handler
    Counter backend_posts_refused{0};  // 4xx from check_backend_post
    Counter backend_posts_timeout{0};  // no answer within the deadline: 504
    Counter answers_unclaimed{0};      // an HttpAnswer whose request is gone
    Counter backend_calls_ok{0};       // 2xx
    Counter backend_calls_http_error{0};
    Counter backend_calls_transport_error{0};
    Counter backend_calls_timeout{0};
    Counter handler_exceptions{0};
    Counter connections_limited{0};    // address at its limit: closed at accept, or 429 (proxied)
    Counter connections_untracked{0};  // let in uncounted: the limiter's table was full
    Counter bus_messages_out{0};       // cluster events posted to another shard (one per shard)
    Counter handoffs{0};               // resumes handed to the shard holding the session

    /// Single writer (the owning shard's thread): no RMW needed.
    static void add(Counter& c, uint64_t n = 1) noexcept {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    static void sub(Counter& c, uint64_t n = 1) noexcept {
        c.store(c.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
    }
    static uint64_t get(const Counter& c) noexcept { return c.load(std::memory_order_relaxed); }
};

/// One shard's HubStats as last published (at least every tick).
struct alignas(64) HubSnapshot {
    std::atomic<uint64_t> sessions{0};
    std::atomic<uint64_t> rooms{0};
    std::atomic<uint64_t> connections{0};
    std::atomic<uint64_t> backend_calls_in_flight{0};
    std::atomic<uint64_t> hellos_rate_limited{0};

    void publish(const HubStats& s) noexcept {
        sessions.store(s.sessions, std::memory_order_relaxed);
        rooms.store(s.rooms, std::memory_order_relaxed);
        connections.store(s.connections, std::memory_order_relaxed);
        backend_calls_in_flight.store(s.backend_calls_in_flight, std::memory_order_relaxed);
        hellos_rate_limited.store(s.hellos_rate_limited, std::memory_order_relaxed);
    }
};

}  // namespace tern::sig::net
