// tern.conf's `signaling` group: every key, the defaults, and errors naming file, line and path.
#include "signaling/config/tern_conf_group.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

using namespace tern::sig;
using Catch::Contains;
using Strings = std::vector<std::string>;

namespace {

const std::string kHash = "hash_key = \"0123456789abcdef0123456789abcdef\";\n";

LoadedConfig load(const std::string& text) {
    auto r = parse_tern_conf_group(text, "t.conf");
    if (!r) {
        FAIL(r.error().describe());
    }
    return std::move(*r);
}

/// `body` goes inside `signaling = {` (line 1), after the hash key (line 2): its first line is 3.
std::string error_of(const std::string& body) {
    auto r = parse_tern_conf_group("signaling = {\n" + kHash + body + "};\n", "t.conf");
    REQUIRE_FALSE(r);
    return r.error().describe();
}

}  // namespace

TEST_CASE("tern.conf group: every key", "[signaling][config]") {
    const LoadedConfig l = load(R"(dataplane = { anything = "not ours"; };
signaling = {
  listen = ["127.0.0.1:8080", "[::1]:8080"];
  tls_listen = [":8443"];
  tls_certificate = "/c.pem";
  tls_key = "/k.pem";
  http_read_timeout_s = 20;
  https_write_timeout_s = 60;
  debug = true;
  hash_key = "0123456789abcdef0123456789abcdef";
  block_key = "0123456789abcdef";
  internal_secret = "internal";
  common_secret = "common";
  backend_timeout_s = 5;
  connections_per_host = 4;
  backend_skip_verify = true;
  backends = (
    { id = "nc"; url = "https://NC.example/ocs/v2.php/apps/spreed/api/v3/signaling/backend";
      secret = "nc-secret"; session_limit = 100; max_stream_bitrate = 500000; },
    { id = "Other"; urls = ["https://b.example/cloud", "https://a.example"]; }
  );
  nats_urls = ["nats://127.0.0.1:4222"];
  mcu = { type = "proxy"; url = ["ws://127.0.0.1:9090", "https://sfu2.example/"];
          token_id = "tern"; token_key = "/etc/tern/signaling-proxy.key";
          max_screen_bitrate = 3000000; timeout_s = 3; };
  turn = { api_key = "key"; secret = "turnsecret";
           servers = ["turn:1.2.3.4:3478?transport=udp", "turns:turn.example:5349"]; };
  stats_allowed_ips = ["192.168.1.1", "10.0.0.0/8"];
  trusted_proxies = ["10.0.0.0/8", "::1"];
  threads = 2;
  node_id = 7;
  send_queue_bytes = 65536;
  max_sessions = 1000;
};
)");
    CHECK(l.warnings.empty());
    const SignalingConfig& c = l.config;
    CHECK(c.http_listen.size() == 2);
    CHECK(c.https_listen.at(0).host == "::");
    CHECK(c.http_read_timeout_s == 20);
    CHECK(c.https_write_timeout_s == 60);
    CHECK(c.debug);
    REQUIRE(c.backends.size() == 2);
    CHECK(c.backends[0].entry.url == "https://nc.example/");
    CHECK(c.backends[0].session_limit == 100);
    CHECK(c.backends[1].entry.secret == "common");
    CHECK(c.backends[1].urls == Strings{"https://a.example/", "https://b.example/cloud/"});
    CHECK(c.mcu.type == McuType::Proxy);
    CHECK(c.mcu.urls == Strings{"ws://127.0.0.1:9090", "wss://sfu2.example/"});
    CHECK(c.mcu.timeout_s == 3);
    CHECK(c.turn.servers.size() == 2);
    CHECK(c.stats_allowed_ips == Strings{"192.168.1.1", "10.0.0.0/8"});
    CHECK(c.node_id == 7);
    CHECK(c.max_sessions == 1000);
}

TEST_CASE("tern.conf group: defaults and warnings", "[signaling][config]") {
    const LoadedConfig l = load("signaling = {\n" + kHash + "};\n");
    const SignalingConfig d;
    CHECK(l.config.http_listen.size() == 1);
    CHECK(l.config.http_listen[0].port == 8080);
    CHECK(l.config.stats_allowed_ips == d.stats_allowed_ips);
    CHECK(l.config.send_queue_bytes == d.send_queue_bytes);
    CHECK(l.config.mcu.type == McuType::None);
    // No Nextcloud backend: the embedded one is on, so clients can connect through it.
    CHECK(l.config.backend.enabled);
    REQUIRE(l.warnings.size() == 1);
    CHECK(l.warnings[0] ==
          "t.conf:1: signaling: neither listen nor tls_listen: listening on 127.0.0.1:8080");
}

TEST_CASE("tern.conf group: errors name file, line and path", "[signaling][config]") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"listen = [\"127.0.0.1\"];\n", "t.conf:3: signaling.listen: '127.0.0.1' is not host:port"},
        {"listen = 8080;\n", "t.conf:3: signaling.listen: must be a list of strings"},
        {"lisen = [];\n", "t.conf:3: signaling.lisen: unknown key"},
        {"tls_listen = [\":443\"];\n", "t.conf:3: signaling.tls_listen: an HTTPS listener needs"},
        {"debug = \"yes\";\n", "t.conf:3: signaling.debug: must be true or false"},
        {"block_key = \"1234\";\n", "t.conf:3: signaling.block_key: is 4 bytes"},
        {"node_id = 70000;\n",
         "t.conf:3: signaling.node_id: must be a whole number from 0 to 65535"},
        {"threads = -1;\n", "t.conf:3: signaling.threads: must be a whole number"},
        {"backends = ( { id = \"nc\"; url = \"https://nc/\"; } );\n",
         "t.conf:3: signaling.backends.[0]: backend 'nc' has no secret"},
        {"backends = ( { url = \"https://nc/\"; } );\n",
         "t.conf:3: signaling.backends.[0]: a backend needs an id"},
        {"backends = ( { id = \"nc\"; secret = \"s\"; } );\n", "backend 'nc' needs url (or urls)"},
        {"backends = ( { id = \"nc\"; secret = \"s\";\n url = \"nc.example\"; } );\n",
         "t.conf:4: signaling.backends.[0].url: 'nc.example' is not an http(s) URL"},
        {"common_secret = \"s\";\nbackends = ( { id = \"a\"; url = \"https://nc/\"; },\n { id = "
         "\"b\"; url = \"https://nc:443/\"; } );\n",
         "t.conf:5: signaling.backends.[1]: URL https://nc/ already belongs to backend 'a'"},
        {"common_secret = \"s\";\nbackends = ( { id = \"a\"; url = \"https://a/\"; },\n { id = "
         "\"a\"; url = \"https://b/\"; } );\n",
         "backend id 'a' is used twice"},
        {"allow_all = true;\n", "t.conf:3: signaling.allow_all: allow_all needs common_secret"},
        {"mcu = { type = \"janus\"; };\n",
         "t.conf:3: signaling.mcu.type: type janus is not supported"},
        {"mcu = { type = \"proxy\"; };\n", "t.conf:3: signaling.mcu: type proxy needs url"},
        {"mcu = { type = \"proxy\"; url = [\"ws://x:1\"]; token_id = \"t\"; };\n",
         "type proxy needs token_key"},
        {"mcu = { typo = 1; };\n", "t.conf:3: signaling.mcu.typo: unknown key"},
        {"turn = { servers = [\"turn:x:3478\"]; };\n",
         "t.conf:3: signaling.turn.servers: TURN servers need api_key and secret"},
        {"stats_allowed_ips = [\"everyone\"];\n",
         "t.conf:3: signaling.stats_allowed_ips: 'everyone' is not an IP address"},
        {"nats_urls = [\"localhost\"];\n",
         "t.conf:3: signaling.nats_urls: 'localhost' is not a NATS URL"},
    };
    for (const auto& [body, expected] : cases) {
        INFO(body);
        CHECK_THAT(error_of(body), Contains(expected));
    }
    auto no_group = parse_tern_conf_group("dataplane = {};\n", "t.conf");
    REQUIRE_FALSE(no_group);
    CHECK(no_group.error().describe() ==
          "t.conf: signaling: no signaling group: signaling = { ... };");
    auto no_hash = parse_tern_conf_group("signaling = {\n};\n", "t.conf");
    REQUIRE_FALSE(no_hash);
    CHECK_THAT(no_hash.error().describe(), Contains("t.conf:1: signaling: missing hash_key"));
    auto syntax = parse_tern_conf_group("signaling = {\n  listen = ;\n};\n", "t.conf");
    REQUIRE_FALSE(syntax);
    CHECK_THAT(syntax.error().describe(), Contains("t.conf:2: "));
}

TEST_CASE("tern.conf group: secrets from files", "[signaling][config]") {
    char dir_template[] = "/tmp/tern-conf-test.XXXXXX";
    const std::string dir = mkdtemp(dir_template);
    const std::string key_file = dir + "/hashkey";
    const std::string secret_file = dir + "/internal";
    std::ofstream(key_file) << "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
    std::ofstream(secret_file) << "s3cret\n";
    const LoadedConfig l = load("signaling = {\n  hash_key_file = \"" + key_file +
                                "\";\n  internal_secret_file = \"" + secret_file + "\";\n};\n");
    CHECK(l.config.hash_key.size() == 64);
    CHECK(l.config.internal_secret == "s3cret");

    auto both = parse_tern_conf_group(
        "signaling = {\n" + kHash + "  hash_key_file = \"" + key_file + "\";\n};\n", "t.conf");
    REQUIRE_FALSE(both);
    CHECK_THAT(both.error().describe(),
               Contains("t.conf:3: signaling.hash_key_file: give hash_key or hash_key_file"));
    auto missing = parse_tern_conf_group(
        "signaling = {\n  hash_key_file = \"" + dir + "/none\";\n};\n", "t.conf");
    REQUIRE_FALSE(missing);
    CHECK_THAT(missing.error().describe(), Contains("signaling.hash_key_file: cannot read"));
    std::remove(key_file.c_str());
    std::remove(secret_file.c_str());
    rmdir(dir.c_str());
}

TEST_CASE("tern.conf group: limits and the shutdown grace", "[signaling][config]") {
    const SignalingConfig d;
    const LoadedConfig l0 = load("signaling = {\n" + kHash + "};\n");
    CHECK(l0.config.limits.connections_per_ip == d.limits.connections_per_ip);
    CHECK(l0.config.limits.hellos_per_second == d.limits.hellos_per_second);
    CHECK(l0.config.limits.exempt.empty());
    const LoadedConfig l = load("signaling = {\n" + kHash + R"(
  shutdown_grace_ms = 250;
  limits = { connections_per_ip = 20; hellos_per_second = 0; hello_burst = 4;
             tracked_addresses = 100; exempt = ["192.0.2.0/24"]; };
};
)");
    const SignalingConfig& c = l.config;
    CHECK(c.shutdown_grace_ms == 250);
    CHECK(c.limits.connections_per_ip == 20);
    CHECK(c.limits.hellos_per_second == 0);
    CHECK(c.limits.hello_burst == 4);
    CHECK(c.limits.tracked_addresses == 100);
    CHECK(c.limits.exempt == Strings{"192.0.2.0/24"});

    CHECK_THAT(error_of("limits = { hello_burst = 0; };\n"),
               Contains("t.conf:3: signaling.limits.hello_burst: must be a whole number from 1"));
    CHECK_THAT(error_of("limits = { per_ip = 1; };\n"),
               Contains("t.conf:3: signaling.limits.per_ip: unknown key"));
    CHECK_THAT(error_of("limits = { exempt = [\"x\"]; };\n"),
               Contains("t.conf:3: signaling.limits.exempt: 'x' is not an IP address"));
    CHECK_THAT(error_of("limits = 5;\n"), Contains("signaling.limits: must be a group"));
}

TEST_CASE("tern.conf group: the embedded backend's database", "[signaling][config]") {
    CHECK(load("signaling = {\n" + kHash + "};\n").config.backend.database ==
          "/var/lib/tern/backend.db");
    CHECK(load("signaling = {\n" + kHash + "backend = { database = \"/srv/t.db\"; };\n};\n")
              .config.backend.database == "/srv/t.db");
    CHECK_THAT(error_of("backend = { database = \"t.db\"; };\n"),
               Contains("t.conf:3: signaling.backend.database: must be an absolute path"));
    CHECK_THAT(error_of("backend = { database = 7; };\n"),
               Contains("t.conf:3: signaling.backend.database: must be a string"));
    CHECK_THAT(error_of("backend = { databse = \"/x.db\"; };\n"),
               Contains("t.conf:3: signaling.backend.databse: unknown key"));
    CHECK_THAT(error_of("backend = \"/x.db\";\n"),
               Contains("t.conf:3: signaling.backend: must be a group"));
    CHECK_THAT(error_of("backend = { enabled = 1; };\n"),
               Contains("t.conf:3: signaling.backend.enabled: must be true or false"));
    CHECK_THAT(error_of("backend = { url = \"ftp://x\"; };\n"),
               Contains("t.conf:3: signaling.backend.url: must be the http(s) URL"));

    // On by default without Nextcloud backends, off with them; `enabled` decides otherwise.
    const auto off = load("signaling = {\n" + kHash + "backend = { enabled = false; };\n};\n");
    CHECK_FALSE(off.config.backend.enabled);
    REQUIRE(off.warnings.size() == 2);
    CHECK(off.warnings[1] ==
          "t.conf: signaling.backends: no backends configured: clients cannot connect");
    const std::string nextcloud =
        "backends = ( { id = \"nc\"; url = \"https://nc.example/\"; secret = \"s\"; } );\n";
    CHECK_FALSE(load("signaling = {\n" + kHash + nextcloud + "};\n").config.backend.enabled);
    const auto both =
        load("signaling = {\n" + kHash + nextcloud +
             "backend = { enabled = true; url = \"HTTP://Tern.example:80/\"; };\n};\n");
    CHECK(both.config.backend.enabled);
    CHECK(both.config.backend.url == "http://tern.example/");

    // The backend alone, for ternctl: no secrets needed, the same checks.
    auto alone = parse_embedded_backend(
        "dataplane = {};\nsignaling = {\n  backend = { database = \"/d/b.db\"; };\n};\n", "t.conf");
    REQUIRE(alone);
    CHECK(alone->database == "/d/b.db");
    auto defaults = parse_embedded_backend("dataplane = {};\n", "t.conf");
    REQUIRE(defaults);
    CHECK(defaults->database == "/var/lib/tern/backend.db");
    auto bad = parse_embedded_backend("signaling = {\n backend = { size = 1; };\n};\n", "t.conf");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().describe() == "t.conf:2: signaling.backend.size: unknown key (a typo?)");
    auto missing = load_embedded_backend("/nonexistent/tern.conf");
    REQUIRE_FALSE(missing);
    CHECK_THAT(missing.error().describe(), Contains("/nonexistent/tern.conf"));
}

TEST_CASE("tern.conf group: web_root, relative to the file", "[signaling][config]") {
    const std::string hash = "  hash_key = \"0123456789abcdef0123456789abcdef\";\n";
    auto none = parse_tern_conf_group("signaling = {\n" + hash + "};\n", "/etc/tern/tern.conf");
    REQUIRE(none);
    CHECK(none->config.web_root.empty());
    auto relative = parse_tern_conf_group("signaling = {\n" + hash +
                                              "  web_root = \"../signaling/web/dist\";\n};\n",
                                          "/src/tern/etc/tern.conf");
    REQUIRE(relative);
    CHECK(relative->config.web_root == "/src/tern/signaling/web/dist");
    auto absolute = parse_tern_conf_group(
        "signaling = {\n" + hash + "  web_root = \"/usr/share/tern/web\";\n};\n", "t.conf");
    REQUIRE(absolute);
    CHECK(absolute->config.web_root == "/usr/share/tern/web");
}
