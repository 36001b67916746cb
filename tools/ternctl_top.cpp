#include "tools/ternctl_top.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <map>
#include <thread>
#include <vector>

namespace tern::ctl {

namespace {

using nlohmann::json;

/// A counter's value: a non-negative integer, else 0.
uint64_t as_u64(const json& v) {
    if (!v.is_number_integer()) {
        return 0;
    }
    return v.is_number_unsigned() ? v.get<uint64_t>()
                                  : static_cast<uint64_t>(std::max<int64_t>(v.get<int64_t>(), 0));
}

uint64_t u64(const json& j, const char* key) {
    if (!j.is_object()) {
        return 0;
    }
    const auto it = j.find(key);
    return it != j.end() ? as_u64(*it) : 0;
}

/// now - before, or 0 when the counter went backwards (the data plane restarted).
uint64_t grown(uint64_t before, uint64_t now) {
    return now >= before ? now - before : 0;
}

/// 1234567 -> "1.23M": three significant digits, SI prefixes.
std::string si(double v) {
    const char* prefixes[] = {"", "k", "M", "G", "T"};
    int p = 0;
    while (v >= 999.5 && p < 4) {
        v /= 1000;
        ++p;
    }
    char s[32];
    if (p == 0) {
        std::snprintf(s, sizeof s, "%.0f", v);
    } else {
        std::snprintf(s, sizeof s, v < 9.995 ? "%.2f%s" : (v < 99.95 ? "%.1f%s" : "%.0f%s"), v,
                      prefixes[p]);
    }
    return s;
}

std::string text(const json& j, const char* key) {
    if (!j.is_object()) {
        return "?";
    }
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "?";
}

const json kEmpty = json::object();

/// j[key] when j is an object that has it, else an empty object: a field missing from a sample
/// (an older control plane, a restart) reads as empty, never as undefined behaviour.
const json& field(const json& j, const char* key) {
    if (!j.is_object()) {
        return kEmpty;
    }
    const auto it = j.find(key);
    return it != j.end() ? *it : kEmpty;
}

/// The element of `list` whose `key` equals `value`, or an empty object.
const json& find_by(const json& list, const char* key, const json& value) {
    const json& kNone = kEmpty;
    if (list.is_array()) {
        for (const json& e : list) {
            if (e.is_object() && e.contains(key) && e[key] == value) {
                return e;
            }
        }
    }
    return kNone;
}

uint64_t sum_drops(const json& counters) {
    uint64_t n = 0;
    if (counters.is_object()) {
        for (const auto& [name, v] : counters.items()) {
            if (name.rfind("drop_", 0) == 0) {
                n += as_u64(v);
            }
        }
    }
    return n;
}

/// Appends one printf-formatted line.
__attribute__((format(printf, 2, 3))) void line(std::string& out, const char* fmt, ...) {
    char buf[512];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, args);
    va_end(args);
    out += buf;
    out += '\n';
}

void lcores(std::string& out, const json& before, const json& now, double dt) {
    line(out, "%-7s %7s %9s %9s %9s %9s %-10s %s", "WORKER", "BUSY", "LOOPS/S", "RX PPS", "TX PPS",
         "DROPS/S", "ANSWERING", "PING");
    const json& workers = field(now, "workers");
    for (const json& l : field(now, "lcores")) {
        const json& id = field(l, "worker");
        const json& c = field(l, "counters");
        const json& b = field(find_by(field(before, "lcores"), "worker", id), "counters");
        const uint64_t busy = grown(u64(b, "busy_cycles"), u64(c, "busy_cycles"));
        const uint64_t idle = grown(u64(b, "idle_cycles"), u64(c, "idle_cycles"));
        const json& w = find_by(workers, "worker", id);
        const bool answering = w.is_object() && w.value("responding", false);
        char busy_text[16];
        std::snprintf(busy_text, sizeof busy_text, "%.1f%%",
                      busy + idle > 0
                          ? 100.0 * static_cast<double>(busy) / static_cast<double>(busy + idle)
                          : 0.0);
        line(
            out, "%-7s %7s %9s %9s %9s %9s %-10s %s us", id.dump().c_str(), busy_text,
            si(static_cast<double>(grown(u64(b, "loop_iterations"), u64(c, "loop_iterations"))) /
               dt)
                .c_str(),
            si(static_cast<double>(grown(u64(b, "rx_packets"), u64(c, "rx_packets"))) / dt).c_str(),
            si(static_cast<double>(grown(u64(b, "tx_packets"), u64(c, "tx_packets"))) / dt).c_str(),
            si(static_cast<double>(grown(sum_drops(b), sum_drops(c))) / dt).c_str(),
            answering ? "yes" : "NO", std::to_string(u64(w, "ping_rtt_us")).c_str());
    }
}

void ports(std::string& out, const json& before, const json& now, double dt) {
    line(out, "%-14s %9s %10s %9s %10s %9s", "PORT / QUEUE", "RX PPS", "RX BIT/S", "TX PPS",
         "TX BIT/S", "DROPS/S");
    auto rate = [dt](const json& b, const json& n, const char* key, double scale = 1.0) {
        return si(scale * static_cast<double>(grown(u64(b, key), u64(n, key))) / dt);
    };
    for (const json& p : field(now, "ports")) {
        const json& name = field(p, "name");
        const json& bp = find_by(field(before, "ports"), "name", name);
        const json& hw = field(p, "hw");
        const json& bhw = field(bp, "hw");
        const uint64_t drops =
            u64(hw, "imissed") + u64(hw, "rx_nombuf") + u64(hw, "ierrors") + u64(hw, "oerrors");
        const uint64_t bdrops =
            u64(bhw, "imissed") + u64(bhw, "rx_nombuf") + u64(bhw, "ierrors") + u64(bhw, "oerrors");
        line(out, "%-14s %9s %10s %9s %10s %9s", text(p, "name").c_str(),
             rate(bhw, hw, "ipackets").c_str(), rate(bhw, hw, "ibytes", 8).c_str(),
             rate(bhw, hw, "opackets").c_str(), rate(bhw, hw, "obytes", 8).c_str(),
             si(static_cast<double>(grown(bdrops, drops)) / dt).c_str());
        for (const json& q : field(p, "queues")) {
            const json& bq = find_by(field(bp, "queues"), "queue", field(q, "queue"));
            line(out, "  queue %-6s %9s %10s %9s %10s %9s", field(q, "queue").dump().c_str(),
                 rate(bq, q, "rx_packets").c_str(), rate(bq, q, "rx_bytes", 8).c_str(),
                 rate(bq, q, "tx_packets").c_str(), rate(bq, q, "tx_bytes", 8).c_str(),
                 rate(bq, q, "tx_dropped").c_str());
        }
    }
}

void sfu(std::string& out, const json& now, std::size_t max_rows) {
    const json& m = field(now, "sfu_sessions");
    if (!m.is_object()) {
        return;
    }
    std::string speaking;
    for (const json& s : m.value("speaking_now", json::array())) {
        speaking += (speaking.empty() ? "" : ", ") + (s.is_string() ? s.get<std::string>() : "?");
    }
    line(out, "SFU: %s publisher(s), %s subscriber(s), %s with DTLS up; speaking: %s",
         std::to_string(u64(m, "publishers")).c_str(),
         std::to_string(u64(m, "subscribers")).c_str(),
         std::to_string(u64(m, "dtls_connected_now")).c_str(),
         speaking.empty() ? "nobody" : speaking.c_str());
    const json estimates = m.value("estimate_bps", json::object());
    const json layers = m.value("layers", json::object());
    if (!estimates.is_object() || estimates.empty()) {
        return;
    }
    // Subscribers by their estimate, highest first: who gets the most video.
    std::vector<std::pair<uint64_t, std::string>> order;
    for (const auto& [id, v] : estimates.items()) {
        order.emplace_back(as_u64(v), id);
    }
    std::sort(order.begin(), order.end(), std::greater<>());
    line(out, "%-24s %10s %10s %10s %7s %8s %6s", "SUBSCRIBER", "ESTIMATE", "BUDGET", "SENDING",
         "VIDEOS", "SPATIAL", "PAUSED");
    for (std::size_t i = 0; i < order.size() && i < max_rows; ++i) {
        const auto& [estimate, id] = order[i];
        const json& l = field(layers, id.c_str());
        line(out, "%-24s %10s %10s %10s %7s %8s %6s", id.substr(0, 24).c_str(),
             si(static_cast<double>(estimate)).c_str(),
             si(static_cast<double>(u64(l, "budget_bps"))).c_str(),
             si(static_cast<double>(u64(l, "layers_bps"))).c_str(),
             std::to_string(u64(l, "videos")).c_str(), std::to_string(u64(l, "spatial")).c_str(),
             std::to_string(u64(l, "paused")).c_str());
    }
    if (order.size() > max_rows) {
        line(out, "  ... %zu more", order.size() - max_rows);
    }
}

void turn(std::string& out, const json& before, const json& now, double dt, std::size_t max_rows) {
    const json list = now.value("allocations", json::array());
    struct Talker {
        double bps = 0;
        double to_peer = 0;
        double to_client = 0;
        const json* a = nullptr;
    };
    std::vector<Talker> talkers;
    for (const json& a : list) {
        // An allocation is its client and relayed address; one absent before was made during the
        // interval, so all its bytes belong to it.
        json old = json::object();
        for (const json& b : before.value("allocations", json::array())) {
            if (b.value("client", "") == a.value("client", "") &&
                b.value("relayed", "") == a.value("relayed", "")) {
                old = b;
                break;
            }
        }
        Talker t;
        t.to_peer = 8.0 *
                    static_cast<double>(grown(u64(old, "to_peer_bytes"), u64(a, "to_peer_bytes"))) /
                    dt;
        t.to_client =
            8.0 *
            static_cast<double>(grown(u64(old, "to_client_bytes"), u64(a, "to_client_bytes"))) / dt;
        t.bps = t.to_peer + t.to_client;
        t.a = &a;
        talkers.push_back(t);
    }
    std::sort(talkers.begin(), talkers.end(),
              [](const Talker& x, const Talker& y) { return x.bps > y.bps; });
    line(out, "TURN: %zu allocation(s)%s", talkers.size(),
         now.value("complete", true) ? "" : " (incomplete: a worker did not answer in time)");
    if (talkers.empty()) {
        return;
    }
    line(out, "%-20s %-24s %-24s %11s %11s", "USER", "CLIENT", "RELAYED", "TO PEER b/s",
         "TO CLIENT");
    for (std::size_t i = 0; i < talkers.size() && i < max_rows; ++i) {
        const Talker& t = talkers[i];
        line(out, "%-20s %-24s %-24s %11s %11s", text(*t.a, "user").substr(0, 20).c_str(),
             text(*t.a, "client").c_str(), text(*t.a, "relayed").c_str(), si(t.to_peer).c_str(),
             si(t.to_client).c_str());
    }
    if (talkers.size() > max_rows) {
        line(out, "  ... %zu more", talkers.size() - max_rows);
    }
}

std::atomic<bool> g_stop{false};

void on_signal(int /*sig*/) {
    g_stop.store(true);
}

}  // namespace

std::string render_top(const TopSample& before, const TopSample& now, std::size_t max_rows) {
    std::string out;
    const double dt = std::max(now.at_s - before.at_s, 1e-3);
    const json dp = now.stats.value("dataplane", json::object());
    if (!dp.value("connected", false)) {
        line(out, "tern top: data plane not attached (control plane pid %d is retrying)",
             now.stats.value("controlplane", json::object()).value("pid", 0));
        return out;
    }
    line(out, "tern top: data plane pid %u, up %s s, %u worker(s), %u port(s); rates over %.1f s",
         dp.value("pid", 0U), std::to_string(u64(dp, "uptime_s")).c_str(), dp.value("workers", 0U),
         dp.value("ports", 0U), dt);
    out += '\n';
    lcores(out, before.stats, now.stats, dt);
    out += '\n';
    ports(out, before.stats, now.stats, dt);
    out += '\n';
    sfu(out, now.stats, max_rows);
    out += '\n';
    turn(out, before.turn, now.turn, dt, max_rows);
    return out;
}

int run_top(const std::function<std::optional<TopSample>(std::string& error)>& fetch,
            const TopOptions& options) {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::string error;
    std::optional<TopSample> before = fetch(error);
    if (!before) {
        std::fprintf(stderr, "ternctl: %s\n", error.c_str());
        return 1;
    }
    const auto step = std::chrono::duration<double>(options.interval_s);
    for (unsigned drawn = 0; !options.count || drawn < *options.count; ++drawn) {
        // Sleep in short steps so that ^C ends the view at once.
        const auto wake = std::chrono::steady_clock::now() + step;
        while (!g_stop.load() && std::chrono::steady_clock::now() < wake) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (g_stop.load()) {
            break;
        }
        std::optional<TopSample> now = fetch(error);
        if (!now) {
            std::fprintf(stderr, "ternctl: %s\n", error.c_str());
            return 1;
        }
        const std::string screen = render_top(*before, *now, options.max_rows);
        if (options.clear_screen) {
            std::fputs("\033[H\033[2J", stdout);
        }
        std::fputs(screen.c_str(), stdout);
        if (!options.clear_screen) {
            std::fputs("\n", stdout);
        }
        std::fflush(stdout);
        before = std::move(now);
    }
    return 0;
}

}  // namespace tern::ctl
