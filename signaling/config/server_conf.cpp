#include "signaling/config/server_conf.hpp"

#include "signaling/config/config_values.hpp"
#include "signaling/config/ini_reader.hpp"
#include "signaling/config/ini_values.hpp"
#include "signaling/config/server_conf_keys.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>

namespace tern::sig {

namespace {

constexpr uint64_t kU32 = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kBitrateMax = uint64_t{1} << 40;
constexpr std::string_view kNotUsed = "accepted but not used by tern-signaling";

/// The ids [backend] backends lists (first spelling kept), by lower-case section name.
std::map<std::string, std::string> listed_backends(const IniValues& v) {
    std::map<std::string, std::string> ids;
    for (const std::string& id : split_list(v.text("backend", "backends"), ",")) {
        std::string section = id;
        std::transform(section.begin(), section.end(), section.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        ids.emplace(section, id);
    }
    return ids;
}

/// Every entry is a known key of a known section, or the operator hears about it.
void check_keys(const IniValues& v, const std::map<std::string, std::string>& backends) {
    std::set<std::string> unlisted_warned;
    for (const IniSection& s : v.document().sections) {
        if (!is_server_conf_section(s.name) && backends.count(s.name) == 0) {
            const bool looks_like_backend =
                v.find(s.name, "url") != nullptr || v.find(s.name, "urls") != nullptr;
            if (!looks_like_backend) {
                throw ConfigError{"", s.line, "[" + s.name + "]",
                                  "unknown section (a typo, or a backend missing from [backend] "
                                  "backends?)"};
            }
            if (unlisted_warned.insert(s.name).second) {
                v.warn_section(s, "a backend section that [backend] backends does not list: "
                                  "ignored");
            }
        }
    }
    for (const IniEntry& e : v.document().entries) {
        if (e.section == "default" || unlisted_warned.count(e.section) != 0) {
            continue;  // "%(name)s" variables; an unlisted backend's keys
        }
        const bool fixed = is_server_conf_section(e.section);
        if (fixed && backends.count(e.section) != 0) {
            v.fail(e, "backend id '" + e.section +
                          "' is the name of one of server.conf's own "
                          "sections; choose another id");
        }
        const auto use = fixed ? server_conf_key(e.section, e.key) : backend_section_key(e.key);
        if (!use) {
            v.fail(e, fixed ? "unknown key (a typo?)"
                            : "unknown key for a backend (url, urls, secret, sessionlimit, "
                              "maxstreambitrate, maxscreenbitrate)");
        }
        if (*use == KeyUse::NotUsed) {
            v.warn(e, std::string(kNotUsed));
        }
    }
}

std::vector<ListenAddress> listen_list(const IniValues& v, std::string_view section) {
    std::vector<ListenAddress> out;
    const IniEntry* e = v.find(section, "listen");
    if (e == nullptr) {
        return out;
    }
    for (const std::string& a : split_list(v.text(section, "listen"), " ,\t\n")) {
        auto addr = parse_listen_address(a);
        if (!addr) {
            v.fail(*e, addr.error());
        }
        out.push_back(std::move(*addr));
    }
    return out;
}

void read_listeners(const IniValues& v, SignalingConfig& c) {
    c.http_listen = listen_list(v, "http");
    c.https_listen = listen_list(v, "https");
    c.http_read_timeout_s = static_cast<uint32_t>(v.number("http", "readtimeout", 15, 86400));
    c.http_write_timeout_s = static_cast<uint32_t>(v.number("http", "writetimeout", 30, 86400));
    c.https_read_timeout_s = static_cast<uint32_t>(v.number("https", "readtimeout", 15, 86400));
    c.https_write_timeout_s = static_cast<uint32_t>(v.number("https", "writetimeout", 30, 86400));
    c.tls_certificate = v.text("https", "certificate");
    c.tls_key = v.text("https", "key");
    if (!c.https_listen.empty() && (c.tls_certificate.empty() || c.tls_key.empty())) {
        v.fail(*v.find("https", "listen"), "an HTTPS listener needs [https] certificate and key");
    }
    if (c.http_listen.empty() && c.https_listen.empty()) {
        c.http_listen.push_back({"127.0.0.1", 8080});
        v.warn_plain("neither [http] nor [https] has a listen: listening on 127.0.0.1:8080");
    }
}

std::vector<std::string> ip_list(const IniValues& v, std::string_view section,
                                 std::string_view key) {
    std::vector<std::string> out;
    const IniEntry* e = v.find(section, key);
    if (e == nullptr) {
        return out;
    }
    for (std::string& ip : split_list(v.text(section, key), ",")) {
        if (!is_ip_or_cidr(ip)) {
            v.fail(*e, "'" + ip + "' is not an IP address or network (like 10.0.0.0/8)");
        }
        out.push_back(std::move(ip));
    }
    return out;
}

void read_sessions(const IniValues& v, SignalingConfig& c) {
    const IniEntry* hash = v.find("sessions", "hashkey");
    c.hash_key = v.text("sessions", "hashkey");
    if (hash == nullptr || c.hash_key.empty()) {
        v.fail_missing("sessions", "hashkey",
                       "missing: tern-signaling signs session ids with it (32 or 64 random bytes)");
    }
    if (auto problem = hash_key_problem(c.hash_key)) {
        v.fail(*hash, *problem);
    }
    c.block_key = v.text("sessions", "blockkey");
    if (auto problem = block_key_problem(c.block_key)) {
        v.fail(*v.find("sessions", "blockkey"), *problem);
    }
    c.internal_secret = v.text("clients", "internalsecret");
}

BackendConfig read_backend(const IniValues& v, const std::string& section, const std::string& id,
                           const std::string& common_secret, const IniEntry& listed_at) {
    if (v.section_line(section) == 0) {
        v.fail(listed_at,
               "backend '" + id + "' is listed but the file has no [" + id + "] section");
    }
    const IniEntry* urls_at = v.find(section, "urls");
    std::vector<std::string> raw;
    if (urls_at != nullptr && !urls_at->value.empty()) {
        raw = split_list(v.text(section, "urls"), ",");
    } else {
        urls_at = v.find(section, "url");
        if (urls_at != nullptr && !urls_at->value.empty()) {
            raw.push_back(v.text(section, "url"));
        }
    }
    if (raw.empty()) {
        v.fail_missing(section, "url", "backend '" + id + "' needs url (or urls)");
    }
    BackendConfig b;
    for (const std::string& u : raw) {
        auto url = parse_backend_url(u);
        if (!url) {
            v.fail(*urls_at, url.error());
        }
        if (std::find(b.urls.begin(), b.urls.end(), *url) == b.urls.end()) {
            b.urls.push_back(std::move(*url));
        }
    }
    std::sort(b.urls.begin(), b.urls.end());  // the reference sorts them too
    b.entry.id = id;
    b.entry.url = b.urls.front();
    b.entry.secret = v.text(section, "secret", common_secret);
    if (b.entry.secret.empty()) {
        v.fail_missing(section, "secret",
                       "backend '" + id + "' has no secret (and [backend] secret is not set)");
    }
    b.session_limit = static_cast<uint32_t>(v.number(section, "sessionlimit", 0, kU32));
    b.max_stream_bitrate = v.number(section, "maxstreambitrate", 0, kBitrateMax);
    b.max_screen_bitrate = v.number(section, "maxscreenbitrate", 0, kBitrateMax);
    return b;
}

/// The old form: `allowed = host1, host2`, all sharing [backend] secret and limits.
void read_allowed_hosts(const IniValues& v, SignalingConfig& c, const IniEntry& at) {
    BackendConfig b;
    b.entry.id = "compat";  // the reference's name for it
    b.entry.secret = c.common_secret;
    if (b.entry.secret.empty()) {
        v.fail(at, "the allowed hosts need [backend] secret");
    }
    const bool allow_http = v.flag("backend", "allowhttp", false);
    for (std::string host : split_list(v.text("backend", "allowed"), ",")) {
        if (const std::size_t slash = host.find('/'); slash != std::string::npos) {
            v.warn(at, "'" + host + "' is a host name: its path is ignored");
            host.resize(slash);
        }
        std::vector<std::string> schemes{"https://"};
        if (allow_http) {
            schemes.emplace_back("http://");
        }
        for (const std::string& scheme : schemes) {
            auto url = parse_backend_url(scheme + host + "/");
            if (!url) {
                v.fail(at, "'" + host + "' is not a host name (like cloud.example.com)");
            }
            b.urls.push_back(std::move(*url));
        }
    }
    if (b.urls.empty()) {
        v.warn(at, "no hosts allowed: clients cannot connect");
        return;
    }
    b.entry.url = b.urls.front();
    b.session_limit = static_cast<uint32_t>(v.number("backend", "sessionlimit", 0, kU32));
    b.max_stream_bitrate = v.number("backend", "maxstreambitrate", 0, kBitrateMax);
    b.max_screen_bitrate = v.number("backend", "maxscreenbitrate", 0, kBitrateMax);
    c.backends.push_back(std::move(b));
}

void read_backends(const IniValues& v, SignalingConfig& c,
                   const std::map<std::string, std::string>& listed) {
    c.common_secret = v.text("backend", "secret");
    c.allow_all = v.flag("backend", "allowall", false);
    c.backend_timeout_s = static_cast<uint32_t>(v.number("backend", "timeout", 10, 3600));
    c.connections_per_host =
        static_cast<uint32_t>(v.number("backend", "connectionsperhost", 8, 1 << 16));
    c.backend_skip_verify = v.flag("backend", "skipverify", false);
    if (const IniEntry* type = v.find("backend", "backendtype");
        type != nullptr && !type->value.empty() && v.text("backend", "backendtype") != "static") {
        v.fail(*type, "tern-signaling reads its backends from this file only (static)");
    }
    if (c.allow_all) {
        if (c.common_secret.empty()) {
            v.fail(*v.find("backend", "allowall"), "allowall needs [backend] secret");
        }
        return;
    }
    if (const IniEntry* at = v.find("backend", "backends"); at != nullptr && !listed.empty()) {
        std::map<std::string, std::string> owner;  // url → backend id
        for (const std::string& id : split_list(v.text("backend", "backends"), ",")) {
            std::string section = id;
            std::transform(section.begin(), section.end(), section.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
            if (listed.at(section) != id ||
                std::any_of(c.backends.begin(), c.backends.end(),
                            [&](const BackendConfig& b) { return b.entry.id == id; })) {
                continue;  // listed twice
            }
            BackendConfig b = read_backend(v, section, id, c.common_secret, *at);
            const IniEntry* url_at = v.find(section, "urls");
            url_at = url_at != nullptr && !url_at->value.empty() ? url_at : v.find(section, "url");
            for (const std::string& u : b.urls) {
                if (auto [it, fresh] = owner.emplace(u, id); !fresh) {
                    v.fail(*url_at,
                           "URL " + u + " already belongs to backend '" + it->second + "'");
                }
            }
            c.backends.push_back(std::move(b));
        }
        return;
    }
    if (const IniEntry* at = v.find("backend", "allowed"); at != nullptr && !at->value.empty()) {
        read_allowed_hosts(v, c, *at);
        return;
    }
    v.warn_plain("no backends configured ([backend] backends): clients cannot connect");
}

void read_mcu(const IniValues& v, SignalingConfig& c) {
    McuConfig& m = c.mcu;
    const IniEntry* type_at = v.find("mcu", "type");
    const IniEntry* url_at = v.find("mcu", "url");
    const std::string type = v.text("mcu", "type");
    const std::string urls = v.text("mcu", "url");
    if (type.empty() && !urls.empty()) {
        v.fail(*url_at, "a url without a type means janus to the reference server; "
                        "tern-signaling needs type = proxy");
    }
    if (type.empty()) {
        return;
    }
    if (type != "proxy") {
        v.fail(*type_at, unsupported_mcu_type(type));
    }
    m.type = McuType::Proxy;
    if (const IniEntry* ut = v.find("mcu", "urltype");
        ut != nullptr && !ut->value.empty() && v.text("mcu", "urltype") != "static") {
        v.fail(*ut, "tern-signaling reads proxy URLs from this file only (urltype = static)");
    }
    for (const std::string& u : split_list(urls, " ,\t\n")) {
        auto url = parse_proxy_url(u);
        if (!url) {
            v.fail(*url_at, url.error());
        }
        m.urls.push_back(std::move(*url));
    }
    if (m.urls.empty()) {
        v.fail_missing("mcu", "url", "type proxy needs url: tern's proxy listener(s)");
    }
    m.token_id = v.text("mcu", "token_id");
    m.token_key_file = v.text("mcu", "token_key");
    if (m.token_id.empty()) {
        v.fail_missing("mcu", "token_id", "type proxy needs token_id (see ternctl proxy token)");
    }
    if (m.token_key_file.empty()) {
        v.fail_missing("mcu", "token_key", "type proxy needs token_key, a PEM private key file");
    }
    m.max_stream_bitrate = v.number("mcu", "maxstreambitrate", m.max_stream_bitrate, kBitrateMax);
    m.max_screen_bitrate = v.number("mcu", "maxscreenbitrate", m.max_screen_bitrate, kBitrateMax);
    m.timeout_s = static_cast<uint32_t>(v.number("mcu", "proxytimeout", m.timeout_s, 3600));
    m.skip_verify = v.flag("mcu", "skipverify", false);
}

void read_turn(const IniValues& v, SignalingConfig& c) {
    c.turn.api_key = v.text("turn", "apikey");
    c.turn.secret = v.text("turn", "secret");
    c.turn.servers = split_list(v.text("turn", "servers"), ",");
    const IniEntry* at = v.find("turn", "servers");
    for (const std::string& s : c.turn.servers) {
        if (!is_turn_uri(s)) {
            v.fail(*at, "'" + s + "' is not a turn: or turns: URI");
        }
    }
    if (!c.turn.servers.empty() && (c.turn.api_key.empty() || c.turn.secret.empty())) {
        v.fail(*at, "TURN servers need [turn] apikey and secret");
    }
}

void read_rest(const IniValues& v, SignalingConfig& c) {
    c.debug = v.flag("app", "debug", false);
    c.trusted_proxies = ip_list(v, "app", "trustedproxies");
    if (auto ips = ip_list(v, "stats", "allowed_ips"); !ips.empty()) {
        c.stats_allowed_ips = std::move(ips);
    }
    if (const IniEntry* at = v.find("nats", "url")) {
        for (const std::string& u : split_list(v.text("nats", "url"), ",")) {
            auto url = parse_nats_url(u);
            if (!url) {
                v.fail(*at, url.error());
            }
            c.nats_urls.push_back(std::move(*url));
        }
    }
    c.threads = static_cast<uint32_t>(v.number("tern", "threads", 0, 1024));
    c.node_id = static_cast<uint16_t>(v.number("tern", "node_id", 0, 65535));
    c.send_queue_bytes =
        static_cast<uint32_t>(v.number("tern", "send_queue_bytes", c.send_queue_bytes, 1 << 30));
    if (c.send_queue_bytes < 4096) {
        v.fail(*v.find("tern", "send_queue_bytes"),
               "must be a whole number from 4096 to 1073741824");
    }
    c.max_sessions = static_cast<uint32_t>(v.number("tern", "max_sessions", 0, kU32));
    c.shutdown_grace_ms =
        static_cast<uint32_t>(v.number("tern", "shutdown_grace_ms", c.shutdown_grace_ms, 600'000));
}

/// A [limits] number in [lo, max]; unlike the reference's keys, 0 is a value (no limit).
uint32_t limit(const IniValues& v, std::string_view key, uint32_t def, uint64_t lo, uint64_t max) {
    const IniEntry* e = v.find("limits", key);
    if (e == nullptr) {
        return def;
    }
    auto n = parse_uint(v.text("limits", key), max);
    if (!n || *n < lo) {
        v.fail(*e,
               "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(max));
    }
    return static_cast<uint32_t>(*n);
}

void read_limits(const IniValues& v, SignalingConfig& c) {
    LimitsConfig& l = c.limits;
    l.connections_per_ip = limit(v, "connections_per_ip", l.connections_per_ip, 0, kU32);
    l.hellos_per_second = limit(v, "hellos_per_second", l.hellos_per_second, 0, 100'000);
    l.hello_burst = limit(v, "hello_burst", l.hello_burst, 1, kU32);
    l.tracked_addresses = limit(v, "tracked_addresses", l.tracked_addresses, 16, 10'000'000);
    l.exempt = ip_list(v, "limits", "exempt");
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): start-up only
    return v == nullptr ? std::nullopt : std::optional<std::string>(v);
}

Result<LoadedConfig, ConfigError> parse_server_conf(std::string_view text, const std::string& file,
                                                    const EnvLookup& env) {
    auto doc = read_ini(text);
    if (!doc) {
        return unexpected(ConfigError{file, doc.error().line, "", doc.error().message});
    }
    LoadedConfig out;
    try {
        const IniValues v(*doc, file, env, out.warnings);
        const auto listed = listed_backends(v);
        check_keys(v, listed);
        read_listeners(v, out.config);
        read_sessions(v, out.config);
        read_backends(v, out.config, listed);
        read_mcu(v, out.config);
        read_turn(v, out.config);
        read_rest(v, out.config);
        read_limits(v, out.config);
    } catch (ConfigError& e) {
        e.file = file;
        return unexpected(std::move(e));
    }
    return out;
}

}  // namespace tern::sig
