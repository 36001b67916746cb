#include "common/config.hpp"

#include "common/port_plan.hpp"

#include <libconfig.h++>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

namespace tern {

namespace {

struct Bad {
    std::string msg;
};

[[noreturn]] void fail(const libconfig::Setting& s, const std::string& what) {
    throw Bad{std::string(s.getPath()) + " (line " + std::to_string(s.getSourceLine()) +
              "): " + what};
}

template <class T>
T get_int(const libconfig::Setting& parent, const char* key, T def, long long lo, long long hi) {
    if (!parent.exists(key)) {
        return def;
    }
    const libconfig::Setting& s = parent[key];
    if (!s.isNumber() || s.getType() == libconfig::Setting::TypeFloat) {
        fail(s, "must be an integer");
    }
    const long long v = s.getType() == libconfig::Setting::TypeInt64
                            ? static_cast<long long>(s)
                            : static_cast<long long>(static_cast<int>(s));
    if (v < lo || v > hi) {
        fail(s, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    }
    return static_cast<T>(v);
}

bool get_bool(const libconfig::Setting& parent, const char* key, bool def) {
    if (!parent.exists(key)) {
        return def;
    }
    const libconfig::Setting& s = parent[key];
    if (s.getType() != libconfig::Setting::TypeBoolean) {
        fail(s, "must be true or false");
    }
    return s;
}

std::string get_string(const libconfig::Setting& parent, const char* key, const std::string& def) {
    if (!parent.exists(key)) {
        return def;
    }
    const libconfig::Setting& s = parent[key];
    if (s.getType() != libconfig::Setting::TypeString) {
        fail(s, "must be a string");
    }
    return s.c_str();
}

std::vector<std::string> get_string_list(const libconfig::Setting& parent, const char* key) {
    std::vector<std::string> out;
    if (!parent.exists(key)) {
        return out;
    }
    const libconfig::Setting& a = parent[key];
    if (!a.isArray() && !a.isList()) {
        fail(a, "must be a list of strings");
    }
    for (int i = 0; i < a.getLength(); ++i) {
        if (a[i].getType() != libconfig::Setting::TypeString) {
            fail(a[i], "must be a string");
        }
        out.emplace_back(a[i].c_str());
    }
    return out;
}

void reject_unknown(const libconfig::Setting& group, std::initializer_list<const char*> known) {
    const std::set<std::string> k(known.begin(), known.end());
    for (int i = 0; i < group.getLength(); ++i) {
        const libconfig::Setting& s = group[i];
        if (s.getName() != nullptr && k.count(s.getName()) == 0) {
            fail(s, "unknown key");
        }
    }
}

PortConfig parse_port(const libconfig::Setting& p) {
    reject_unknown(p, {"name", "vdev", "pci", "rx_queues", "tx_queues", "rx_descriptors",
                       "tx_descriptors", "mac", "ipv4", "ipv6", "gateway4", "gateway6",
                       "promiscuous"});
    PortConfig c;
    c.name = get_string(p, "name", "");
    if (c.name.empty()) {
        fail(p, "a port needs a name");
    }
    const bool has_vdev = p.exists("vdev");
    const bool has_pci = p.exists("pci");
    if (has_vdev == has_pci) {
        fail(p, "give exactly one of vdev or pci");
    }
    c.is_pci = has_pci;
    c.device = has_pci ? get_string(p, "pci", "") : get_string(p, "vdev", "");
    c.rx_queues = get_int<uint16_t>(p, "rx_queues", 0, 0, 64);
    c.tx_queues = get_int<uint16_t>(p, "tx_queues", 0, 0, 64);
    c.rx_descriptors = get_int<uint16_t>(p, "rx_descriptors", 1024, 64, 16384);
    c.tx_descriptors = get_int<uint16_t>(p, "tx_descriptors", 1024, 64, 16384);
    c.promiscuous = get_bool(p, "promiscuous", true);
    if (p.exists("mac")) {
        auto m = wire::MacAddr::parse(get_string(p, "mac", ""));
        if (!m || m->is_multicast() || m->is_zero()) {
            fail(p["mac"], "must be a unicast MAC like 02:00:00:00:01:02");
        }
        c.mac = *m;
    }
    if (p.exists("ipv4")) {
        c.ipv4 = wire::parse_ipv4_prefix(get_string(p, "ipv4", ""));
        if (!c.ipv4) {
            fail(p["ipv4"], "must be an address with prefix length, like 198.18.0.2/24");
        }
    }
    if (p.exists("ipv6")) {
        c.ipv6 = wire::parse_ipv6_prefix(get_string(p, "ipv6", ""));
        if (!c.ipv6 || c.ipv6->addr.is_multicast() || c.ipv6->addr.is_link_local()) {
            fail(p["ipv6"], "must be a global address with prefix length, like 2001:2::2/64");
        }
    }
    if (p.exists("gateway4")) {
        c.gateway4 = wire::Ipv4Addr::parse(get_string(p, "gateway4", ""));
        if (!c.gateway4) {
            fail(p["gateway4"], "must be an IPv4 address");
        }
    }
    if (p.exists("gateway6")) {
        c.gateway6 = wire::Ipv6Addr::parse(get_string(p, "gateway6", ""));
        if (!c.gateway6) {
            fail(p["gateway6"], "must be an IPv6 address");
        }
    }
    if (!c.ipv4 && !c.ipv6) {
        fail(p, "a port needs ipv4, ipv6 or both");
    }
    return c;
}

Config build(const libconfig::Config& cfg) {
    Config c;
    const libconfig::Setting& root = cfg.getRoot();
    reject_unknown(root, {"dataplane", "controlplane", "signaling"});
    if (!root.exists("dataplane")) {
        throw Bad{"missing the dataplane group"};
    }
    const libconfig::Setting& d = root["dataplane"];
    reject_unknown(d, {"eal_args", "main_core", "worker_cores", "memory_mb", "in_memory",
                       "file_prefix", "control_socket", "burst", "mbufs", "stats_interval_ms",
                       "ports", "exception", "idle", "neighbors", "services", "turn"});
    DataplaneConfig& dp = c.dataplane;
    if (d.exists("eal_args")) {
        const libconfig::Setting& a = d["eal_args"];
        if (!a.isArray() && !a.isList()) {
            fail(a, "must be a list of strings");
        }
        for (int i = 0; i < a.getLength(); ++i) {
            if (a[i].getType() != libconfig::Setting::TypeString) {
                fail(a[i], "must be a string");
            }
            dp.eal_args.emplace_back(a[i].c_str());
        }
    }
    dp.main_core = get_int<unsigned>(d, "main_core", 0, 0, 1023);
    if (d.exists("worker_cores")) {
        const libconfig::Setting& w = d["worker_cores"];
        if (!w.isArray() || w.getLength() == 0) {
            fail(w, "must be a non-empty array of core numbers, like [1]");
        }
        dp.worker_cores.clear();
        for (int i = 0; i < w.getLength(); ++i) {
            if (w[i].getType() != libconfig::Setting::TypeInt) {
                fail(w[i], "must be a core number");
            }
            const int core = w[i];
            if (core < 0 || core > 1023) {
                fail(w[i], "must be a core number");
            }
            dp.worker_cores.push_back(static_cast<unsigned>(core));
        }
    }
    if (dp.worker_cores.size() > 64) {
        fail(d["worker_cores"], "at most 64 workers");
    }
    const auto workers = static_cast<uint32_t>(dp.worker_cores.size());
    dp.memory_mb = get_int<uint32_t>(d, "memory_mb", 256, 32, 1 << 20);
    dp.in_memory = get_bool(d, "in_memory", true);
    dp.file_prefix = get_string(d, "file_prefix", "");
    dp.control_socket = get_string(d, "control_socket", dp.control_socket);
    dp.burst = get_int<uint16_t>(d, "burst", 32, 1, 256);
    dp.mbufs = get_int<uint32_t>(d, "mbufs", 8191, 1023, 1 << 24);
    dp.stats_interval_ms = get_int<uint32_t>(d, "stats_interval_ms", 1000, 10, 60000);

    if (!d.exists("ports") || !d["ports"].isList() || d["ports"].getLength() == 0) {
        throw Bad{"dataplane.ports: give at least one port as a list ( { ... } )"};
    }
    const libconfig::Setting& ports = d["ports"];
    if (ports.getLength() > 8) {
        fail(ports, "at most 8 ports");
    }
    std::set<std::string> names;
    for (int i = 0; i < ports.getLength(); ++i) {
        PortConfig p = parse_port(ports[i]);
        if (!names.insert(p.name).second) {
            fail(ports[i], "duplicate port name " + p.name);
        }
        if (p.rx_queues == 0) {
            p.rx_queues = static_cast<uint16_t>(workers);
        }
        if (p.tx_queues == 0) {
            p.tx_queues = static_cast<uint16_t>(workers);
        }
        if (p.rx_queues != workers || p.tx_queues != workers) {
            fail(ports[i], "rx_queues and tx_queues must equal the number of worker cores (" +
                               std::to_string(workers) + "): each worker owns one queue pair");
        }
        dp.ports.push_back(std::move(p));
    }
    if (d.exists("exception")) {
        const libconfig::Setting& e = d["exception"];
        reject_unknown(e, {"enabled", "iface", "configure_addresses", "poll_us"});
        dp.exception.poll_us = get_int<uint32_t>(e, "poll_us", 50, 0, 10000);
        dp.exception.enabled = get_bool(e, "enabled", true);
        dp.exception.iface = get_string(e, "iface", dp.exception.iface);
        dp.exception.configure_addresses = get_bool(e, "configure_addresses", true);
        if (dp.exception.iface.empty() || dp.exception.iface.size() > 15) {
            fail(e, "iface must be 1 to 15 characters");
        }
    }
    if (d.exists("idle")) {
        const libconfig::Setting& e = d["idle"];
        reject_unknown(e, {"backoff", "spin_polls", "max_sleep_us"});
        dp.idle.backoff = get_bool(e, "backoff", true);
        dp.idle.spin_polls = get_int<uint32_t>(e, "spin_polls", 100, 1, 1000000);
        dp.idle.max_sleep_us = get_int<uint32_t>(e, "max_sleep_us", 100, 1, 100000);
    }
    if (d.exists("neighbors")) {
        const libconfig::Setting& e = d["neighbors"];
        reject_unknown(e, {"reachable_s", "retry_ms", "max_entries"});
        dp.neighbors.reachable_s = get_int<uint32_t>(e, "reachable_s", 300, 1, 86400);
        dp.neighbors.retry_ms = get_int<uint32_t>(e, "retry_ms", 1000, 10, 60000);
        dp.neighbors.max_entries = get_int<uint32_t>(e, "max_entries", 4096, 16, 1 << 20);
    }
    if (d.exists("services")) {
        const libconfig::Setting& e = d["services"];
        reject_unknown(e, {"stun_port", "software", "media_port", "transport_ports"});
        dp.services.stun_port = get_int<uint16_t>(e, "stun_port", 3478, 1, 65535);
        dp.services.media_port = get_int<uint16_t>(e, "media_port", 20000, 0, 65535);
        if (dp.services.media_port != 0 &&
            (dp.services.media_port + dp.worker_cores.size() - 1 > 65535 ||
             PortPlan{dp.services, nullptr, workers}.media_ports().contains(
                 dp.services.stun_port))) {
            fail(e["media_port"],
                 "media_port + one port per worker must fit below 65536 and miss stun_port");
        }
        if (e.exists("transport_ports")) {
            const std::string r = get_string(e, "transport_ports", "");
            unsigned lo = 0;
            unsigned hi = 0;
            char extra = 0;
            if (!r.empty() &&
                (std::sscanf(r.c_str(), "%u-%u%c", &lo, &hi, &extra) != 2 || lo < 1024 ||
                 hi > 65535 || lo > hi || PortRange{uint16_t(lo), uint16_t(hi)}.size() < workers ||
                 dp.services.media_port == 0)) {
                fail(e["transport_ports"],
                     "must be a range like \"30000-39999\" above 1023, a port per worker at "
                     "least, with the SFU on (media_port)");
            }
            dp.services.transport_port_min = static_cast<uint16_t>(lo);
            dp.services.transport_port_max = static_cast<uint16_t>(hi);
        }
        dp.services.software = get_string(e, "software", dp.services.software);
        if (dp.services.software.size() > 127) {
            fail(e["software"], "at most 127 characters (RFC 8489 §14.14)");
        }
    }
    if (d.exists("turn")) {
        const libconfig::Setting& t = d["turn"];
        reject_unknown(t, {"enabled",
                           "realm",
                           "secrets",
                           "secret_file",
                           "users",
                           "relay_ports",
                           "max_allocations",
                           "user_quota",
                           "default_lifetime_s",
                           "max_lifetime_s",
                           "nonce_lifetime_s",
                           "max_bps",
                           "auth_failures_per_minute",
                           "denied_peers",
                           "allowed_peers",
                           "tcp_ports",
                           "tls_ports",
                           "tls_certificate",
                           "tls_private_key",
                           "max_stream_connections",
                           "rfc5766_channels"});
        TurnConfig& tc = dp.turn;
        tc.enabled = get_bool(t, "enabled", true);
        tc.realm = get_string(t, "realm", tc.realm);
        if (tc.realm.empty() || tc.realm.size() > 127) {
            fail(t, "realm must be 1 to 127 characters");
        }
        tc.secrets = get_string_list(t, "secrets");
        tc.secret_file = get_string(t, "secret_file", "");
        if (!tc.secret_file.empty()) {
            FILE* f = std::fopen(tc.secret_file.c_str(), "r");
            if (f == nullptr) {
                fail(t["secret_file"],
                     "cannot read " + tc.secret_file + ": " + std::strerror(errno));
            }
            char line[512];
            while (std::fgets(line, sizeof line, f) != nullptr) {
                std::string sec(line);
                while (!sec.empty() &&
                       (sec.back() == '\n' || sec.back() == '\r' || sec.back() == ' ')) {
                    sec.pop_back();
                }
                if (!sec.empty() && sec[0] != '#') {
                    tc.secrets.push_back(std::move(sec));
                }
            }
            std::fclose(f);
        }
        for (const std::string& sec : tc.secrets) {
            if (sec.size() < 8) {
                fail(t["secrets"], "each secret needs at least 8 characters");
            }
        }
        if (t.exists("users")) {
            const libconfig::Setting& u = t["users"];
            if (!u.isList()) {
                fail(u, "must be a list of { name = \"...\"; password = \"...\"; }");
            }
            for (int i = 0; i < u.getLength(); ++i) {
                reject_unknown(u[i], {"name", "password"});
                TurnUser tu{get_string(u[i], "name", ""), get_string(u[i], "password", "")};
                if (tu.name.empty() || tu.name.size() > 120 || tu.password.empty()) {
                    fail(u[i], "needs a name (at most 120 characters) and a password");
                }
                tc.users.push_back(std::move(tu));
            }
        }
        if (t.exists("relay_ports")) {
            const std::string r = get_string(t, "relay_ports", "");
            unsigned lo = 0;
            unsigned hi = 0;
            char extra = 0;
            if (std::sscanf(r.c_str(), "%u-%u%c", &lo, &hi, &extra) != 2 || lo < 1024 ||
                hi > 65535 || lo > hi ||
                PortRange{uint16_t(lo), uint16_t(hi)}.slice(0, workers).size() < 2) {
                fail(t["relay_ports"], "must be a range like \"49152-65535\" above 1023, two ports "
                                       "per worker at least");
            }
            tc.relay_port_min = static_cast<uint16_t>(lo);
            tc.relay_port_max = static_cast<uint16_t>(hi);
        }
        tc.max_allocations = get_int<uint32_t>(t, "max_allocations", 16384, 1, 1 << 22);
        tc.user_quota = get_int<uint32_t>(t, "user_quota", 0, 0, 1 << 22);
        tc.default_lifetime_s = get_int<uint32_t>(t, "default_lifetime_s", 600, 30, 86400);
        tc.max_lifetime_s = get_int<uint32_t>(t, "max_lifetime_s", 3600, 30, 86400);
        if (tc.max_lifetime_s < tc.default_lifetime_s) {
            fail(t, "max_lifetime_s must be at least default_lifetime_s");
        }
        tc.nonce_lifetime_s = get_int<uint32_t>(t, "nonce_lifetime_s", 3600, 10, 86400);
        tc.max_bps = get_int<uint64_t>(t, "max_bps", 0, 0, 1LL << 40);
        tc.auth_failures_per_minute =
            get_int<uint32_t>(t, "auth_failures_per_minute", 60, 1, 1 << 20);
        for (auto [key, list] :
             {std::pair{"tcp_ports", &tc.tcp_ports}, std::pair{"tls_ports", &tc.tls_ports}}) {
            if (!t.exists(key)) {
                continue;
            }
            const libconfig::Setting& a = t[key];
            if (!a.isArray() && !a.isList()) {
                fail(a, "must be a list of port numbers, like [3478]");
            }
            list->clear();
            for (int i = 0; i < a.getLength(); ++i) {
                if (a[i].getType() != libconfig::Setting::TypeInt || static_cast<int>(a[i]) < 1 ||
                    static_cast<int>(a[i]) > 65535) {
                    fail(a[i], "must be a port number 1-65535");
                }
                list->push_back(static_cast<uint16_t>(static_cast<int>(a[i])));
            }
        }
        tc.tls_certificate = get_string(t, "tls_certificate", "");
        tc.tls_private_key = get_string(t, "tls_private_key", "");
        if (!tc.tls_ports.empty() && (tc.tls_certificate.empty() || tc.tls_private_key.empty())) {
            fail(t["tls_ports"], "TURN over TLS needs tls_certificate and tls_private_key");
        }
        tc.max_stream_connections =
            get_int<uint32_t>(t, "max_stream_connections", 16384, 1, 1 << 20);
        tc.rfc5766_channels = get_bool(t, "rfc5766_channels", false);
        tc.denied_peers = get_string_list(t, "denied_peers");
        tc.allowed_peers = get_string_list(t, "allowed_peers");
        for (const auto* list : {&tc.denied_peers, &tc.allowed_peers}) {
            for (const std::string& p : *list) {
                if (!wire::parse_ipv4_prefix(p) && !wire::parse_ipv6_prefix(p)) {
                    fail(t, "peer prefix '" + p + "' is not like 10.0.0.0/8 or fd00::/8");
                }
            }
        }
    }
    if (const PortPlan plan{dp}; !plan.transport_ports().empty()) {
        const PortRange own = plan.transport_ports();
        if (own.overlaps(plan.media_ports()) || own.contains(plan.stun_port()) ||
            own.overlaps(plan.relay_ports())) {
            fail(d["services"]["transport_ports"],
                 "must not overlap the media ports, the STUN port or the TURN relay ports");
        }
    }
    if (root.exists("controlplane")) {
        const libconfig::Setting& cp = root["controlplane"];
        reject_unknown(cp, {"admin_socket", "reconnect_ms", "ping_interval_ms", "proxy"});
        c.controlplane.admin_socket = get_string(cp, "admin_socket", c.controlplane.admin_socket);
        c.controlplane.reconnect_ms = get_int<uint32_t>(cp, "reconnect_ms", 200, 10, 60000);
        c.controlplane.ping_interval_ms =
            get_int<uint32_t>(cp, "ping_interval_ms", 1000, 10, 60000);
        if (cp.exists("proxy")) {
            const libconfig::Setting& p = cp["proxy"];
            ProxyConfig& pc = c.controlplane.proxy;
            reject_unknown(p,
                           {"enabled", "listen", "listen_netns", "tls_listen", "tls_certificate",
                            "tls_private_key", "tokens", "max_token_age_s", "session_timeout_s",
                            "camera_bitrate", "screen_bitrate", "streams_per_lcore", "video_codecs",
                            "dtls_key", "public_addresses", "country", "state_file"});
            pc.enabled = get_bool(p, "enabled", true);
            pc.listen = get_string(p, "listen", pc.listen);
            pc.listen_netns = get_string(p, "listen_netns", "");
            pc.tls_listen = get_string(p, "tls_listen", "");
            pc.tls_certificate = get_string(p, "tls_certificate", "");
            pc.tls_private_key = get_string(p, "tls_private_key", "");
            for (const char* key : {"listen", "tls_listen"}) {
                const std::string& v = std::string(key) == "listen" ? pc.listen : pc.tls_listen;
                if (!v.empty() && v.rfind(':') == std::string::npos) {
                    fail(p[key], std::string(key) +
                                     " is host:port, e.g. \"127.0.0.1:9090\" or \"[::1]:9090\"");
                }
            }
            if (!pc.tls_listen.empty() &&
                (pc.tls_certificate.empty() || pc.tls_private_key.empty())) {
                fail(p["tls_listen"], "wss:// needs tls_certificate and tls_private_key");
            }
            if (pc.listen.empty() && pc.tls_listen.empty()) {
                fail(p, "the proxy needs listen or tls_listen (or enabled = false)");
            }
            if (p.exists("tokens")) {
                const libconfig::Setting& tl = p["tokens"];
                for (int i = 0; i < tl.getLength(); ++i) {
                    reject_unknown(tl[i], {"id", "public_key"});
                    ProxyConfig::Token t{get_string(tl[i], "id", ""),
                                         get_string(tl[i], "public_key", "")};
                    if (t.id.empty() || t.public_key.empty()) {
                        fail(tl[i], "each token needs an id and a public_key (PEM file)");
                    }
                    pc.tokens.push_back(std::move(t));
                }
            }
            pc.max_token_age_s = get_int<uint32_t>(p, "max_token_age_s", 300, 10, 86400);
            pc.session_timeout_s = get_int<uint32_t>(p, "session_timeout_s", 60, 5, 3600);
            pc.camera_bitrate =
                get_int<uint32_t>(p, "camera_bitrate", 1'000'000, 30'000, 100'000'000);
            pc.screen_bitrate =
                get_int<uint32_t>(p, "screen_bitrate", 2'000'000, 30'000, 100'000'000);
            pc.streams_per_lcore = get_int<uint32_t>(p, "streams_per_lcore", 8000, 1, 10'000'000);
            if (p.exists("video_codecs")) {
                pc.video_codecs = get_string_list(p, "video_codecs");
                for (const auto& v : pc.video_codecs) {
                    if (v != "VP8" && v != "VP9" && v != "H264" && v != "AV1") {
                        fail(p["video_codecs"],
                             "video codec '" + v + "' is not one of VP8, VP9, H264, AV1");
                    }
                }
            }
            pc.dtls_key = get_string(p, "dtls_key", pc.dtls_key);
            if (pc.dtls_key != "ecdsa" && pc.dtls_key != "rsa") {
                fail(p["dtls_key"], "dtls_key is ecdsa or rsa");
            }
            pc.public_addresses = get_string_list(p, "public_addresses");
            for (const auto& a : pc.public_addresses) {
                if (!wire::parse_ipv4_prefix(a + "/32") && !wire::parse_ipv6_prefix(a + "/128")) {
                    fail(p["public_addresses"], "'" + a + "' is not an IPv4 or IPv6 address");
                }
            }
            pc.country = get_string(p, "country", "");
            pc.state_file = get_string(p, "state_file", pc.state_file);
        }
    }
    c.dataplane.camera_bitrate = c.controlplane.proxy.camera_bitrate;
    c.dataplane.screen_bitrate = c.controlplane.proxy.screen_bitrate;
    return c;
}

}  // namespace

Result<Config, std::string> parse_config(const std::string& text, const std::string& origin) {
    libconfig::Config cfg;
    try {
        cfg.readString(text);
        Config c = build(cfg);
        c.path = origin;
        return c;
    } catch (const libconfig::ParseException& e) {
        return unexpected(origin + ":" + std::to_string(e.getLine()) + ": " + e.getError());
    } catch (const libconfig::SettingException& e) {
        return unexpected(origin + ": " + e.getPath() + ": " + e.what());
    } catch (const Bad& b) {
        return unexpected(origin + ": " + b.msg);
    }
}

Result<Config, std::string> load_config(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        return unexpected(path + ": cannot open: " + std::strerror(errno));
    }
    std::string text;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        text.append(buf, n);
    }
    std::fclose(f);
    return parse_config(text, path);
}

}  // namespace tern
