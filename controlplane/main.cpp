// tern-controlplane: attaches to the data plane over the control channel, keeps attaching
// across data plane restarts, and serves the local admin socket (ternctl).
#include "common/config.hpp"
#include "common/log.hpp"
#include "common/shm/messages.hpp"
#include "controlplane/admin/admin_server.hpp"
#include "controlplane/dp_client/dp_client.hpp"
#include "controlplane/stats_report.hpp"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

uint64_t mono_ns() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
            .count());
}

struct WorkerHealth {
    uint64_t last_pong_ns = 0;
    uint64_t rtt_ns = 0;
    uint64_t pongs = 0;
    uint64_t last_cookie = 0;
};

class ControlPlane {
public:
    explicit ControlPlane(const tern::Config& c)
        : cfg_(c.controlplane), dp_(c.dataplane.control_socket),
          admin_(cfg_.admin_socket, [this](std::string_view r) { return handle(r); }) {}

    int run() {
        log_.info("control plane started", {{"admin_socket", cfg_.admin_socket},
                                            {"pid", static_cast<int64_t>(getpid())}});
        auto next_try = Clock::now();
        auto next_ping = Clock::now();
        std::string last_error;
        while (!g_stop.load()) {
            const auto now = Clock::now();
            if (!dp_.connected() && now >= next_try) {
                auto r = dp_.connect();
                if (r) {
                    attached();
                } else if (r.error() != last_error) {
                    log_.warn("data plane not reachable, retrying",
                              {{"error", r.error()}, {"every_ms", cfg_.reconnect_ms}});
                    last_error = r.error();
                }
                if (!r) {
                    next_try = now + std::chrono::milliseconds(cfg_.reconnect_ms);
                } else {
                    last_error.clear();
                }
            }
            if (dp_.connected() && now >= next_ping) {
                ping_all();
                next_ping = now + std::chrono::milliseconds(cfg_.ping_interval_ms);
            }
            pollfd fds[2] = {{admin_.fd(), POLLIN, 0}, {dp_.fd(), POLLIN, 0}};
            const nfds_t n = dp_.connected() ? 2 : 1;
            if (poll(fds, n, 10) > 0) {
                if ((fds[0].revents & POLLIN) != 0) {
                    admin_.serve_one();
                }
                if (n == 2 && fds[1].revents != 0 && dp_.peer_gone()) {
                    log_.warn("data plane went away; reconnecting",
                              {{"instance", instance_}, {"pid", dp_.dp_pid()}});
                    dp_.disconnect();
                    health_.clear();
                    next_try = Clock::now();
                }
            }
            if (dp_.connected()) {
                drain();
            }
        }
        log_.info("control plane stopping");
        return 0;
    }

private:
    void attached() {
        ++attaches_;
        ++generation_;
        instance_ = dp_.region().header->instance_id;
        health_.assign(dp_.workers(), WorkerHealth{});
        log_.info("attached to data plane", {{"pid", dp_.dp_pid()},
                                             {"instance", instance_},
                                             {"workers", dp_.workers()},
                                             {"generation", generation_}});
        ping_all();
    }

    void ping_all() {
        const uint64_t first = ++cookie_;
        for (uint32_t w = 0; w < dp_.workers(); ++w) {
            (void)dp_.send_ping(w, {generation_, first, mono_ns()});
        }
        // The rings have no doorbell: wait briefly for the answers so the round trip measured
        // is the data plane's, not this loop's poll interval.
        const uint64_t deadline = mono_ns() + 5'000'000;
        while (mono_ns() < deadline) {
            drain();
            bool all = true;
            for (const WorkerHealth& h : health_) {
                all = all && h.last_cookie == first;
            }
            if (all) {
                return;
            }
            usleep(20);
        }
    }

    void drain() {
        dp_.drain_events([this](uint32_t w, const tern::shm::RingMessage& m) {
            if (m.type == static_cast<uint16_t>(tern::shm::MsgType::Pong) &&
                m.payload.size() == sizeof(tern::shm::PongEvt) && w < health_.size()) {
                tern::shm::PongEvt p;
                std::memcpy(&p, m.payload.data(), sizeof p);
                const uint64_t now = mono_ns();
                health_[w].last_pong_ns = now;
                health_[w].rtt_ns = now - p.sent_ns;
                health_[w].last_cookie = p.cookie;
                ++health_[w].pongs;
            }
        });
    }

    std::string handle(std::string_view req) {
        using nlohmann::json;
        if (req == "status" || req == "stats") {
            json out;
            out["controlplane"] = {{"pid", getpid()}, {"attaches", attaches_},
                                   {"generation", generation_}};
            if (!dp_.connected()) {
                out["dataplane"] = {{"connected", false}};
                return out.dump();
            }
            const auto& h = *dp_.region().header;
            const uint64_t now_unix = static_cast<uint64_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count());
            out["dataplane"] = {{"connected", true},
                                {"pid", dp_.dp_pid()},
                                {"instance_id", std::to_string(h.instance_id)},
                                {"workers", h.n_workers},
                                {"ports", h.n_ports},
                                {"tsc_hz", h.tsc_hz},
                                {"uptime_s", (now_unix - h.started_unix_ns) / 1'000'000'000ULL}};
            json workers = json::array();
            const uint64_t now = mono_ns();
            for (uint32_t w = 0; w < health_.size(); ++w) {
                const WorkerHealth& wh = health_[w];
                workers.push_back({{"worker", w},
                                   {"responding", wh.pongs > 0 &&
                                                      now - wh.last_pong_ns <
                                                          3ULL * cfg_.ping_interval_ms * 1'000'000ULL},
                                   {"ping_rtt_us", wh.rtt_ns / 1000},
                                   {"pongs", wh.pongs}});
            }
            out["workers"] = workers;
            if (req == "stats") {
                out.update(tern::cp::counters_report(dp_.region()));
            }
            return out.dump();
        }
        return json{{"error", "unknown request '" + std::string(req) +
                                  "' (known: status, stats)"}}
            .dump();
    }

    const tern::ControlplaneConfig& cfg_;
    tern::cp::DataplaneClient dp_;
    tern::cp::AdminServer admin_;
    std::vector<WorkerHealth> health_;
    uint64_t generation_ = 0;
    uint64_t cookie_ = 0;
    uint64_t attaches_ = 0;
    uint64_t instance_ = 0;
    tern::Logger log_{"controlplane"};
};

}  // namespace

int main(int argc, char** argv) {
    std::string config_path;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "--config" || a == "-c") && i + 1 < argc) {
            config_path = argv[++i];
        } else if (a == "--help" || a == "-h") {
            std::puts("usage: tern-controlplane --config FILE");
            return 0;
        } else {
            std::fprintf(stderr, "tern-controlplane: unknown argument '%s'\n", a.c_str());
            return 2;
        }
    }
    if (config_path.empty()) {
        std::fputs("usage: tern-controlplane --config FILE\n", stderr);
        return 2;
    }
    auto config = tern::load_config(config_path);
    if (!config) {
        std::fprintf(stderr, "tern-controlplane: %s\n", config.error().c_str());
        return 1;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        ControlPlane cp{*config};
        return cp.run();
    } catch (const std::exception& e) {
        tern::Logger{"controlplane"}.error("fatal", {{"error", e.what()}});
        return 1;
    }
}
