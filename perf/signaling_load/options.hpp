#pragma once
// The flags of tern-signaling-load: who to dial, how many sessions, how fast, for how long.

#include <cstdint>
#include <optional>
#include <string>

namespace tern::perf::sigload {

struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;
    std::string path = "/spreed";
    std::string secret;                           // [clients] internalsecret
    std::string backend = "http://127.0.0.1:9/";  // a backend url of the config
    uint32_t sessions = 2000;
    uint32_t room_size = 10;
    std::string room_prefix = "load-";
    uint32_t room_base = 0;                 // rooms load-<base>.. (several processes)
    std::string source_base = "127.0.0.1";  // first source address
    uint32_t sources = 4;                   // source addresses base, base+1, ...
    double rate = 2000;                     // messages sent per second, all sessions
    double room_share = 0.25;               // fraction of them sent to the room
    double seconds = 20;                    // measured window
    double warmup = 2;                      // traffic before the window, not counted
    double drain = 3;                       // at most this long for late deliveries
    double setup_timeout = 60;              // every session joined by then, or reported
    uint32_t connect_concurrency = 64;      // sessions being set up at once
    uint32_t max_queue = 256;               // per-session unsent frames before shedding
    int server_pid = 0;                     // 0: no CPU or RSS figures
    uint64_t seed = 1;
};

/// Parses argv; prints usage and returns nothing on --help (exit 0) or on an error (exit 2,
/// reported in `exit_code`).
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

}  // namespace tern::perf::sigload
