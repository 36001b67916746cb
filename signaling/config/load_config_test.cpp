// load_signaling_config: the format told by content, equal configurations from equivalent
// server.conf and tern.conf files, the example files in etc/, and files that cannot be read.
#include "signaling/config/load_config.hpp"
#include "signaling/config/tern_conf_group.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace tern::sig;
using Catch::Contains;

namespace {

/// A directory of its own per test process, removed at exit.
class TempDir {
public:
    TempDir() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "tern-sig-config-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        path_ = tmpl;
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string write(const std::string& name, const std::string& text) const {
        const auto p = path_ / name;
        std::ofstream(p) << text;
        return p.string();
    }

private:
    std::filesystem::path path_;
};

/// Every field, so two configurations compare field by field and a difference reads plainly.
std::string dump(const SignalingConfig& c) {
    std::ostringstream o;
    const auto list = [&](const char* name, const std::vector<std::string>& v) {
        o << name << ":";
        for (const auto& s : v) {
            o << " " << s;
        }
        o << "\n";
    };
    for (const auto& a : c.http_listen) {
        o << "http " << a.host << " " << a.port << "\n";
    }
    for (const auto& a : c.https_listen) {
        o << "https " << a.host << " " << a.port << "\n";
    }
    o << "tls " << c.tls_certificate << " " << c.tls_key << "\ntimeouts " << c.http_read_timeout_s
      << " " << c.http_write_timeout_s << " " << c.https_read_timeout_s << " "
      << c.https_write_timeout_s << "\ndebug " << c.debug << "\nkeys " << c.hash_key << " "
      << c.block_key << " " << c.internal_secret << "\n";
    for (const auto& b : c.backends) {
        o << "backend " << b.entry.id << " " << b.entry.url << " " << b.entry.secret << " "
          << b.session_limit << " " << b.max_stream_bitrate << " " << b.max_screen_bitrate << "\n";
        list("  urls", b.urls);
    }
    o << "allow_all " << c.allow_all << " " << c.common_secret << " " << c.backend_timeout_s << " "
      << c.connections_per_host << " " << c.backend_skip_verify << "\n";
    list("nats", c.nats_urls);
    o << "mcu " << static_cast<int>(c.mcu.type) << " " << c.mcu.token_id << " "
      << c.mcu.token_key_file << " " << c.mcu.max_stream_bitrate << " " << c.mcu.max_screen_bitrate
      << " " << c.mcu.timeout_s << " " << c.mcu.skip_verify << "\n";
    list("mcu urls", c.mcu.urls);
    o << "turn " << c.turn.api_key << " " << c.turn.secret << "\n";
    list("turn servers", c.turn.servers);
    list("stats", c.stats_allowed_ips);
    list("trusted", c.trusted_proxies);
    o << "tern " << c.threads << " " << c.node_id << " " << c.send_queue_bytes << " "
      << c.max_sessions << "\n";
    return o.str();
}

const char* kServerConf = R"(# tern-signaling, as a server.conf
[http]
listen = 127.0.0.1:8080 [::1]:8081
[https]
listen = :8443
certificate = /etc/tern/tls/sig.crt
key = /etc/tern/tls/sig.key
writetimeout = 45
[app]
debug = true
trustedproxies = 10.0.0.0/8
[sessions]
hashkey = 0123456789abcdef0123456789abcdef
blockkey = 0123456789abcdef
[clients]
internalsecret = internal
[backend]
backends = nc, two
secret = common
timeout = 7
[nc]
url = https://nc.example/
secret = nc-secret
sessionlimit = 10
maxstreambitrate = 700000
maxscreenbitrate = 900000
[two]
urls = https://two.example/b, https://two.example/a
[nats]
url = nats://loopback
[mcu]
type = proxy
url = ws://127.0.0.1:9090
token_id = tern
token_key = /etc/tern/signaling-proxy.key
maxstreambitrate = 2000000
[turn]
apikey = api
secret = turn-secret
servers = turn:198.18.0.2:3478?transport=udp, turns:turn.example:5349
[stats]
allowed_ips = 127.0.0.1, 192.168.0.0/16
[tern]
threads = 2
node_id = 3
send_queue_bytes = 262144
max_sessions = 5000
)";

const char* kTernConf = R"(// tern-signaling, as tern.conf's group
dataplane = { main_core = 0; };
signaling = {
  listen = ["127.0.0.1:8080", "[::1]:8081"];
  tls_listen = [":8443"];
  tls_certificate = "/etc/tern/tls/sig.crt";
  tls_key = "/etc/tern/tls/sig.key";
  https_write_timeout_s = 45;
  debug = true;
  trusted_proxies = ["10.0.0.0/8"];
  hash_key = "0123456789abcdef0123456789abcdef";
  block_key = "0123456789abcdef";
  internal_secret = "internal";
  common_secret = "common";
  backend_timeout_s = 7;
  backends = (
    { id = "nc"; url = "https://nc.example/"; secret = "nc-secret"; session_limit = 10;
      max_stream_bitrate = 700000; max_screen_bitrate = 900000; },
    { id = "two"; urls = ["https://two.example/b", "https://two.example/a"]; }
  );
  nats_urls = ["nats://loopback"];
  mcu = { type = "proxy"; url = ["ws://127.0.0.1:9090"]; token_id = "tern";
          token_key = "/etc/tern/signaling-proxy.key"; max_stream_bitrate = 2000000; };
  turn = { api_key = "api"; secret = "turn-secret";
           servers = ["turn:198.18.0.2:3478?transport=udp", "turns:turn.example:5349"]; };
  stats_allowed_ips = ["127.0.0.1", "192.168.0.0/16"];
  threads = 2;
  node_id = 3;
  send_queue_bytes = 262144;
  max_sessions = 5000;
};
)";

}  // namespace

TEST_CASE("load_signaling_config: both formats give the same configuration",
          "[signaling][config]") {
    const TempDir dir;
    auto ini = load_signaling_config(dir.write("server.conf", kServerConf));
    auto lib = load_signaling_config(dir.write("tern.conf", kTernConf));
    REQUIRE(ini);
    REQUIRE(lib);
    CHECK(ini->warnings.empty());
    CHECK(lib->warnings.empty());
    CHECK(dump(ini->config) == dump(lib->config));
    CHECK(ini->config.backends.size() == 2);  // the dump is not empty by accident
}

TEST_CASE("load_signaling_config: errors and warnings name the file", "[signaling][config]") {
    const TempDir dir;
    const std::string ini_path =
        dir.write("bad.conf", "\n# leading comment\n[sessions]\nhashkey = x\n");
    auto ini = load_signaling_config(ini_path);
    REQUIRE_FALSE(ini);
    CHECK_THAT(ini.error().describe(), Contains(ini_path + ":4: sessions.hashkey: is 1 bytes"));

    const std::string lib_path = dir.write("bad-tern.conf", "signaling = {\n  hash_key = 5;\n};\n");
    auto lib = load_signaling_config(lib_path);
    REQUIRE_FALSE(lib);
    CHECK(lib.error().describe() == lib_path + ":2: signaling.hash_key: must be a string");

    auto missing = load_signaling_config(dir.write("x", "") + ".absent");
    REQUIRE_FALSE(missing);
    CHECK_THAT(missing.error().describe(), Contains(".absent: cannot open: "));
}

TEST_CASE("ConfigError: the description's shape", "[signaling][config]") {
    CHECK(ConfigError{"f.conf", 3, "http.listen", "bad"}.describe() ==
          "f.conf:3: http.listen: bad");
    CHECK(ConfigError{"f.conf", 0, "sessions.hashkey", "missing"}.describe() ==
          "f.conf: sessions.hashkey: missing");
    CHECK(ConfigError{"f.conf", 9, "", "syntax"}.describe() == "f.conf:9: syntax");
}

TEST_CASE("load_signaling_config: the example files in etc/ load", "[signaling][config]") {
    const char* root = std::getenv("TERN_SOURCE_ROOT");  // NOLINT(concurrency-mt-unsafe)
    if (root == nullptr) {
        SUCCEED("TERN_SOURCE_ROOT not set (meson test sets it)");
        return;
    }
    auto example = load_signaling_config(std::string(root) + "/etc/signaling.conf.example");
    INFO((example ? std::string() : example.error().describe()));
    REQUIRE(example);
    CHECK(example->warnings.empty());
    CHECK(example->config.mcu.type == McuType::Proxy);
}

TEST_CASE("tern.conf: its signaling group loads (secret files made as tools/tern up makes them)",
          "[signaling][config]") {
    const char* root = std::getenv("TERN_SOURCE_ROOT");  // NOLINT(concurrency-mt-unsafe)
    if (root == nullptr) {
        SUCCEED("TERN_SOURCE_ROOT not set (meson test sets it)");
        return;
    }
    std::ifstream in(std::string(root) + "/etc/tern.conf");
    REQUIRE(in);
    std::stringstream whole;
    whole << in.rdbuf();
    std::string text = whole.str();
    // The secret files live in /etc/tern/signaling/ on a host; here in a scratch folder.
    TempDir dir;
    const std::string secrets = dir.write("hash-key", std::string(64, 'a') + "\n");
    dir.write("internal-secret", "s3cret\n");
    const std::string folder = secrets.substr(0, secrets.rfind('/') + 1);
    for (std::size_t at; (at = text.find("/etc/tern/signaling/")) != std::string::npos;) {
        text.replace(at, std::string_view("/etc/tern/signaling/").size(), folder);
    }
    auto r = parse_tern_conf_group(text, "tern.conf");
    INFO((r ? std::string() : r.error().describe()));
    REQUIRE(r);
    // The shipped group names no Nextcloud: the embedded backend is on, and nothing warns.
    CHECK(r->warnings.empty());
    CHECK(r->config.backend.enabled);
    CHECK(r->config.backend.database == "/var/lib/tern/backend.db");
    CHECK(r->config.hash_key == std::string(64, 'a'));
    CHECK(r->config.internal_secret == "s3cret");
    REQUIRE(r->config.http_listen.size() == 1);
    CHECK(r->config.http_listen[0].port == 8080);
    // Its SFU is the local control plane (controlplane.proxy: token id "talk").
    CHECK(r->config.mcu.type == McuType::Proxy);
    CHECK(r->config.mcu.urls == std::vector<std::string>{"ws://127.0.0.1:9090"});
    CHECK(r->config.mcu.token_id == "talk");
    CHECK(r->config.mcu.token_key_file == "/etc/tern/proxy/talk.key");
}
