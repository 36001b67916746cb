#include "signaling/config/tern_conf_group.hpp"

#include "signaling/config/config_values.hpp"

#include <libconfig.h++>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <set>
#include <sstream>

namespace tern::sig {

namespace {

using libconfig::Setting;

constexpr uint64_t kU32 = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kBitrateMax = uint64_t{1} << 40;

/// Thrown inside this file only; parse_tern_conf_group turns it into the ConfigError.
struct Failure {
    int line;
    std::string path;
    std::string message;
};

[[noreturn]] void fail(const Setting& s, const std::string& message) {
    throw Failure{static_cast<int>(s.getSourceLine()), s.getPath(), message};
}

void reject_unknown(const Setting& group, std::initializer_list<const char*> known) {
    const std::set<std::string> k(known.begin(), known.end());
    for (int i = 0; i < group.getLength(); ++i) {
        const Setting& s = group[i];
        if (s.getName() != nullptr && k.count(s.getName()) == 0) {
            fail(s, "unknown key (a typo?)");
        }
    }
}

const Setting& group_of(const Setting& parent, const char* key) {
    const Setting& g = parent[key];
    if (!g.isGroup()) {
        fail(g, "must be a group: { ... }");
    }
    return g;
}

std::string text(const Setting& parent, const char* key, const std::string& def = "") {
    if (!parent.exists(key)) {
        return def;
    }
    const Setting& s = parent[key];
    if (s.getType() != Setting::TypeString) {
        fail(s, "must be a string");
    }
    return s.c_str();
}

/// The first line of the file a setting names, without its newline (a secret written by
/// `openssl rand -hex 32 > FILE`).
std::string secret_file(const Setting& parent, const char* key) {
    const std::string path = text(parent, key);
    std::ifstream in(path);
    if (!in) {
        fail(parent[key], "cannot read '" + path + "'");
    }
    std::string v;
    std::getline(in, v);
    if (!v.empty() && v.back() == '\r') {
        v.pop_back();
    }
    return v;
}

bool flag(const Setting& parent, const char* key, bool def) {
    if (!parent.exists(key)) {
        return def;
    }
    const Setting& s = parent[key];
    if (s.getType() != Setting::TypeBoolean) {
        fail(s, "must be true or false");
    }
    return s;
}

uint64_t number(const Setting& parent, const char* key, uint64_t def, uint64_t lo, uint64_t hi) {
    if (!parent.exists(key)) {
        return def;
    }
    const Setting& s = parent[key];
    long long v = 0;
    if (s.getType() == Setting::TypeInt) {
        v = static_cast<int>(s);
    } else if (s.getType() == Setting::TypeInt64) {
        v = static_cast<long long>(s);
    } else {
        fail(s, "must be a whole number");
    }
    if (v < 0 || static_cast<uint64_t>(v) < lo || static_cast<uint64_t>(v) > hi) {
        fail(s, "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    return static_cast<uint64_t>(v);
}

/// A list of strings; a single string is accepted as a list of one.
std::vector<std::string> strings(const Setting& parent, const char* key) {
    std::vector<std::string> out;
    if (!parent.exists(key)) {
        return out;
    }
    const Setting& a = parent[key];
    if (a.getType() == Setting::TypeString) {
        out.emplace_back(a.c_str());
        return out;
    }
    if (!a.isArray() && !a.isList()) {
        fail(a, "must be a list of strings: [\"...\", ...]");
    }
    for (int i = 0; i < a.getLength(); ++i) {
        if (a[i].getType() != Setting::TypeString) {
            fail(a[i], "must be a string");
        }
        out.emplace_back(a[i].c_str());
    }
    return out;
}

template <class T, class Parse>
std::vector<T> parsed_list(const Setting& parent, const char* key, Parse parse) {
    std::vector<T> out;
    for (const std::string& s : strings(parent, key)) {
        auto v = parse(s);
        if (!v) {
            fail(parent[key], v.error());
        }
        out.push_back(std::move(*v));
    }
    return out;
}

std::vector<std::string> ip_list(const Setting& parent, const char* key) {
    auto ips = strings(parent, key);
    for (const std::string& ip : ips) {
        if (!is_ip_or_cidr(ip)) {
            fail(parent[key], "'" + ip + "' is not an IP address or network (like 10.0.0.0/8)");
        }
    }
    return ips;
}

BackendConfig read_backend(const Setting& s, const std::string& common_secret) {
    if (!s.isGroup()) {
        fail(s, "each backend is a group: { id = \"...\"; url = \"...\"; secret = \"...\"; }");
    }
    reject_unknown(s, {"id", "url", "urls", "secret", "session_limit", "max_stream_bitrate",
                       "max_screen_bitrate"});
    BackendConfig b;
    b.entry.id = text(s, "id");
    if (b.entry.id.empty()) {
        fail(s, "a backend needs an id");
    }
    const char* url_key = s.exists("urls") ? "urls" : "url";
    if (!s.exists(url_key)) {
        fail(s, "backend '" + b.entry.id + "' needs url (or urls)");
    }
    for (std::string& u : parsed_list<std::string>(s, url_key, parse_backend_url)) {
        if (std::find(b.urls.begin(), b.urls.end(), u) == b.urls.end()) {
            b.urls.push_back(std::move(u));
        }
    }
    if (b.urls.empty()) {
        fail(s[url_key], "backend '" + b.entry.id + "' needs a URL");
    }
    std::sort(b.urls.begin(), b.urls.end());
    b.entry.url = b.urls.front();
    b.entry.secret = text(s, "secret", common_secret);
    if (b.entry.secret.empty()) {
        fail(s, "backend '" + b.entry.id + "' has no secret (and common_secret is not set)");
    }
    b.session_limit = static_cast<uint32_t>(number(s, "session_limit", 0, 0, kU32));
    b.max_stream_bitrate = number(s, "max_stream_bitrate", 0, 0, kBitrateMax);
    b.max_screen_bitrate = number(s, "max_screen_bitrate", 0, 0, kBitrateMax);
    return b;
}

void read_backends(const Setting& g, SignalingConfig& c, std::vector<std::string>& warnings,
                   const std::string& file) {
    c.allow_all = flag(g, "allow_all", false);
    c.common_secret = text(g, "common_secret");
    c.backend_timeout_s = static_cast<uint32_t>(number(g, "backend_timeout_s", 10, 1, 3600));
    c.connections_per_host =
        static_cast<uint32_t>(number(g, "connections_per_host", 8, 1, 1 << 16));
    c.backend_skip_verify = flag(g, "backend_skip_verify", false);
    if (c.allow_all) {
        if (c.common_secret.empty()) {
            fail(g["allow_all"], "allow_all needs common_secret");
        }
        return;
    }
    if (!g.exists("backends")) {
        // Then the embedded backend is on by default (read_embedded_backend), and clients
        // connect through it; warned only when it is turned off.
        if (g.exists("backend") && g["backend"].isGroup() && g["backend"].exists("enabled") &&
            g["backend"]["enabled"].getType() == Setting::TypeBoolean &&
            !static_cast<bool>(g["backend"]["enabled"])) {
            warnings.push_back(ConfigError{file, 0, "signaling.backends",
                                           "no backends configured: clients cannot connect"}
                                   .describe());
        }
        return;
    }
    const Setting& list = g["backends"];
    if (!list.isList()) {
        fail(list, "must be a list of groups: ( { id = ...; url = ...; secret = ...; } )");
    }
    for (int i = 0; i < list.getLength(); ++i) {
        BackendConfig b = read_backend(list[i], c.common_secret);
        for (const BackendConfig& other : c.backends) {
            if (other.entry.id == b.entry.id) {
                fail(list[i], "backend id '" + b.entry.id + "' is used twice");
            }
            for (const std::string& u : b.urls) {
                if (std::find(other.urls.begin(), other.urls.end(), u) != other.urls.end()) {
                    fail(list[i],
                         "URL " + u + " already belongs to backend '" + other.entry.id + "'");
                }
            }
        }
        c.backends.push_back(std::move(b));
    }
}

void read_mcu(const Setting& g, SignalingConfig& c) {
    if (!g.exists("mcu")) {
        return;
    }
    const Setting& s = group_of(g, "mcu");
    reject_unknown(s, {"type", "url", "token_id", "token_key", "max_stream_bitrate",
                       "max_screen_bitrate", "timeout_s", "skip_verify"});
    McuConfig& m = c.mcu;
    const std::string type = text(s, "type");
    if (type.empty()) {
        return;
    }
    if (type != "proxy") {
        fail(s["type"], unsupported_mcu_type(type));
    }
    m.type = McuType::Proxy;
    m.urls = parsed_list<std::string>(s, "url", parse_proxy_url);
    if (m.urls.empty()) {
        fail(s, "type proxy needs url: tern's proxy listener(s)");
    }
    m.token_id = text(s, "token_id");
    m.token_key_file = text(s, "token_key");
    if (m.token_id.empty()) {
        fail(s, "type proxy needs token_id (see ternctl proxy token)");
    }
    if (m.token_key_file.empty()) {
        fail(s, "type proxy needs token_key, a PEM private key file");
    }
    m.max_stream_bitrate = number(s, "max_stream_bitrate", m.max_stream_bitrate, 1, kBitrateMax);
    m.max_screen_bitrate = number(s, "max_screen_bitrate", m.max_screen_bitrate, 1, kBitrateMax);
    m.timeout_s = static_cast<uint32_t>(number(s, "timeout_s", m.timeout_s, 1, 3600));
    m.skip_verify = flag(s, "skip_verify", false);
}

void read_limits(const Setting& g, SignalingConfig& c) {
    if (!g.exists("limits")) {
        return;
    }
    const Setting& s = group_of(g, "limits");
    reject_unknown(s, {"connections_per_ip", "hellos_per_second", "hello_burst",
                       "tracked_addresses", "exempt"});
    LimitsConfig& l = c.limits;
    l.connections_per_ip =
        static_cast<uint32_t>(number(s, "connections_per_ip", l.connections_per_ip, 0, kU32));
    l.hellos_per_second =
        static_cast<uint32_t>(number(s, "hellos_per_second", l.hellos_per_second, 0, 100'000));
    l.hello_burst = static_cast<uint32_t>(number(s, "hello_burst", l.hello_burst, 1, kU32));
    l.tracked_addresses =
        static_cast<uint32_t>(number(s, "tracked_addresses", l.tracked_addresses, 16, 10'000'000));
    l.exempt = ip_list(s, "exempt");
}

void read_turn(const Setting& g, SignalingConfig& c) {
    if (!g.exists("turn")) {
        return;
    }
    const Setting& s = group_of(g, "turn");
    reject_unknown(s, {"api_key", "secret", "secret_file", "servers"});
    c.turn.api_key = text(s, "api_key");
    if (s.exists("secret") && s.exists("secret_file")) {
        fail(s["secret_file"], "give secret or secret_file, not both");
    }
    // secret_file: the TURN relay's own secret file (tern.conf's turn.secret_file), so the
    // signaling settings hand out credentials the relay accepts.
    c.turn.secret = s.exists("secret_file") ? secret_file(s, "secret_file") : text(s, "secret");
    c.turn.servers = strings(s, "servers");
    for (const std::string& uri : c.turn.servers) {
        if (!is_turn_uri(uri)) {
            fail(s["servers"], "'" + uri + "' is not a turn: or turns: URI");
        }
    }
    if (!c.turn.servers.empty() && (c.turn.api_key.empty() || c.turn.secret.empty())) {
        fail(s["servers"], "TURN servers need api_key and secret");
    }
}

/// `default_on`: whether the backend runs when the group does not say (it does when no
/// Nextcloud backend is configured: the product then runs alone).
void read_embedded_backend(const Setting& g, EmbeddedBackendConfig& b, bool default_on) {
    b.enabled = default_on;
    if (!g.exists("backend")) {
        return;
    }
    const Setting& s = group_of(g, "backend");
    reject_unknown(s, {"database", "enabled", "url"});
    b.enabled = flag(s, "enabled", default_on);
    if (s.exists("url")) {
        auto url = normalize_backend_url(text(s, "url"));
        if (!url) {
            fail(s["url"], "must be the http(s) URL clients reach this server by, like "
                           "\"http://127.0.0.1:8080/\"");
        }
        b.url = std::move(*url);
    }
    b.database = text(s, "database", b.database);
    if (b.database.empty() || b.database.front() != '/') {
        fail(s["database"], "must be an absolute path to the SQLite file, like "
                            "\"/var/lib/tern/backend.db\"");
    }
}

LoadedConfig build(const Setting& g, const std::string& file) {
    reject_unknown(g, {"listen",
                       "tls_listen",
                       "tls_certificate",
                       "tls_key",
                       "http_read_timeout_s",
                       "http_write_timeout_s",
                       "https_read_timeout_s",
                       "https_write_timeout_s",
                       "debug",
                       "hash_key",
                       "hash_key_file",
                       "block_key",
                       "internal_secret",
                       "internal_secret_file",
                       "backends",
                       "allow_all",
                       "common_secret",
                       "backend_timeout_s",
                       "connections_per_host",
                       "backend_skip_verify",
                       "nats_urls",
                       "mcu",
                       "turn",
                       "stats_allowed_ips",
                       "trusted_proxies",
                       "threads",
                       "node_id",
                       "send_queue_bytes",
                       "max_sessions",
                       "shutdown_grace_ms",
                       "limits",
                       "backend",
                       "web_root"});
    LoadedConfig out;
    SignalingConfig& c = out.config;
    if (g.exists("web_root")) {
        c.web_root = text(g, "web_root");
        if (!c.web_root.empty() && c.web_root.front() != '/') {
            // Relative to the configuration file, so the checkout's etc/tern.conf finds the
            // checkout's built client wherever it lies.
            c.web_root = (std::filesystem::path(file).parent_path() / c.web_root)
                             .lexically_normal()
                             .string();
        }
    }
    c.http_listen = parsed_list<ListenAddress>(g, "listen", parse_listen_address);
    c.https_listen = parsed_list<ListenAddress>(g, "tls_listen", parse_listen_address);
    c.tls_certificate = text(g, "tls_certificate");
    c.tls_key = text(g, "tls_key");
    if (!c.https_listen.empty() && (c.tls_certificate.empty() || c.tls_key.empty())) {
        fail(g["tls_listen"], "an HTTPS listener needs tls_certificate and tls_key");
    }
    if (c.http_listen.empty() && c.https_listen.empty()) {
        c.http_listen.push_back({"127.0.0.1", 8080});
        out.warnings.push_back(ConfigError{file, static_cast<int>(g.getSourceLine()), "signaling",
                                           "neither listen nor tls_listen: listening on "
                                           "127.0.0.1:8080"}
                                   .describe());
    }
    c.http_read_timeout_s = static_cast<uint32_t>(number(g, "http_read_timeout_s", 15, 1, 86400));
    c.http_write_timeout_s = static_cast<uint32_t>(number(g, "http_write_timeout_s", 30, 1, 86400));
    c.https_read_timeout_s = static_cast<uint32_t>(number(g, "https_read_timeout_s", 15, 1, 86400));
    c.https_write_timeout_s =
        static_cast<uint32_t>(number(g, "https_write_timeout_s", 30, 1, 86400));
    c.debug = flag(g, "debug", false);
    // Secrets may live in files of their own (tools/tern up creates them), so the configuration
    // can be committed or shared without them.
    if (g.exists("hash_key") && g.exists("hash_key_file")) {
        fail(g["hash_key_file"], "give hash_key or hash_key_file, not both");
    }
    c.hash_key = g.exists("hash_key_file") ? secret_file(g, "hash_key_file") : text(g, "hash_key");
    if (!g.exists("hash_key") && !g.exists("hash_key_file")) {
        fail(g, "missing hash_key (or hash_key_file): tern-signaling signs session ids with it "
                "(32 or 64 random bytes)");
    }
    if (auto problem = hash_key_problem(c.hash_key)) {
        fail(g.exists("hash_key") ? g["hash_key"] : g["hash_key_file"], *problem);
    }
    c.block_key = text(g, "block_key");
    if (auto problem = block_key_problem(c.block_key)) {
        fail(g["block_key"], *problem);
    }
    if (g.exists("internal_secret") && g.exists("internal_secret_file")) {
        fail(g["internal_secret_file"], "give internal_secret or internal_secret_file, not both");
    }
    c.internal_secret = g.exists("internal_secret_file") ? secret_file(g, "internal_secret_file")
                                                         : text(g, "internal_secret");
    read_backends(g, c, out.warnings, file);
    c.nats_urls = parsed_list<std::string>(g, "nats_urls", parse_nats_url);
    read_mcu(g, c);
    read_turn(g, c);
    if (g.exists("stats_allowed_ips")) {
        if (auto ips = ip_list(g, "stats_allowed_ips"); !ips.empty()) {
            c.stats_allowed_ips = std::move(ips);
        }
    }
    c.trusted_proxies = ip_list(g, "trusted_proxies");
    c.threads = static_cast<uint32_t>(number(g, "threads", 0, 0, 1024));
    c.node_id = static_cast<uint16_t>(number(g, "node_id", 0, 0, 65535));
    c.send_queue_bytes =
        static_cast<uint32_t>(number(g, "send_queue_bytes", c.send_queue_bytes, 4096, 1 << 30));
    c.max_sessions = static_cast<uint32_t>(number(g, "max_sessions", 0, 0, kU32));
    c.shutdown_grace_ms =
        static_cast<uint32_t>(number(g, "shutdown_grace_ms", c.shutdown_grace_ms, 0, 600'000));
    read_limits(g, c);
    read_embedded_backend(g, c.backend, c.backends.empty() && !c.allow_all);
    return out;
}

/// `read(root)` over `text` read as a tern.conf; libconfig's and the validator's errors become
/// ConfigErrors naming `file`.
template <class T, class Read>
Result<T, ConfigError> read_text(const std::string& text, const std::string& file, Read&& read) {
    libconfig::Config cfg;
    try {
        cfg.readString(text);
        return read(cfg.getRoot());
    } catch (const libconfig::ParseException& e) {
        return unexpected(ConfigError{file, e.getLine(), "", e.getError()});
    } catch (const libconfig::SettingException& e) {
        return unexpected(ConfigError{file, 0, e.getPath(), e.what()});
    } catch (const Failure& f) {
        return unexpected(ConfigError{file, f.line, f.path, f.message});
    }
}

}  // namespace

Result<LoadedConfig, ConfigError> parse_tern_conf_group(const std::string& text,
                                                        const std::string& file) {
    return read_text<LoadedConfig>(
        text, file, [&file](const Setting& root) -> Result<LoadedConfig, ConfigError> {
            if (!root.exists("signaling")) {
                return unexpected(
                    ConfigError{file, 0, "signaling", "no signaling group: signaling = { ... };"});
            }
            return build(group_of(root, "signaling"), file);
        });
}

Result<EmbeddedBackendConfig, ConfigError> parse_embedded_backend(const std::string& text,
                                                                  const std::string& file) {
    return read_text<EmbeddedBackendConfig>(
        text, file, [](const Setting& root) -> Result<EmbeddedBackendConfig, ConfigError> {
            EmbeddedBackendConfig b;
            if (root.exists("signaling")) {
                read_embedded_backend(group_of(root, "signaling"), b, false);
            }
            return b;
        });
}

Result<EmbeddedBackendConfig, ConfigError> load_embedded_backend(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return unexpected(ConfigError{path, 0, "", "cannot read the file"});
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_embedded_backend(text.str(), path);
}

}  // namespace tern::sig
