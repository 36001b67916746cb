// tern-controlplane: attaches to the data plane over the control channel, keeps attaching
// across data plane restarts, serves the local admin socket (ternctl), TURN over TCP/TLS, and
// the MCU proxy protocol through which signaling servers run WebRTC sessions on the SFU.
//
// This file only assembles the process: the configuration, the objects, the admin verbs and
// the loop that polls the sockets and the data plane's rings. What each part does is in its
// own file (docs/proxy.md, "The control plane's files").
#include "common/config.hpp"
#include "common/log.hpp"
#include "common/shm/messages.hpp"
#include "controlplane/admin/admin_server.hpp"
#include "controlplane/admin/admin_verbs.hpp"
#include "controlplane/admin/verbs/verbs.hpp"
#include "controlplane/command_sink_dataplane.hpp"
#include "controlplane/dataplane_link.hpp"
#include "controlplane/dp_client/dp_client.hpp"
#include "controlplane/metrics/prometheus_text.hpp"
#include "controlplane/metrics/readiness.hpp"
#include "controlplane/proxy/proxy_server.hpp"
#include "controlplane/turn_stream/turn_stream_server.hpp"
#include "controlplane/webrtc/dtls.hpp"
#include "controlplane/webrtc/media_sessions.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace {

namespace cp = tern::cp;
namespace shm = tern::shm;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
void on_signal(int) {
    g_stop.store(true);
}

std::shared_ptr<cp::DtlsIdentity> make_identity(const tern::Config& c) {
    auto id = cp::DtlsIdentity::generate(c.controlplane.proxy.dtls_key == "rsa"
                                             ? cp::DtlsIdentity::KeyType::Rsa2048
                                             : cp::DtlsIdentity::KeyType::EcdsaP256);
    if (!id) {
        throw std::runtime_error(id.error());
    }
    return *id;
}

class ControlPlane {
public:
    explicit ControlPlane(const tern::Config& c)
        : all_(c), cfg_(c.controlplane), dp_(c.dataplane.control_socket),
          link_(dp_, log_, [this](uint32_t w, const shm::RingMessage& m) { on_event(w, m); }),
          admin_(cfg_.admin_socket, [this](std::string_view r) { return verbs_.handle(r); }),
          streams_(io_, c, log_), identity_(make_identity(c)),
          media_(c, log_, identity_, sink_,
                 cp::MediaSessions::Events{[this](const std::string& o, const std::string& id) {
                                               proxy_.ice_completed(o, id);
                                           },
                                           [this](const std::string& o, const std::string& id,
                                                  bool pub) { proxy_.client_closed(o, id, pub); }}),
          proxy_(io_, c, log_, media_) {
        add_verbs();
    }

    int run() {
        log_.info("control plane started", {{"admin_socket", cfg_.admin_socket},
                                            {"pid", static_cast<int64_t>(getpid())},
                                            {"dtls_fingerprint", identity_->fingerprint()}});
        if (cfg_.proxy.enabled) {
            auto r = proxy_.start();
            if (!r) {
                log_.error("proxy protocol not available", {{"error", r.error()}});
                return 1;
            }
        }
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
                link_.ping_all();
                next_ping = now + std::chrono::milliseconds(cfg_.ping_interval_ms);
            }
            pollfd fds[2] = {{admin_.fd(), POLLIN, 0}, {dp_.fd(), POLLIN, 0}};
            const nfds_t n = dp_.connected() ? 2 : 1;
            if (poll(fds, n, 0) > 0) {
                if ((fds[0].revents & POLLIN) != 0) {
                    admin_.serve_one();
                }
                if (n == 2 && fds[1].revents != 0 && dp_.peer_gone()) {
                    log_.warn("data plane went away; reconnecting",
                              {{"instance", link_.instance()}, {"pid", dp_.dp_pid()}});
                    streams_.detach();
                    media_.detach();
                    dp_.disconnect();
                    link_.detached();
                    next_try = Clock::now();
                }
            }
            bool busy = false;
            const uint64_t now_ns = cp::DataplaneLink::mono_ns();
            if (dp_.connected()) {
                link_.drain();
                busy = streams_.pump(now_ns);
                dp_.drain_punt([&](uint32_t, const shm::RingMessage& m) {
                    if (m.type == static_cast<uint16_t>(shm::MsgType::SfuDatagram)) {
                        media_.on_punt(m, now_ns / 1'000'000);
                        busy = true;
                    } else {
                        busy = streams_.on_punt(m) || busy;
                    }
                });
                media_.tick(now_ns / 1'000'000);
            }
            proxy_.tick(now_ns / 1'000'000);
            // Socket events (TURN over TCP/TLS) run here. The rings have no doorbell: while
            // stream clients exchange data they are polled every 100 us, else every 10 ms.
            io_.restart();
            if (busy) {
                io_.poll();
            } else if (streams_.active(cp::DataplaneLink::mono_ns())) {
                io_.run_one_for(std::chrono::microseconds(100));
            } else {
                io_.run_one_for(std::chrono::milliseconds(10));
            }
            io_.poll();
        }
        log_.info("control plane stopping");
        return 0;
    }

private:
    /// What ternctl can ask (admin/verbs/verbs.hpp).
    void add_verbs() {
        namespace verbs = cp::verbs;
        auto sfu = [this] {
            return verbs::SfuContext{link_.generation(), tern::PortPlan{all_.dataplane}};
        };
        auto status = [this](bool counters) {
            return verbs::status_json(
                {dp_, link_, cfg_.ping_interval_ms, [this] { return streams_.stats(); },
                 [this] { return proxy_.stats(); }, [this] { return media_.stats(); }},
                counters);
        };
        proxy_.set_metrics([status] { return cp::metrics::prometheus_text(status(true)); });
        proxy_.set_readiness([status] { return cp::metrics::readiness(status(false)); });
        verbs_.add(
            "status", [status](const cp::AdminRequest&) { return status(false).dump(); }, 1, 1);
        verbs_.add(
            "stats", [status](const cp::AdminRequest&) { return status(true).dump(); }, 1, 1);
        verbs_.add("turn-list", [this](const cp::AdminRequest&) {
            return turn_list_.run(sink_, link_.generation(), link_.next_cookie(),
                                  [this] { link_.drain(); });
        });
        verbs_.add("turn-credentials", [this](const cp::AdminRequest& r) {
            return verbs::turn_credentials(all_, r, static_cast<uint64_t>(time(nullptr)));
        });
        verbs_.add(
            "sfu-batch",
            [this, sfu](const cp::AdminRequest& r) {
                return verbs::sfu_batch(sink_, sfu(), r.args[1]);
            },
            2, 2);
        verbs_.add_prefix("sfu-", [this, sfu](const cp::AdminRequest& r) {
            return verbs::sfu_command(sink_, sfu(), r.args);
        });
    }

    /// Data plane events other than pongs.
    void on_event(uint32_t, const shm::RingMessage& m) {
        switch (static_cast<shm::MsgType>(m.type)) {
        case shm::MsgType::SfuTransportUp: media_.on_transport_up(m); break;
        case shm::MsgType::SfuTransportDown: media_.on_transport_down(m); break;
        case shm::MsgType::SfuSpeaking: media_.on_speaking(m); break;
        case shm::MsgType::SfuEstimate: media_.on_estimate(m); break;
        default: turn_list_.on_event(m); break;
        }
    }

    void attached() {
        link_.attached();
        // What a previous control plane left on the punt rings is not ours.
        dp_.drain_punt([](uint32_t, const shm::RingMessage&) {});
        streams_.attach(dp_);
        media_.attach(link_.instance(), link_.generation());
    }

    tern::Logger log_{"controlplane"};
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        io_.get_executor()};
    const tern::Config& all_;
    const tern::ControlplaneConfig& cfg_;
    cp::DataplaneClient dp_;
    cp::DataplaneSink sink_{dp_};
    cp::DataplaneLink link_;
    cp::AdminVerbs verbs_;
    cp::AdminServer admin_;
    cp::verbs::TurnList turn_list_;
    cp::TurnStreamServer streams_;  // after dp_: closes its connections first
    std::shared_ptr<cp::DtlsIdentity> identity_;
    cp::MediaSessions media_;
    cp::ProxyServer proxy_;
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
