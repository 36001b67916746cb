#include "signaling_load/options.hpp"

#include <cstdio>
#include <stdexcept>
#include <string_view>

namespace tern::perf::sigload {
namespace {

void usage(std::FILE* out) {
    std::fputs(
        "usage: tern-signaling-load --port P [options]\n"
        "Opens WebSocket sessions to a signaling server (tern-signaling or\n"
        "nextcloud-spreed-signaling), joins them to rooms of --room-size members, prints\n"
        "'ready sessions=N failed=M', then runs phases read from --commands, one a line:\n"
        "  run NAME direct|room RATE WARMUP SECONDS DRAIN   paced messages (RATE per second;\n"
        "      at most --max-inflight deliveries outstanding), then one line 'phase NAME ...'\n"
        "  quit                                            close every session and exit\n"
        "  --host A              server address (127.0.0.1)\n"
        "  --port P              server port (8080)\n"
        "  --ports P1,P2,...     several servers (a cluster's nodes): session i dials the\n"
        "                        (i mod count)-th, so a room's members meet on several\n"
        "                        nodes\n"
        "  --path P              WebSocket path (/spreed)\n"
        "  --auth backend|internal  v1 hello checked by the backend (a user per session), or\n"
        "                        the internal hello (HMAC of --secret, no backend call) (backend)\n"
        "  --secret S            [clients] internalsecret (--auth internal)\n"
        "  --backend URL         the Nextcloud base URL of the config (http://127.0.0.1:9/)\n"
        "  --sessions N          sessions to open (4000)\n"
        "  --room-size M         members per room (10)\n"
        "  --room-prefix P       room names P<k> (load-)\n"
        "  --room-base K         first room number, for several processes (0)\n"
        "  --source-base A       first loopback source address (127.0.0.1)\n"
        "  --sources N           source addresses A, A+1, ... (1)\n"
        "  --setup-timeout S     longest time to open and join every session (120)\n"
        "  --connect-concurrency N  sessions being set up at once (64)\n"
        "  --max-queue N         unsent frames per session before new ones are shed (64)\n"
        "  --max-inflight N      deliveries outstanding before sends are held (4096)\n"
        "  --commands PATH       phase commands, e.g. a FIFO (-: stdin)\n"
        "  --max-commands N      commands read at most (64)\n"
        "  --lifetime S          the whole run at most (1800)\n"
        "  --server-pid PID      the server's pid: its CPU seconds per phase (none)\n"
        "  --seed N              random seed (1)\n",
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
            } else if (a == "--ports") {
                o.ports.clear();
                std::string_view rest = v;
                while (!rest.empty()) {
                    const std::size_t comma = rest.find(',');
                    o.ports.push_back(
                        static_cast<uint16_t>(std::stoul(std::string(rest.substr(0, comma)))));
                    rest = comma == std::string_view::npos ? std::string_view{}
                                                           : rest.substr(comma + 1);
                }
            } else if (a == "--path") {
                o.path = v;
            } else if (a == "--auth") {
                o.auth = v;
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
            } else if (a == "--setup-timeout") {
                o.setup_timeout = std::stod(v);
            } else if (a == "--connect-concurrency") {
                o.connect_concurrency = static_cast<uint32_t>(std::stoul(v));
            } else if (a == "--max-queue") {
                o.max_queue = static_cast<uint32_t>(std::stoul(v));
            } else if (a == "--max-inflight") {
                o.max_inflight = static_cast<uint32_t>(std::stoul(v));
            } else if (a == "--commands") {
                o.commands = v;
            } else if (a == "--max-commands") {
                o.max_commands = static_cast<uint32_t>(std::stoul(v));
            } else if (a == "--lifetime") {
                o.lifetime = std::stod(v);
            } else if (a == "--server-pid") {
                o.server_pid = std::stoi(v);
            } else if (a == "--seed") {
                o.seed = std::stoull(v);
            } else {
                throw std::invalid_argument("unknown flag " + std::string(a));
            }
        }
        if (o.ports.empty()) {
            o.ports.push_back(o.port);
        }
        if (o.ports.size() > 64) {
            throw std::invalid_argument("--ports names at most 64 ports");
        }
        if (o.auth != "backend" && o.auth != "internal") {
            throw std::invalid_argument("--auth is backend or internal");
        }
        if (o.auth == "internal" && o.secret.empty()) {
            throw std::invalid_argument("--auth internal needs --secret");
        }
        // Bounds keep every loop finite.
        if (o.sessions == 0 || o.sessions > 200000 || o.room_size < 2 || o.room_size > 1000 ||
            o.sources == 0 || o.sources > 250 || o.setup_timeout <= 0 || o.setup_timeout > 3600 ||
            o.connect_concurrency == 0 || o.max_queue == 0 || o.max_inflight == 0 ||
            o.max_commands == 0 || o.max_commands > 10000 || o.lifetime <= 0 ||
            o.lifetime > 86400) {
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
