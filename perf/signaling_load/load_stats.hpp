#pragma once
// What the load generator counts in one phase. One event loop thread owns it: plain counters.

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
    uint64_t window_sent = 0;    // messages stamped in the window
    uint64_t expected_all = 0;   // deliveries owed for every message of the phase, warm-up included
    uint64_t delivered_all = 0;  // warm-up included
    uint64_t sent = 0;           // messages queued on a socket, warm-up included
    uint64_t held = 0;           // not sent: max_inflight deliveries were outstanding
    uint64_t shed = 0;           // not queued: the session's queue was full
    uint64_t gaps = 0;           // sequence numbers skipped, per sender and receiver
    uint64_t reordered = 0;      // a sequence number at or below one already seen
    uint64_t malformed = 0;      // a message with our marker but unreadable fields
    uint64_t server_errors = 0;  // error frames after setup
    uint64_t closed = 0;         // sessions that lost their socket (whole run)
    std::string first_server_error;
    std::vector<uint32_t> latency_us;

    /// Deliveries owed and neither seen nor known lost (a gap): what is in flight.
    uint64_t inflight() const {
        const uint64_t done = delivered_all + gaps;
        return expected_all > done ? expected_all - done : 0;
    }
    /// Clears the phase's counters; `closed` is kept (sessions do not come back).
    void reset_phase() {
        const uint64_t keep_closed = closed;
        *this = LoadStats{};
        closed = keep_closed;
    }
};

}  // namespace tern::perf::sigload
