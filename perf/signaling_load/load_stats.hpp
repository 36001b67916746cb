#pragma once
// What the load generator counts. One event loop thread owns it: plain counters.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace tern::perf::sigload {

struct LoadStats {
    // Messages stamped at or after this instant (steady clock, ns) are in the measured window:
    // their deliveries are owed (`expected`), counted (`delivered`) and timed (`latency_us`).
    int64_t window_start_ns = std::numeric_limits<int64_t>::max();
    uint64_t expected = 0;
    uint64_t delivered = 0;
    uint64_t delivered_all = 0;  // warm-up included
    uint64_t sent = 0;           // messages queued on a socket, warm-up included
    uint64_t shed = 0;           // not queued: the session's queue was full
    uint64_t gaps = 0;           // sequence numbers skipped, per sender and receiver
    uint64_t reordered = 0;      // a sequence number at or below one already seen
    uint64_t malformed = 0;      // a message with our marker but unreadable fields
    uint64_t server_errors = 0;  // error frames after setup
    uint64_t closed = 0;         // sessions that lost their socket during the run
    std::string first_server_error;
    std::vector<uint32_t> latency_us;
};

}  // namespace tern::perf::sigload
