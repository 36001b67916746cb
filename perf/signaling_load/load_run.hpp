#pragma once
// One run of the load generator: open and join every session, print `ready`, then run the
// phases read from the command stream (options.hpp), one at a time: paced direct or room
// messages through a warm-up and a measured window, a bounded wait for late deliveries, one
// `phase` line. Runs on the caller's io_context, one thread.

#include "signaling_load/load_session.hpp"
#include "signaling_load/load_stats.hpp"
#include "signaling_load/options.hpp"

#include <boost/asio.hpp>

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace tern::perf::sigload {

/// One `run` command.
struct PhaseSpec {
    std::string name;
    bool to_room = false;
    double rate = 0;     // messages sent per second by this process
    double warmup = 0;   // seconds before the window, not counted
    double seconds = 0;  // the measured window
    double drain = 0;    // longest wait for late deliveries after it
};

/// Parses `run NAME direct|room RATE WARMUP SECONDS DRAIN`; nothing if malformed or out of
/// bounds.
std::optional<PhaseSpec> parse_phase(const std::string& line);

class LoadRun {
public:
    LoadRun(boost::asio::io_context& ioc, const Options& opts);
    /// The whole run; closes every session at its end.
    boost::asio::awaitable<void> run();

private:
    boost::asio::awaitable<void> establish_all();
    boost::asio::awaitable<void> worker(boost::asio::ip::address server);
    boost::asio::awaitable<void> pause(double seconds);
    boost::asio::awaitable<void> phase(const PhaseSpec& spec);
    void send_one(int64_t sent_at, bool to_room);
    void print_phase(const PhaseSpec& spec, double server_cpu_s, double loadgen_cpu_s);

    boost::asio::io_context& ioc_;  // borrowed, outlives this
    const Options& opts_;           // borrowed, outlives this
    LoadStats stats_;
    uint32_t established_ = 0;
    uint32_t failed_ = 0;
    std::string first_failure_;
    std::vector<std::unique_ptr<LoadSession>>
        sessions_;                                // owned; sockets closed before the loop ends
    std::vector<std::vector<uint32_t>> members_;  // per room, established session indices
    std::vector<uint32_t> senders_;               // sessions with a room-mate
    size_t next_sender_ = 0;
    uint32_t next_setup_ = 0;
    uint32_t workers_running_ = 0;
    std::mt19937_64 rng_;
};

}  // namespace tern::perf::sigload
