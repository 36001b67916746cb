#pragma once
// One run of the load generator: open and join every session, send paced direct and room
// messages through a warm-up and the measured window, wait for late deliveries, then report.
// Runs on the caller's io_context, one thread.

#include "signaling_load/load_session.hpp"
#include "signaling_load/load_stats.hpp"
#include "signaling_load/options.hpp"

#include <boost/asio.hpp>

#include <memory>
#include <random>
#include <string>
#include <vector>

namespace tern::perf::sigload {

struct LoadReport {
    uint32_t sessions = 0;  // established
    uint32_t failed = 0;
    std::string first_failure;
    double window_s = 0;
    double server_cpu_s = -1;
    double loadgen_cpu_s = 0;
    long rss_before_kib = -1;
    long rss_after_kib = -1;
};

class LoadRun {
public:
    LoadRun(boost::asio::io_context& ioc, const Options& opts);
    /// The whole run; closes every session at its end.
    boost::asio::awaitable<void> run();
    /// One line `signaling-load: key=value ...` on stdout, details on stderr.
    void print() const;

private:
    boost::asio::awaitable<void> establish_all();
    boost::asio::awaitable<void> worker(boost::asio::ip::tcp::endpoint server);
    boost::asio::awaitable<void> pause(double seconds);
    void send_one(int64_t sent_at);

    boost::asio::io_context& ioc_;  // borrowed, outlives this
    const Options& opts_;           // borrowed, outlives this
    LoadStats stats_;
    LoadReport report_;
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
