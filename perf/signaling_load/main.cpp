// tern-signaling-load: WebSocket load for a signaling server (perf/bench_signaling.sh).
// One event loop thread; run several processes (disjoint --room-base, own source addresses)
// for more.

#include "signaling_load/load_run.hpp"
#include "signaling_load/options.hpp"

#include <boost/asio/co_spawn.hpp>

#include <chrono>
#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    using namespace tern::perf::sigload;
    int rc = 0;
    const auto opts = parse_options(argc, argv, rc);
    if (!opts) {
        return rc;
    }
    try {
        boost::asio::io_context ioc(1);
        LoadRun run(ioc, *opts);
        bool done = false;
        boost::asio::co_spawn(ioc, run.run(), [&done](const std::exception_ptr& e) {
            done = true;
            if (e) {
                std::rethrow_exception(e);
            }
        });
        // Bounded: the command stream may never end, the run does.
        ioc.run_for(std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::duration<double>(opts->lifetime)));
        if (!done) {
            std::fprintf(stderr, "tern-signaling-load: did not finish within %.0f s\n",
                         opts->lifetime);
            return 1;
        }
        ioc.restart();
        ioc.run_for(std::chrono::seconds(5));  // closed sockets end their reads and writes
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tern-signaling-load: %s\n", e.what());
        return 1;
    }
    return 0;
}
