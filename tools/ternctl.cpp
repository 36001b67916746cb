// ternctl: the operator's command line. Talks to tern-controlplane's admin socket; the embedded
// backend's commands (user, backup, restore) work on its database file (ternctl_backend.hpp).
#include "controlplane/proxy/jwt.hpp"
#include "tools/ternctl_backend.hpp"
#include "tools/ternctl_top.hpp"

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <tuple>
#include <unistd.h>
#include <vector>

namespace {

using nlohmann::json;

const char* kUsage =
    "usage: ternctl [--socket PATH] [--json] COMMAND\n"
    "commands:\n"
    "  status   is the data plane attached, are its workers answering\n"
    "  stats    counters per lcore, per port and per (port, queue); with --json the status\n"
    "           document, whose keys are stable for scripts (docs/operations.md)\n"
    "  top [--interval SECONDS] [--count N]\n"
    "           a live view redrawn every interval (default 1 s): lcores, ports and queues,\n"
    "           SFU subscribers, TURN top talkers; ^C ends it, --count N after N screens\n"
    "  turn credentials [--user U] [--ttl SECONDS]\n"
    "           TURN REST API credentials from the configured secret (default ttl 86400)\n"
    "  turn list\n"
    "           current TURN allocations: user, client, relayed address, traffic, lifetime\n"
    "  sfu transport ID UFRAG PWD [UDP_PORT] | sfu keys ID SUITE RXKEY RXSALT TXKEY TXSALT |\n"
    "  sfu publish ID SSRC TRACK LAYER CODEC [twcc=N level=N cvo=N capture=N] |\n"
    "  sfu subscribe ID TRACK OUT_SSRC PT LAYER |\n"
    "  sfu remove ID | sfu batch FILE (one 'sfu-COMMAND ARGS' per line) |\n"
    "  sfu relay WORKER TRACK TO_WORKER on|off | sfu publish-remote WORKER TRACK LAYER CODEC "
    "FROM_WORKER\n"
    "           test mode: SFU state by hand (what the proxy protocol sets up from SDP/DTLS)\n"
    "  proxy token [--id NAME] [--dir DIR]\n"
    "           a key pair for a signaling server to use tern as its SFU (MCU proxy protocol):\n"
    "           writes DIR/NAME.key (private, for the signaling server) and DIR/NAME.pub.pem\n"
    "           (for tern), prints the configuration lines of both sides (default id talk,\n"
    "           dir /etc/tern/proxy); needs no running tern\n"
    "  user add NAME [--display-name X] | user passwd NAME | user del NAME | user list |\n"
    "  user check NAME | user app-password NAME [--label L]\n"
    "           the embedded backend's users (docs/admin.md); passwords are read from stdin\n"
    "           (typed twice, without echo, on a terminal); app-password prints a new one once\n"
    "  backup FILE | restore FILE\n"
    "           online copy of the embedded backend's database to FILE, or back from FILE\n"
    "options:\n"
    "  --socket PATH  control plane admin socket (default /run/tern/controlplane.sock)\n"
    "  --json         print the raw JSON document\n"
    "  --db FILE      the embedded backend's database (default: signaling.backend.database of\n"
    "                 --config FILE, $TERN_CONFIG or /etc/tern/tern.conf)\n";

/// `ternctl proxy token`: local, no control plane needed.
int proxy_token(const std::string& id, const std::string& dir) {
    if (id.empty() || id.find_first_of(" /\"'") != std::string::npos) {
        std::fputs("ternctl: --id must be a plain name\n", stderr);
        return 2;
    }
    auto pair = tern::cp::generate_rsa_pem(2048);
    if (!pair) {
        std::fprintf(stderr, "ternctl: %s\n", pair.error().c_str());
        return 1;
    }
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        std::fprintf(stderr, "ternctl: cannot create %s: %s\n", dir.c_str(), std::strerror(errno));
        return 1;
    }
    const std::string priv = dir + "/" + id + ".key";
    const std::string pub = dir + "/" + id + ".pub.pem";
    for (const auto& [path, text, mode] :
         {std::tuple{priv, pair->first, 0600}, std::tuple{pub, pair->second, 0644}}) {
        std::ofstream f(path, std::ios::trunc);
        f << text;
        f.close();
        if (!f || chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
            std::fprintf(stderr, "ternctl: cannot write %s\n", path.c_str());
            return 1;
        }
    }
    std::printf("wrote %s (private: give it to the signaling server) and %s\n\n", priv.c_str(),
                pub.c_str());
    std::printf(
        "# tern.conf (then restart tern-controlplane):\n"
        "controlplane: { proxy: { tokens = ( { id = \"%s\"; public_key = \"%s\"; } ); }; };\n\n",
        id.c_str(), pub.c_str());
    std::printf("# the signaling server's server.conf:\n"
                "[mcu]\ntype = proxy\nurl = ws://127.0.0.1:9090\ntoken_id = %s\ntoken_key = %s\n",
                id.c_str(), priv.c_str());
    return 0;
}

std::string request(const std::string& path, const std::string& req, std::string& err) {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        err = path + ": " + std::strerror(errno) +
              " (is tern-controlplane running? start it with tools/tern up)";
        if (fd >= 0) {
            close(fd);
        }
        return {};
    }
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::string line = req + "\n";
    (void)send(fd, line.data(), line.size(), MSG_NOSIGNAL);
    std::string out;
    char buf[4096];
    ssize_t n = 0;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        out.append(buf, static_cast<std::size_t>(n));
    }
    close(fd);
    if (out.empty()) {
        err = "no answer from " + path;
    }
    return out;
}

std::string human_bytes(uint64_t b) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        ++u;
    }
    char s[32];
    std::snprintf(s, sizeof s, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return s;
}

void print_turn_list(const json& j) {
    const json& list = j["allocations"];
    std::printf("%-24s %-24s %-24s %7s %5s %5s %12s %12s\n", "user", "client", "relayed", "life_s",
                "perms", "chans", "to_peer", "to_client");
    for (const json& a : list) {
        std::printf(
            "%-24s %-24s %-24s %7u %5u %5u %12s %12s\n", a.value("user", std::string()).c_str(),
            a.value("client", std::string()).c_str(), a.value("relayed", std::string()).c_str(),
            a.value("lifetime_s", 0U), a.value("permissions", 0U), a.value("channels", 0U),
            human_bytes(a.value("to_peer_bytes", uint64_t{0})).c_str(),
            human_bytes(a.value("to_client_bytes", uint64_t{0})).c_str());
    }
    std::printf("%zu allocation(s)%s\n", list.size(),
                j.value("complete", false) ? "" : " (incomplete: a worker did not answer in time)");
}

void print_status(const json& j) {
    const json& dp = j["dataplane"];
    if (!dp.value("connected", false)) {
        std::printf("data plane: not attached (control plane pid %d is retrying)\n",
                    j["controlplane"].value("pid", 0));
        return;
    }
    std::printf("data plane: pid %u, instance %s, up %" PRIu64 " s, %u worker(s), %u port(s)\n",
                dp.value("pid", 0U), dp.value("instance_id", std::string("?")).c_str(),
                dp.value("uptime_s", uint64_t{0}), dp.value("workers", 0U), dp.value("ports", 0U));
    std::printf("control plane: pid %d, attached %" PRIu64 " time(s), generation %" PRIu64 "\n",
                j["controlplane"].value("pid", 0), j["controlplane"].value("attaches", uint64_t{0}),
                j["controlplane"].value("generation", uint64_t{0}));
    for (const json& w : j["workers"]) {
        std::printf("  worker %u: %s, ping rtt %" PRIu64 " us\n", w.value("worker", 0U),
                    w.value("responding", false) ? "responding" : "NOT RESPONDING",
                    w.value("ping_rtt_us", uint64_t{0}));
    }
    if (j.contains("turn_streams")) {
        const json& t = j["turn_streams"];
        std::string ports;
        for (const json& l : t["listeners"]) {
            ports += (ports.empty() ? "" : ", ") + l.value("transport", std::string("?")) + " " +
                     std::to_string(l.value("port", 0));
        }
        std::printf("TURN over TCP/TLS: %s; %" PRIu64 " open, %" PRIu64 " accepted, %" PRIu64
                    " refused, %" PRIu64 " TLS handshake failures, %" PRIu64 " framing errors\n",
                    ports.empty() ? "no listeners" : ("listening on " + ports).c_str(),
                    t.value("open", uint64_t{0}), t.value("accepted", uint64_t{0}),
                    t.value("refused", uint64_t{0}), t.value("tls_handshake_failures", uint64_t{0}),
                    t.value("framing_errors", uint64_t{0}));
    }
    if (j.contains("proxy") && j.contains("sfu_sessions")) {
        const json& p = j["proxy"];
        const json& m = j["sfu_sessions"];
        std::printf("proxy protocol: %" PRIu64 " session(s) (%" PRIu64 " connected), %" PRIu64
                    " hello(s), %" PRIu64 " auth failure(s), %" PRIu64 " resume(s), %" PRIu64
                    " slow client(s) closed\n",
                    p.value("sessions", uint64_t{0}), p.value("connected", uint64_t{0}),
                    p.value("hellos", uint64_t{0}), p.value("auth_failures", uint64_t{0}),
                    p.value("resumes", uint64_t{0}), p.value("slow_clients", uint64_t{0}));
        std::printf("SFU clients: %" PRIu64 " publisher(s), %" PRIu64 " subscriber(s), %" PRIu64
                    " with DTLS up; data channels %" PRIu64 ", ICE restarts %" PRIu64
                    ", DTLS failures %" PRIu64 "\n",
                    m.value("publishers", uint64_t{0}), m.value("subscribers", uint64_t{0}),
                    m.value("dtls_connected_now", uint64_t{0}),
                    m.value("data_channels_up", uint64_t{0}), m.value("ice_restarts", uint64_t{0}),
                    m.value("dtls_failed", uint64_t{0}));
        if (m.contains("speaking_now") && m["speaking_now"].is_array()) {
            std::string who;
            for (const auto& s : m["speaking_now"]) {
                who += (who.empty() ? "" : ", ") + s.get<std::string>();
            }
            std::printf("speaking now: %s\n", who.empty() ? "nobody" : who.c_str());
        }
    }
}

void print_stats(const json& j) {
    print_status(j);
    if (!j.contains("ports")) {
        return;
    }
    for (const json& p : j["ports"]) {
        const json& hw = p["hw"];
        std::printf("\nport %s\n", p.value("name", std::string("?")).c_str());
        std::printf(
            "  device   rx %" PRIu64 " pkts / %s   tx %" PRIu64 " pkts / %s   missed %" PRIu64
            "   errors rx %" PRIu64 " tx %" PRIu64 "   rx_nombuf %" PRIu64 "\n",
            hw.value("ipackets", uint64_t{0}), human_bytes(hw.value("ibytes", uint64_t{0})).c_str(),
            hw.value("opackets", uint64_t{0}), human_bytes(hw.value("obytes", uint64_t{0})).c_str(),
            hw.value("imissed", uint64_t{0}), hw.value("ierrors", uint64_t{0}),
            hw.value("oerrors", uint64_t{0}), hw.value("rx_nombuf", uint64_t{0}));
        for (const json& q : p["queues"]) {
            std::printf("  queue %u  rx %" PRIu64 " pkts / %s   tx %" PRIu64
                        " pkts / %s   tx_dropped %" PRIu64 "\n",
                        q.value("queue", 0U), q.value("rx_packets", uint64_t{0}),
                        human_bytes(q.value("rx_bytes", uint64_t{0})).c_str(),
                        q.value("tx_packets", uint64_t{0}),
                        human_bytes(q.value("tx_bytes", uint64_t{0})).c_str(),
                        q.value("tx_dropped", uint64_t{0}));
        }
    }
    for (const json& l : j["lcores"]) {
        const json& c = l["counters"];
        const double busy = c.value("busy_cycles", 0.0);
        const double idle = c.value("idle_cycles", 0.0);
        std::printf("\nworker %u   busy %.2f%% of cycles\n", l.value("worker", 0U),
                    busy + idle > 0 ? 100.0 * busy / (busy + idle) : 0.0);
        for (const auto& [name, v] : c.items()) {
            const uint64_t value = v.get<uint64_t>();
            if (value != 0 && name != "busy_cycles" && name != "idle_cycles") {
                std::printf("  %-28s %" PRIu64 "\n", name.c_str(), value);
            }
        }
    }
}

}  // namespace

int run(int argc, char** argv) {
    std::string socket_path = "/run/tern/controlplane.sock";
    bool as_json = false;
    std::vector<std::string> words;
    std::string user = "-";
    std::string ttl = "86400";
    std::string token_id = "talk";
    std::string token_dir = "/etc/tern/proxy";
    tern::ctl::BackendOptions backend;
    tern::ctl::TopOptions top;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--socket" && i + 1 < argc) {
            socket_path = argv[++i];
        } else if (a == "--json") {
            as_json = true;
        } else if (a == "--user" && i + 1 < argc) {
            user = argv[++i];
        } else if (a == "--ttl" && i + 1 < argc) {
            ttl = argv[++i];
        } else if (a == "--id" && i + 1 < argc) {
            token_id = argv[++i];
        } else if (a == "--dir" && i + 1 < argc) {
            token_dir = argv[++i];
        } else if (a == "--db" && i + 1 < argc) {
            backend.db = argv[++i];
        } else if (a == "--config" && i + 1 < argc) {
            backend.config = argv[++i];
        } else if (a == "--display-name" && i + 1 < argc) {
            backend.display_name = argv[++i];
        } else if (a == "--label" && i + 1 < argc) {
            backend.label = argv[++i];
        } else if (a == "--interval" && i + 1 < argc) {
            char* end = nullptr;
            top.interval_s = std::strtod(argv[++i], &end);
            if (*end != '\0' || !(top.interval_s >= 0.1 && top.interval_s <= 3600)) {
                std::fputs("ternctl: --interval takes seconds from 0.1 to 3600\n", stderr);
                return 2;
            }
        } else if (a == "--count" && i + 1 < argc) {
            char* end = nullptr;
            const unsigned long n = std::strtoul(argv[++i], &end, 10);
            if (*end != '\0' || n == 0 || n > 1000000) {
                std::fputs("ternctl: --count takes a number of screens from 1\n", stderr);
                return 2;
            }
            top.count = static_cast<unsigned>(n);
        } else if (a == "-h" || a == "--help" || a == "help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (a[0] != '-') {
            words.push_back(a);
        } else {
            std::fprintf(stderr, "ternctl: unexpected argument '%s'\n%s", a.c_str(), kUsage);
            return 2;
        }
    }
    if (words == std::vector<std::string>{"proxy", "token"}) {
        return proxy_token(token_id, token_dir);
    }
    if (tern::ctl::is_backend_command(words)) {
        backend.json = as_json;
        return tern::ctl::run_backend_command(words, backend);
    }
    if (words == std::vector<std::string>{"top"}) {
        top.clear_screen = isatty(STDOUT_FILENO) != 0;
        return tern::ctl::run_top(
            [&socket_path](std::string& error) -> std::optional<tern::ctl::TopSample> {
                std::optional<tern::ctl::TopSample> s(std::in_place);
                for (const char* what : {"stats", "turn-list"}) {
                    const std::string body = request(socket_path, what, error);
                    if (!error.empty()) {
                        return std::nullopt;
                    }
                    json j = json::parse(body, nullptr, false);
                    if (j.is_discarded() || !j.is_object() || j.contains("error")) {
                        error = std::string("malformed answer to ") + what;
                        return std::nullopt;
                    }
                    (std::string(what) == "stats" ? s->stats : s->turn) = std::move(j);
                }
                s->at_s = std::chrono::duration<double>(
                              std::chrono::steady_clock::now().time_since_epoch())
                              .count();
                return s;
            },
            top);
    }
    std::string req;
    if (words == std::vector<std::string>{"status"} || words == std::vector<std::string>{"stats"}) {
        req = words[0];
    } else if (words == std::vector<std::string>{"turn", "list"}) {
        req = "turn-list";
    } else if (words == std::vector<std::string>{"turn", "credentials"}) {
        if (user.empty() || user.find(' ') != std::string::npos ||
            user.find(':') != std::string::npos) {
            std::fputs("ternctl: --user must be non-empty, without spaces or ':'\n", stderr);
            return 2;
        }
        req = "turn-credentials " + user + " " + ttl;
    } else if (words.size() == 3 && words[0] == "sfu" && words[1] == "batch") {
        req = "sfu-batch " + words[2];
    } else if (words.size() >= 3 && words[0] == "sfu") {
        req = "sfu-" + words[1];
        for (std::size_t i = 2; i < words.size(); ++i) {
            req += " " + words[i];
        }
    } else {
        std::fputs(kUsage, stderr);
        return 2;
    }
    std::string err;
    const std::string body = request(socket_path, req, err);
    if (!err.empty()) {
        std::fprintf(stderr, "ternctl: %s\n", err.c_str());
        return 1;
    }
    const json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.contains("error")) {
        std::fprintf(stderr, "ternctl: %s\n",
                     j.is_discarded() || !j.is_object() ? "malformed answer"
                                                        : j["error"].get<std::string>().c_str());
        return 1;
    }
    if (as_json) {
        std::puts(j.dump(2).c_str());
    } else if (req == "status") {
        print_status(j);
    } else if (req == "stats") {
        print_stats(j);
    } else if (req == "turn-list") {
        print_turn_list(j);
    } else if (req.rfind("sfu-", 0) == 0) {
        if (j.contains("applied")) {
            std::printf("ok: %lu commands applied\n",
                        static_cast<unsigned long>(j.value("applied", uint64_t{0})));
        } else {
            std::printf("ok: worker %u, media port %u\n", j.value("worker", 0U),
                        j.value("media_port", 0U));
        }
    } else {
        std::printf("username=%s password=%s\n", j.value("username", std::string()).c_str(),
                    j.value("password", std::string()).c_str());
        std::printf("realm=%s ttl=%lu", j.value("realm", std::string()).c_str(),
                    static_cast<unsigned long>(j.value("ttl", uint64_t{0})));
        for (const json& u : j["uris"]) {
            std::printf(" uri=%s", u.get<std::string>().c_str());
        }
        std::printf("\n");
        return 0;
    }
    if (req == "status" || req == "stats") {
        // status fails when no data plane is attached, so scripts can wait on it.
        return j.contains("dataplane") && j["dataplane"].value("connected", false) ? 0 : 3;
    }
    return 0;
}

int main(int argc, char** argv) {
    // A malformed reply or option ends with a message naming the program, never std::terminate.
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", "ternctl", e.what());
        return 1;
    }
}
