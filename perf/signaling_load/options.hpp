#pragma once
// The flags of tern-signaling-load: who to dial, how many sessions, how they authenticate, and
// where the phase commands come from (load_run.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::perf::sigload {

struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;
    std::vector<uint16_t> ports;  // --ports: session i dials ports[i % size] (a cluster's nodes)
    std::string path = "/spreed";
    std::string auth = "backend";                 // backend: v1 hello checked by the backend
    std::string secret;                           // [clients] internalsecret (auth internal)
    std::string backend = "http://127.0.0.1:9/";  // the Nextcloud base URL of the config
    uint32_t sessions = 4000;
    uint32_t room_size = 10;
    std::string room_prefix = "load-";
    uint32_t room_base = 0;                 // rooms load-<base>.. (several processes)
    std::string source_base = "127.0.0.1";  // first source address
    uint32_t sources = 1;                   // source addresses base, base+1, ...
    double setup_timeout = 120;             // every session joined by then, or reported
    uint32_t connect_concurrency = 64;      // sessions being set up at once
    uint32_t max_queue = 64;                // per-session unsent frames before shedding
    uint32_t max_inflight = 4096;           // deliveries outstanding before sends are held
    std::string commands = "-";             // where phase commands are read ("-": stdin)
    uint32_t max_commands = 64;             // commands read before the run ends regardless
    double lifetime = 1800;                 // the whole process, at most
    int server_pid = 0;                     // 0: no server CPU figures
    uint64_t seed = 1;
};

/// Parses argv; prints usage and returns nothing on --help (exit 0) or on an error (exit 2,
/// reported in `exit_code`).
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

}  // namespace tern::perf::sigload
