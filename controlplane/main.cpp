// tern-controlplane: attaches to the data plane over the control channel, keeps attaching
// across data plane restarts, serves the local admin socket (ternctl), TURN over TCP/TLS, and
// the MCU proxy protocol through which signaling servers run WebRTC sessions on the SFU.
#include "common/config.hpp"
#include "common/log.hpp"
#include "common/shm/messages.hpp"
#include "common/turn/credentials.hpp"
#include "controlplane/admin/admin_server.hpp"
#include "controlplane/dp_client/dp_client.hpp"
#include "controlplane/proxy/proxy_server.hpp"
#include "controlplane/stats_report.hpp"
#include "controlplane/turn_stream/turn_stream_server.hpp"
#include "controlplane/webrtc/dtls.hpp"
#include "controlplane/webrtc/media_sessions.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

uint64_t wall_us() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

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
        : all_(c), cfg_(c.controlplane), dp_(c.dataplane.control_socket),
          admin_(cfg_.admin_socket, [this](std::string_view r) { return handle(r); }),
          streams_(io_, c, log_), identity_(make_identity(c)),
          media_(c, log_, identity_,
                 tern::cp::MediaSessions::Events{
                     [this](const std::string& o, const std::string& id) { proxy_.ice_completed(o, id); },
                     [this](const std::string& o, const std::string& id, bool pub) { proxy_.client_closed(o, id, pub); }}),
          proxy_(io_, c, log_, media_) {}

    static std::shared_ptr<tern::cp::DtlsIdentity> make_identity(const tern::Config& c) {
        auto id = tern::cp::DtlsIdentity::generate(c.controlplane.proxy.dtls_key == "rsa"
                                                       ? tern::cp::DtlsIdentity::KeyType::Rsa2048
                                                       : tern::cp::DtlsIdentity::KeyType::EcdsaP256);
        if (!id) {
            throw std::runtime_error(id.error());
        }
        return *id;
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
                ping_all();
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
                              {{"instance", instance_}, {"pid", dp_.dp_pid()}});
                    streams_.detach();
                    media_.detach();
                    dp_.disconnect();
                    health_.clear();
                    next_try = Clock::now();
                }
            }
            bool busy = false;
            const uint64_t now_ns = mono_ns();
            if (dp_.connected()) {
                drain();
                busy = streams_.pump(now_ns);
                dp_.drain_punt([&](uint32_t, const tern::shm::RingMessage& m) {
                    if (m.type == static_cast<uint16_t>(tern::shm::MsgType::SfuDatagram)) {
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
            } else if (streams_.active(mono_ns())) {
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
    void attached() {
        ++attaches_;
        generation_ = tern::shm::next_generation(generation_, wall_us());
        instance_ = dp_.region().header->instance_id;
        health_.assign(dp_.workers(), WorkerHealth{});
        ping_all();
        if (newest_seen_ > generation_) {
            // An earlier control plane used a larger generation (the wall clock stepped back):
            // go past it, or the lcores would take our commands for stale ones.
            log_.warn("data plane has seen a newer generation; moving past it",
                      {{"seen", newest_seen_}, {"ours", generation_}});
            generation_ = newest_seen_ + 1;
        }
        log_.info("attached to data plane", {{"pid", dp_.dp_pid()},
                                             {"instance", instance_},
                                             {"workers", dp_.workers()},
                                             {"generation", generation_}});
        ping_all();
        // What a previous control plane left on the punt rings is not ours.
        dp_.drain_punt([](uint32_t, const tern::shm::RingMessage&) {});
        streams_.attach(dp_);
        media_.attach(dp_, instance_, generation_);
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
            if (m.type == static_cast<uint16_t>(tern::shm::MsgType::SfuTransportUp)) {
                media_.on_transport_up(m);
                return;
            }
            if (m.type == static_cast<uint16_t>(tern::shm::MsgType::SfuTransportDown)) {
                media_.on_transport_down(m);
                return;
            }
            if (m.type == static_cast<uint16_t>(tern::shm::MsgType::SfuSpeaking)) {
                media_.on_speaking(m);
                return;
            }
            if (m.type == static_cast<uint16_t>(tern::shm::MsgType::TurnAllocation) &&
                m.payload.size() == sizeof(tern::shm::TurnAllocationEvt)) {
                tern::shm::TurnAllocationEvt e;
                std::memcpy(&e, m.payload.data(), sizeof e);
                if (e.request_id == list_request_) {
                    list_.push_back(allocation_json(e));
                }
                return;
            }
            if (m.type == static_cast<uint16_t>(tern::shm::MsgType::TurnListDone) &&
                m.payload.size() == sizeof(tern::shm::TurnListDoneEvt)) {
                tern::shm::TurnListDoneEvt d;
                std::memcpy(&d, m.payload.data(), sizeof d);
                if (d.request_id == list_request_) {
                    ++list_done_;
                }
                return;
            }
            if (m.type == static_cast<uint16_t>(tern::shm::MsgType::Pong) &&
                m.payload.size() == sizeof(tern::shm::PongEvt) && w < health_.size()) {
                tern::shm::PongEvt p;
                std::memcpy(&p, m.payload.data(), sizeof p);
                const uint64_t now = mono_ns();
                health_[w].last_pong_ns = now;
                health_[w].rtt_ns = now - p.sent_ns;
                health_[w].last_cookie = p.cookie;
                ++health_[w].pongs;
                newest_seen_ = std::max(newest_seen_, p.generation);
            }
        });
    }

    static nlohmann::json allocation_json(const tern::shm::TurnAllocationEvt& e) {
        auto ip = [&](const uint8_t* b) {
            if (e.client_is_v6 != 0) {
                tern::wire::Ipv6Addr a;
                std::memcpy(a.b.data(), b, 16);
                return a.to_string();
            }
            return tern::wire::Ipv4Addr{tern::load_u32be(reinterpret_cast<const std::byte*>(b))}.to_string();
        };
        auto addr = [&](const uint8_t* b, uint16_t port) {
            return e.client_is_v6 != 0 ? "[" + ip(b) + "]:" + std::to_string(port)
                                       : ip(b) + ":" + std::to_string(port);
        };
        return {{"worker", e.worker},
                {"user", std::string(e.username, strnlen(e.username, sizeof e.username))},
                {"client", addr(e.client_ip, e.client_port)},
                {"relayed", addr(e.relay_ip, e.relay_port)},
                {"lifetime_s", e.lifetime_left_s},
                {"permissions", e.permissions},
                {"channels", e.channels},
                {"to_peer_packets", e.to_peer_packets},
                {"to_peer_bytes", e.to_peer_bytes},
                {"to_client_packets", e.to_client_packets},
                {"to_client_bytes", e.to_client_bytes}};
    }

    std::string turn_list() {
        using nlohmann::json;
        if (!dp_.connected()) {
            return json{{"error", "no data plane attached"}}.dump();
        }
        list_.clear();
        list_done_ = 0;
        list_request_ = ++cookie_;
        uint32_t asked = 0;
        for (uint32_t w = 0; w < dp_.workers(); ++w) {
            asked += dp_.send_command(w, tern::shm::MsgType::TurnList,
                                      tern::shm::TurnListCmd{generation_, list_request_})
                         ? 1
                         : 0;
        }
        const uint64_t deadline = mono_ns() + 2'000'000'000ULL;
        while (list_done_ < asked && mono_ns() < deadline) {
            drain();
            usleep(200);
        }
        const bool complete = list_done_ == asked && asked == dp_.workers();
        json out{{"allocations", list_}, {"complete", complete}};
        list_request_ = 0;
        return out.dump();
    }

    std::string turn_credentials(const std::vector<std::string>& args) {
        using nlohmann::json;
        const tern::TurnConfig& t = all_.dataplane.turn;
        if (t.secrets.empty()) {
            return json{{"error", "no TURN REST secret configured (dataplane.turn.secrets or secret_file)"}}.dump();
        }
        const std::string user = args.size() > 1 && args[1] != "-" ? args[1] : "";
        uint64_t ttl = 86400;
        if (args.size() > 2) {
            ttl = std::strtoull(args[2].c_str(), nullptr, 10);
            if (ttl == 0 || ttl > 365ULL * 86400) {
                return json{{"error", "ttl must be 1 s to 365 days"}}.dump();
            }
        }
        const auto now = static_cast<uint64_t>(time(nullptr));
        const std::string username = tern::turn::rest_username(now + ttl, user);
        json uris = json::array();
        for (const tern::PortConfig& p : all_.dataplane.ports) {
            if (p.ipv4) {
                uris.push_back("turn:" + p.ipv4->addr.to_string() + ":" +
                               std::to_string(all_.dataplane.services.stun_port) + "?transport=udp");
            }
            if (p.ipv6) {
                uris.push_back("turn:[" + p.ipv6->addr.to_string() + "]:" +
                               std::to_string(all_.dataplane.services.stun_port) + "?transport=udp");
            }
            std::vector<std::string> hosts;
            if (p.ipv4) {
                hosts.push_back(p.ipv4->addr.to_string());
            }
            if (p.ipv6) {
                hosts.push_back("[" + p.ipv6->addr.to_string() + "]");
            }
            for (const std::string& h : hosts) {
                for (uint16_t port : t.tcp_ports) {
                    uris.push_back("turn:" + h + ":" + std::to_string(port) + "?transport=tcp");
                }
                for (uint16_t port : t.tls_ports) {
                    uris.push_back("turns:" + h + ":" + std::to_string(port) + "?transport=tcp");
                }
            }
        }
        return json{{"username", username},
                    {"password", tern::turn::rest_password(t.secrets.front(), username)},
                    {"ttl", ttl},
                    {"realm", t.realm},
                    {"uris", uris}}
            .dump();
    }

    /// Test mode (ternctl sfu ...): installs SFU state by hand, as the proxy protocol will from
    /// SDP and DTLS. The transport's worker is id % workers; its media port follows.
    std::string sfu_command(const std::vector<std::string>& a) {
        using nlohmann::json;
        namespace shm = tern::shm;
        if (!dp_.connected()) {
            return json{{"error", "no data plane attached"}}.dump();
        }
        if (all_.dataplane.services.media_port == 0) {
            return json{{"error", "the SFU is off (dataplane.services.media_port = 0)"}}.dump();
        }
        auto num = [](const std::string& v, uint64_t& out) {
            char* end = nullptr;
            out = std::strtoull(v.c_str(), &end, 0);
            return end != nullptr && *end == '\0' && !v.empty();
        };
        auto hex = [](const std::string& v, uint8_t* out, std::size_t n) {
            if (v.size() != 2 * n) {
                return false;
            }
            for (std::size_t i = 0; i < n; ++i) {
                const std::string byte = v.substr(2 * i, 2);
                char* end = nullptr;
                out[i] = static_cast<uint8_t>(std::strtoul(byte.c_str(), &end, 16));
                if (*end != '\0') {
                    return false;
                }
            }
            return true;
        };
        uint64_t id = 0;
        if (a.size() < 2 || !num(a[1], id)) {
            return json{{"error", "usage: sfu-COMMAND ID ..."}}.dump();
        }
        const uint32_t worker = static_cast<uint32_t>(id % dp_.workers());
        bool sent = false;
        const std::string& cmd = a[0];
        if (cmd == "sfu-transport" && (a.size() == 4 || a.size() == 5) && a[2].size() <= 64 && a[3].size() <= 128) {
            shm::SfuTransportCmd c{};
            uint64_t udp_port = 0;
            if (a.size() == 5 && (!num(a[4], udp_port) || udp_port > 65535)) {
                return json{{"error", "usage: sfu-transport ID UFRAG PWD [UDP_PORT]"}}.dump();
            }
            c.udp_port = static_cast<uint16_t>(udp_port);
            c.generation = generation_;
            c.id = id;
            c.ufrag_len = static_cast<uint8_t>(a[2].size());
            c.pwd_len = static_cast<uint8_t>(a[3].size());
            std::memcpy(c.ufrag, a[2].data(), a[2].size());
            std::memcpy(c.pwd, a[3].data(), a[3].size());
            sent = dp_.send_command(worker, shm::MsgType::SfuTransport, c);
        } else if (cmd == "sfu-keys" && a.size() == 7) {
            shm::SfuKeysCmd c{};
            c.generation = generation_;
            c.id = id;
            const std::size_t key_len = a[2] == "aes128cm" || a[2] == "aes128gcm" ? 16 : 32;
            c.suite = a[2] == "aes128cm" ? 0 : a[2] == "aes128gcm" ? 1 : a[2] == "aes256gcm" ? 2 : 255;
            const std::size_t salt_len = c.suite == 0 ? 14 : 12;
            if (c.suite == 255 || !hex(a[3], c.rx_key, key_len) || !hex(a[4], c.rx_salt, salt_len) ||
                !hex(a[5], c.tx_key, key_len) || !hex(a[6], c.tx_salt, salt_len)) {
                return json{{"error", "usage: sfu-keys ID aes128cm|aes128gcm|aes256gcm RXKEY RXSALT TXKEY TXSALT (hex)"}}.dump();
            }
            sent = dp_.send_command(worker, shm::MsgType::SfuKeys, c);
        } else if (cmd == "sfu-publish" && a.size() >= 6) {
            shm::SfuPublicationCmd c{};
            uint64_t ssrc = 0, track = 0, layer = 0;
            const std::string& codec = a[5];
            c.codec = codec == "opus" ? 0 : codec == "vp8" ? 1 : codec == "vp9" ? 2 : codec == "h264" ? 3 : codec == "av1" ? 4 : 255;
            // The transport's header extension ids, NAME=ID (1-255), as its SDP would give them.
            bool ext_ok = true;
            for (std::size_t k = 6; k < a.size(); ++k) {
                const auto eq = a[k].find('=');
                uint64_t ext_id = 0;
                const std::string name = a[k].substr(0, eq);
                uint8_t* slot = name == "twcc" ? &c.twcc_ext : name == "level" ? &c.level_ext : name == "cvo" ? &c.cvo_ext
                                : name == "capture" ? &c.capture_ext : nullptr;
                if (eq == std::string::npos || slot == nullptr || !num(a[k].substr(eq + 1), ext_id) || ext_id == 0 ||
                    ext_id > 255) {
                    ext_ok = false;
                    break;
                }
                *slot = static_cast<uint8_t>(ext_id);
            }
            if (!num(a[2], ssrc) || !num(a[3], track) || !num(a[4], layer) || c.codec == 255 || !ext_ok) {
                return json{{"error", "usage: sfu-publish ID SSRC TRACK LAYER opus|vp8|vp9|h264|av1 [twcc=N level=N cvo=N capture=N]"}}.dump();
            }
            c.generation = generation_;
            c.id = id;
            c.ssrc = static_cast<uint32_t>(ssrc);
            c.track = static_cast<uint32_t>(track);
            c.layer = static_cast<int32_t>(layer);
            c.clock_hz = codec == "opus" ? 48000 : 90000;
            sent = dp_.send_command(worker, shm::MsgType::SfuPublication, c);
        } else if (cmd == "sfu-subscribe" && a.size() == 6) {
            shm::SfuSubscriptionCmd c{};
            uint64_t track = 0, ssrc = 0, pt = 0, layer = 0;
            if (!num(a[2], track) || !num(a[3], ssrc) || !num(a[4], pt) || pt > 127 || !num(a[5], layer)) {
                return json{{"error", "usage: sfu-subscribe ID TRACK OUT_SSRC PT LAYER"}}.dump();
            }
            c.generation = generation_;
            c.id = id;
            c.track = static_cast<uint32_t>(track);
            c.out_ssrc = static_cast<uint32_t>(ssrc);
            c.out_pt = static_cast<uint8_t>(pt);
            c.target_layer = static_cast<int32_t>(layer);
            sent = dp_.send_command(worker, shm::MsgType::SfuSubscription, c);
        } else if (cmd == "sfu-publish-remote" && a.size() == 6) {
            // sfu-publish-remote WORKER TRACK LAYER CODEC FROM_WORKER: relayed from another worker
            shm::SfuPublicationCmd c{};
            uint64_t track = 0, layer = 0, from = 0;
            const std::string& codec = a[4];
            c.codec = codec == "opus" ? 0 : codec == "vp8" ? 1 : codec == "vp9" ? 2 : codec == "h264" ? 3 : codec == "av1" ? 4 : 255;
            if (!num(a[2], track) || !num(a[3], layer) || c.codec == 255 || !num(a[5], from) ||
                from >= dp_.workers() || id >= dp_.workers()) {
                return json{{"error", "usage: sfu-publish-remote WORKER TRACK LAYER opus|vp8|vp9|h264|av1 FROM_WORKER"}}.dump();
            }
            c.generation = generation_;
            c.track = static_cast<uint32_t>(track);
            c.layer = static_cast<int32_t>(layer);
            c.clock_hz = codec == "opus" ? 48000 : 90000;
            c.from_worker = static_cast<uint8_t>(from + 1);
            sent = dp_.send_command(worker, shm::MsgType::SfuPublication, c);
        } else if (cmd == "sfu-relay" && a.size() == 5 && (a[4] == "on" || a[4] == "off")) {
            // sfu-relay WORKER TRACK TO_WORKER on|off
            uint64_t track = 0, to = 0;
            if (!num(a[2], track) || !num(a[3], to) || to >= dp_.workers() || id >= dp_.workers()) {
                return json{{"error", "usage: sfu-relay WORKER TRACK TO_WORKER on|off"}}.dump();
            }
            shm::SfuRelayCmd c{};
            c.generation = generation_;
            c.track = static_cast<uint32_t>(track);
            c.to_worker = static_cast<uint32_t>(to);
            c.on = a[4] == "on" ? 1 : 0;
            sent = dp_.send_command(worker, shm::MsgType::SfuRelay, c);
        } else if (cmd == "sfu-remove" && a.size() == 2) {
            sent = dp_.send_command(worker, shm::MsgType::SfuRemove, shm::SfuRemoveCmd{generation_, id});
        } else {
            return json{{"error", "unknown or malformed SFU command '" + cmd + "'"}}.dump();
        }
        if (!sent) {
            return json{{"error", "the worker's command ring is full; retry"}}.dump();
        }
        return json{{"ok", true}, {"worker", worker},
                    {"media_port", tern::PortPlan{all_.dataplane}.media_port(worker)}}.dump();  // (or the transport's own)
    }

    /// Test mode in bulk (load generators): one sfu-* command per line of FILE, waiting for room
    /// on the command rings rather than failing.
    std::string sfu_batch(const std::string& path) {
        using nlohmann::json;
        FILE* f = std::fopen(path.c_str(), "r");
        if (f == nullptr) {
            return json{{"error", path + ": " + std::strerror(errno)}}.dump();
        }
        char line[1024];
        uint64_t applied = 0;
        while (std::fgets(line, sizeof line, f) != nullptr) {
            std::vector<std::string> args;
            for (char* tok = std::strtok(line, " \r\n"); tok != nullptr; tok = std::strtok(nullptr, " \r\n")) {
                args.emplace_back(tok);
            }
            if (args.empty()) {
                continue;
            }
            std::string r;
            for (int tries = 0; tries < 20000; ++tries) {  // up to ~2 s per line
                r = sfu_command(args);
                if (r.find("command ring is full") == std::string::npos) {
                    break;
                }
                usleep(100);
            }
            if (r.find("\"error\"") != std::string::npos) {
                std::fclose(f);
                return json{{"error", "line " + std::to_string(applied + 1) + ": " + r}}.dump();
            }
            ++applied;
        }
        std::fclose(f);
        return json{{"ok", true}, {"applied", applied}}.dump();
    }

    std::string handle(std::string_view req) {
        using nlohmann::json;
        std::vector<std::string> args;
        for (std::size_t i = 0; i < req.size();) {
            const std::size_t j = std::min(req.find(' ', i), req.size());
            if (j > i) {
                args.emplace_back(req.substr(i, j - i));
            }
            i = j + 1;
        }
        if (!args.empty() && args[0] == "turn-list") {
            return turn_list();
        }
        if (!args.empty() && args[0] == "turn-credentials") {
            return turn_credentials(args);
        }
        if (args.size() == 2 && args[0] == "sfu-batch") {
            return sfu_batch(args[1]);
        }
        if (!args.empty() && args[0].rfind("sfu-", 0) == 0) {
            return sfu_command(args);
        }
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
            out["turn_streams"] = streams_.stats();
            out["proxy"] = proxy_.stats();
            out["sfu_sessions"] = media_.stats();
            if (req == "stats") {
                out.update(tern::cp::counters_report(dp_.region()));
            }
            return out.dump();
        }
        return json{{"error", "unknown request '" + std::string(req) +
                                  "' (known: status, stats, turn-list, turn-credentials, sfu-*)"}}
            .dump();
    }

    tern::Logger log_{"controlplane"};
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
    const tern::Config& all_;
    const tern::ControlplaneConfig& cfg_;
    tern::cp::DataplaneClient dp_;
    tern::cp::AdminServer admin_;
    std::vector<WorkerHealth> health_;
    uint64_t generation_ = 0;
    uint64_t newest_seen_ = 0;  // what the lcores' pongs report
    uint64_t cookie_ = 0;
    uint64_t attaches_ = 0;
    uint64_t instance_ = 0;
    uint64_t list_request_ = 0;
    uint32_t list_done_ = 0;
    std::vector<nlohmann::json> list_;
    tern::cp::TurnStreamServer streams_;  // after dp_: closes its connections first
    std::shared_ptr<tern::cp::DtlsIdentity> identity_;
    tern::cp::MediaSessions media_;
    tern::cp::ProxyServer proxy_;
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
