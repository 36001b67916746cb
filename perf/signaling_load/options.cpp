#include "signaling_load/options.hpp"

#include <cstdio>
#include <stdexcept>
#include <string_view>

namespace tern::perf::sigload {
namespace {

void usage(std::FILE* out) {
    std::fputs(
        "usage: tern-signaling-load --port P --secret S [options]\n"
        "Opens internal-client WebSocket sessions to a signaling server (tern-signaling or\n"
        "nextcloud-spreed-signaling), joins them to rooms of --room-size members, then sends\n"
        "direct and room messages at --rate for --seconds and measures their delivery.\n"
        "  --host A              server address (127.0.0.1)\n"
        "  --port P              server port (8080)\n"
        "  --path P              WebSocket path (/spreed)\n"
        "  --secret S            [clients] internalsecret (required)\n"
        "  --backend URL         backend url for the internal hello (http://127.0.0.1:9/)\n"
        "  --sessions N          sessions to open (2000)\n"
        "  --room-size M         members per room (10)\n"
        "  --room-prefix P       room names P<k> (load-)\n"
        "  --room-base K         first room number, for several processes (0)\n"
        "  --source-base A       first loopback source address (127.0.0.1)\n"
        "  --sources N           source addresses A, A+1, ... (4)\n"
        "  --rate R              messages sent per second by all sessions (2000)\n"
        "  --room-share F        fraction of them sent to the room, the rest to one member (0.25)\n"
        "  --seconds S           measured window (20)\n"
        "  --warmup S            traffic before the window, not counted (2)\n"
        "  --drain S             longest wait for late deliveries after the window (3)\n"
        "  --setup-timeout S     longest time to open and join every session (60)\n"
        "  --connect-concurrency N  sessions being set up at once (64)\n"
        "  --max-queue N         unsent frames per session before new ones are shed (256)\n"
        "  --server-pid PID      the server's pid: CPU seconds and RSS per session (none)\n"
        "  --seed N              random seed (1)\n"
        "Ends with one line: signaling-load: sessions=N ... (see perf/bench_signaling.sh).\n",
        out);
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
    Options o;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string_view a = argv[i];
            if (a == "--help" || a == "-h") {
                usage(stdout);
                exit_code = 0;
                return std::nullopt;
            }
            if (i + 1 >= argc) {
                throw std::invalid_argument("missing value after " + std::string(a));
            }
            const std::string v = argv[++i];
            if (a == "--host") {
                o.host = v;
            } else if (a == "--port") {
                o.port = static_cast<uint16_t>(std::stoul(v));
            } else if (a == "--path") {
                o.path = v;
            } else if (a == "--secret") {
                o.secret = v;
            } else if (a == "--backend") {
                o.backend = v;
            } else if (a == "--sessions") {
                o.sessions = static_cast<uint32_t>(std::stoul(v));
            } else if (a == "--room-size") {
                o.room_size = static_cast<uint32_t>(std::stoul(v));
            } else if (a == "--room-prefix") {
                o.room_prefix = v;
            } else if (a == "--room-base") {
                o.room_base = static_cast<uint32_t>(std::stoul(v));
            } else if (a == "--source-base") {
                o.source_base = v;
            } else if (a == "--sources") {
                o.sources = static_cast<uint32_t>(std::stoul(v));
            } else if (a == "--rate") {
                o.rate = std::stod(v);
            } else if (a == "--room-share") {
                o.room_share = std::stod(v);
            } else if (a == "--seconds") {
                o.seconds = std::stod(v);
            } else if (a == "--warmup") {
                o.warmup = std::stod(v);
            } else if (a == "--drain") {
                o.drain = std::stod(v);
            } else if (a == "--setup-timeout") {
                o.setup_timeout = std::stod(v);
            } else if (a == "--connect-concurrency") {
                o.connect_concurrency = static_cast<uint32_t>(std::stoul(v));
            } else if (a == "--max-queue") {
                o.max_queue = static_cast<uint32_t>(std::stoul(v));
            } else if (a == "--server-pid") {
                o.server_pid = std::stoi(v);
            } else if (a == "--seed") {
                o.seed = std::stoull(v);
            } else {
                throw std::invalid_argument("unknown flag " + std::string(a));
            }
        }
        if (o.secret.empty()) {
            throw std::invalid_argument("--secret is required");
        }
        // Bounds keep every loop finite and the offered load sane.
        if (o.sessions == 0 || o.sessions > 200000 || o.room_size < 2 || o.room_size > 1000 ||
            o.sources == 0 || o.sources > 250 || o.rate <= 0 || o.rate > 1e6 || o.room_share < 0 ||
            o.room_share > 1 || o.seconds <= 0 || o.seconds > 3600 || o.warmup < 0 ||
            o.warmup > 600 || o.drain < 0 || o.drain > 600 || o.setup_timeout <= 0 ||
            o.setup_timeout > 3600 || o.connect_concurrency == 0 || o.max_queue == 0) {
            throw std::invalid_argument("a value is out of range (see --help)");
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tern-signaling-load: %s\n", e.what());
        usage(stderr);
        exit_code = 2;
        return std::nullopt;
    }
    return o;
}

}  // namespace tern::perf::sigload
