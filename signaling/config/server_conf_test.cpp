// server.conf as tern-signaling reads it: the file Debian's nextcloud-spreed-signaling ships,
// every section tern uses, the old `allowed` form, warnings for what only the reference uses,
// and an error naming file, line and key for everything else.
#include "signaling/config/server_conf.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace tern::sig;
using Catch::Contains;
using Strings = std::vector<std::string>;

namespace {

std::optional<std::string> no_env(const std::string&) {
    return std::nullopt;
}

LoadedConfig load(const std::string& text, const EnvLookup& env = no_env) {
    auto r = parse_server_conf(text, "s.conf", env);
    if (!r) {
        FAIL(r.error().describe());
    }
    return std::move(*r);
}

std::string error_of(const std::string& text, const EnvLookup& env = no_env) {
    auto r = parse_server_conf(text, "s.conf", env);
    REQUIRE_FALSE(r);
    return r.error().describe();
}

const std::string kSessions =
    "[sessions]\nhashkey = 0123456789abcdef0123456789abcdef\n";  // lines 1-2

// The settings of the server.conf that Debian's nextcloud-spreed-signaling 0.4.1 installs in
// /etc/nextcloud-spreed-signaling/: its sections, keys and values (commented ones included),
// without its explanatory comments.
const std::string kDebianServerConf = R"([http]
#listen = 127.0.0.1:8080
#readtimeout = 15
#writetimeout = 15

[https]
#listen = 127.0.0.1:8443
#readtimeout = 15
#writetimeout = 15
certificate = /etc/nginx/ssl/server.crt
key = /etc/nginx/ssl/server.key

[app]
debug = false
#allowsubscribeany = false

[sessions]
hashkey = the-secret-for-session-checksums
blockkey = -encryption-key-

[clients]
internalsecret = the-shared-secret-for-internal-clients

[backend]
#backends = backend-id, another-backend
allowall = false
#secret = the-shared-secret
timeout = 10
connectionsperhost = 8
#skipverify = false
#[backend-id]
#url = https://cloud.domain.invalid
#secret = the-shared-secret
#sessionlimit = 10
#maxstreambitrate = 1048576
#maxscreenbitrate = 2097152
#[another-backend]
#url = https://cloud.otherdomain.invalid
#secret = the-shared-secret

[nats]
#url = nats://localhost:4222

[mcu]
#type =
#url =
#maxstreambitrate = 1048576
#maxscreenbitrate = 2097152
#proxytimeout = 2
#urltype = static
#skipverify = false
#token_id = server1
#token_key = privkey.pem
#endpoints = 127.0.0.1:2379,127.0.0.1:22379,127.0.0.1:32379
#discoverysrv = example.com
#discoveryservice = foo
#clientkey = /path/to/etcd-client.key
#clientcert = /path/to/etcd-client.crt
#cacert = /path/to/etcd-ca.crt
#keyprefix = /signaling/proxy/server

[turn]
#apikey = the-api-key-for-the-rest-service
#secret = 6d1c17a7-c736-4e22-b02c-e2955b7ecc64
#servers = turn:1.2.3.4:9991?transport=udp,turn:1.2.3.4:9991?transport=tcp

[geoip]
#license =
#url =

[geoip-overrides]
#127.0.0.1 = DE
#192.168.0.0/24 = DE

[continent-overrides]
#AF = EU
#SA = NA

[stats]
#allowed_ips =
)";

}  // namespace

TEST_CASE("server.conf: the file Debian ships loads with only warnings", "[signaling][config]") {
    const LoadedConfig l = load(kDebianServerConf);
    const SignalingConfig& c = l.config;
    REQUIRE(c.http_listen.size() == 1);  // neither listen is set: our default
    CHECK(c.http_listen[0].host == "127.0.0.1");
    CHECK(c.http_listen[0].port == 8080);
    CHECK(c.https_listen.empty());
    CHECK(c.tls_certificate == "/etc/nginx/ssl/server.crt");
    CHECK(c.tls_key == "/etc/nginx/ssl/server.key");
    CHECK(c.hash_key == "the-secret-for-session-checksums");
    CHECK(c.block_key == "-encryption-key-");
    CHECK(c.internal_secret == "the-shared-secret-for-internal-clients");
    CHECK(c.backends.empty());
    CHECK_FALSE(c.allow_all);
    CHECK(c.backend_timeout_s == 10);
    CHECK(c.connections_per_host == 8);
    CHECK(c.mcu.type == McuType::None);
    CHECK(c.turn.servers.empty());
    CHECK(c.stats_allowed_ips == Strings{"127.0.0.1", "::1"});
    REQUIRE(l.warnings.size() == 2);
    CHECK(l.warnings[0] ==
          "s.conf: neither [http] nor [https] has a listen: listening on 127.0.0.1:8080");
    CHECK_THAT(l.warnings[1], Contains("no backends configured"));
}

TEST_CASE("server.conf: the installed /etc file loads, when this machine has it",
          "[signaling][config]") {
    std::ifstream in("/etc/nextcloud-spreed-signaling/server.conf");
    if (!in) {
        SUCCEED("no /etc/nextcloud-spreed-signaling/server.conf here");
        return;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto r = parse_server_conf(text.str(), "server.conf", no_env);
    INFO((r ? std::string() : r.error().describe()));
    CHECK(r);
}

TEST_CASE("server.conf: every section tern-signaling uses", "[signaling][config]") {
    const LoadedConfig l = load(kSessions + R"(blockkey = 0123456789abcdef
[http]
listen = 127.0.0.1:8080 [::1]:8080
readtimeout = 20
[https]
listen = :8443
certificate = /c.pem
key = /k.pem
writetimeout = 60
[app]
debug = yes
trustedproxies = 10.0.0.0/8, ::1
[clients]
internalsecret = internal
[backend]
backends = nc, Other
secret = common
timeout = 5
connectionsperhost = 4
skipverify = true
[nc]
url = https://NC.example/ocs/v2.php/apps/spreed/api/v3/signaling/backend
secret = nc-secret
sessionlimit = 100
maxstreambitrate = 500000
[other]
urls = https://b.example/cloud, https://a.example
[nats]
url = nats://127.0.0.1:4222
[mcu]
type = proxy
url = ws://127.0.0.1:9090 https://sfu2.example/
token_id = tern
token_key = /etc/tern/signaling-proxy.key
maxscreenbitrate = 3000000
proxytimeout = 3
[turn]
apikey = key
secret = turnsecret
servers = turn:1.2.3.4:3478?transport=udp, turns:turn.example:5349
[stats]
allowed_ips = 192.168.1.1, 10.0.0.0/8
[tern]
threads = 2
node_id = 7
send_queue_bytes = 65536
max_sessions = 1000
)");
    CHECK(l.warnings.empty());
    const SignalingConfig& c = l.config;
    REQUIRE(c.http_listen.size() == 2);
    CHECK(c.http_listen[1].host == "::1");
    CHECK(c.http_read_timeout_s == 20);
    CHECK(c.http_write_timeout_s == 30);
    REQUIRE(c.https_listen.size() == 1);
    CHECK(c.https_listen[0].host == "::");
    CHECK(c.https_listen[0].port == 8443);
    CHECK(c.https_write_timeout_s == 60);
    CHECK(c.debug);
    CHECK(c.trusted_proxies == Strings{"10.0.0.0/8", "::1"});
    CHECK(c.internal_secret == "internal");
    CHECK(c.block_key == "0123456789abcdef");
    CHECK(c.common_secret == "common");
    CHECK(c.backend_timeout_s == 5);
    CHECK(c.connections_per_host == 4);
    CHECK(c.backend_skip_verify);
    REQUIRE(c.backends.size() == 2);
    CHECK(c.backends[0].entry.id == "nc");
    CHECK(c.backends[0].entry.url == "https://nc.example/");
    CHECK(c.backends[0].entry.secret == "nc-secret");
    CHECK(c.backends[0].session_limit == 100);
    CHECK(c.backends[0].max_stream_bitrate == 500000);
    CHECK(c.backends[1].entry.id == "Other");  // as listed; its section name is case-insensitive
    CHECK(c.backends[1].entry.secret == "common");
    CHECK(c.backends[1].urls == Strings{"https://a.example/", "https://b.example/cloud/"});
    CHECK(c.backends[1].entry.url == "https://a.example/");
    CHECK(c.nats_urls == Strings{"nats://127.0.0.1:4222"});
    CHECK(c.mcu.type == McuType::Proxy);
    CHECK(c.mcu.urls == Strings{"ws://127.0.0.1:9090", "wss://sfu2.example/"});
    CHECK(c.mcu.token_id == "tern");
    CHECK(c.mcu.token_key_file == "/etc/tern/signaling-proxy.key");
    CHECK(c.mcu.max_stream_bitrate == 1048576);
    CHECK(c.mcu.max_screen_bitrate == 3000000);
    CHECK(c.mcu.timeout_s == 3);
    CHECK(c.turn.servers.size() == 2);
    CHECK(c.turn.api_key == "key");
    CHECK(c.stats_allowed_ips == Strings{"192.168.1.1", "10.0.0.0/8"});
    CHECK(c.threads == 2);
    CHECK(c.node_id == 7);
    CHECK(c.send_queue_bytes == 65536);
    CHECK(c.max_sessions == 1000);
}

TEST_CASE("server.conf: defaults when sections are absent", "[signaling][config]") {
    const SignalingConfig c = load("[http]\nlisten = 127.0.0.1:0\n" + kSessions).config;
    const SignalingConfig d;
    CHECK(c.http_listen.size() == 1);
    CHECK(c.block_key.empty());
    CHECK(c.internal_secret.empty());
    CHECK(c.backend_timeout_s == d.backend_timeout_s);
    CHECK(c.connections_per_host == d.connections_per_host);
    CHECK(c.mcu.type == McuType::None);
    CHECK(c.mcu.max_stream_bitrate == d.mcu.max_stream_bitrate);
    CHECK(c.stats_allowed_ips == d.stats_allowed_ips);
    CHECK(c.trusted_proxies.empty());
    CHECK(c.nats_urls.empty());
    CHECK(c.send_queue_bytes == d.send_queue_bytes);
    CHECK(c.threads == 0);
}

TEST_CASE("server.conf: the old form, allowed hosts sharing one secret", "[signaling][config]") {
    const LoadedConfig l = load(kSessions + R"([backend]
allowed = NC.example, other.example:8443/nextcloud
secret = common
allowhttp = true
sessionlimit = 50
)");
    REQUIRE(l.config.backends.size() == 1);
    const BackendConfig& b = l.config.backends[0];
    CHECK(b.entry.id == "compat");
    CHECK(b.entry.secret == "common");
    CHECK(b.session_limit == 50);
    CHECK(b.urls == Strings{"https://nc.example/", "http://nc.example/",
                            "https://other.example:8443/", "http://other.example:8443/"});
    REQUIRE(l.warnings.size() == 2);  // and the default listener's
    CHECK(l.warnings[1] == "s.conf:4: backend.allowed: 'other.example:8443/nextcloud' is a host "
                           "name: its path is ignored");
    CHECK_THAT(error_of(kSessions + "[backend]\nallowed = nc.example\n"),
               Contains("s.conf:4: backend.allowed: the allowed hosts need [backend] secret"));
}

TEST_CASE("server.conf: allowall, and which backend form wins", "[signaling][config]") {
    const SignalingConfig c =
        load(kSessions + "[backend]\nallowall = true\nsecret = s\nbackends = nc\nallowed = x\n")
            .config;
    CHECK(c.allow_all);
    CHECK(c.backends.empty());
    CHECK(c.common_secret == "s");
    CHECK_THAT(error_of(kSessions + "[backend]\nallowall = true\n"),
               Contains("s.conf:4: backend.allowall: allowall needs [backend] secret"));
    const SignalingConfig listed = load(kSessions + "[backend]\nbackends = nc\nallowed = x\n"
                                                    "secret = s\n[nc]\nurl = https://nc/\n")
                                       .config;
    REQUIRE(listed.backends.size() == 1);
    CHECK(listed.backends[0].entry.id == "nc");
}

TEST_CASE("server.conf: keys only the reference uses are warnings", "[signaling][config]") {
    const LoadedConfig l = load(kSessions + R"([http]
listen = 127.0.0.1:8080
[app]
allowsubscribeany = true
[grpc]
listen = 0.0.0.0:9090
[etcd]
endpoints = 127.0.0.1:2379
[geoip]
license = abc
[geoip-overrides]
127.0.0.1 = DE
[continent-overrides]
AF = EU
[federation]
timeout = 10
[mcu]
dnsdiscovery = true
[backend]
backendprefix = /x
)");
    const Strings expected{
        "s.conf:6: app.allowsubscribeany: accepted but not used by tern-signaling",
        "s.conf:8: grpc.listen: accepted but not used by tern-signaling",
        "s.conf:10: etcd.endpoints: accepted but not used by tern-signaling",
        "s.conf:12: geoip.license: accepted but not used by tern-signaling",
        "s.conf:14: geoip-overrides.127.0.0.1: accepted but not used by tern-signaling",
        "s.conf:16: continent-overrides.af: accepted but not used by tern-signaling",
        "s.conf:18: federation.timeout: accepted but not used by tern-signaling",
        "s.conf:20: mcu.dnsdiscovery: accepted but not used by tern-signaling",
        "s.conf:22: backend.backendprefix: accepted but not used by tern-signaling",
    };
    REQUIRE(l.warnings.size() >= expected.size());
    CHECK(Strings(l.warnings.begin(), l.warnings.begin() + 9) == expected);
}

TEST_CASE("server.conf: repeats, unlisted backends, variables", "[signaling][config]") {
    const LoadedConfig l = load(kSessions + R"([http]
listen = 127.0.0.1:1
listen = 127.0.0.1:2
[spare]
url = https://spare.example/
)");
    CHECK(l.config.http_listen.at(0).port == 2);
    CHECK_THAT(l.warnings.at(0), Contains("s.conf:5: http.listen: set again (first on line 4)"));
    CHECK(l.warnings.at(1) == "s.conf:6: [spare]: a backend section that [backend] backends does "
                              "not list: ignored");

    const std::map<std::string, std::string> env{{"HASH", std::string(40, 'h')}};
    const EnvLookup lookup = [&](const std::string& n) -> std::optional<std::string> {
        auto it = env.find(n);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    const SignalingConfig c = load(R"(host = nc.example
path = /cloud
[sessions]
hashkey = $(HASH)
[backend]
backends = nc
secret = s
[nc]
url = https://%(host)s%(path)s
)",
                                   lookup)
                                  .config;
    CHECK(c.hash_key == std::string(40, 'h'));
    CHECK(c.backends.at(0).entry.url == "https://nc.example/cloud/");
}

TEST_CASE("server.conf: tern's [limits] section, and its defaults", "[signaling][config]") {
    const SignalingConfig d;
    const SignalingConfig c0 = load("[http]\nlisten = 127.0.0.1:0\n" + kSessions).config;
    CHECK(c0.limits.connections_per_ip == d.limits.connections_per_ip);
    CHECK(c0.limits.hellos_per_second == d.limits.hellos_per_second);
    CHECK(c0.limits.hello_burst == d.limits.hello_burst);
    CHECK(c0.limits.exempt.empty());  // loopback is limited unless listed
    CHECK(c0.shutdown_grace_ms == 5000);

    const LoadedConfig l = load(kSessions + R"([http]
listen = 127.0.0.1:0
[tern]
shutdown_grace_ms = 1500
[limits]
connections_per_ip = 0
hellos_per_second = 3
hello_burst = 7
tracked_addresses = 1000
exempt = 127.0.0.1, 10.0.0.0/8, ::1
)");
    for (const std::string& w : l.warnings) {
        CHECK_THAT(w, !Contains("limits") && !Contains("tern."));  // known keys, no warning
    }
    const SignalingConfig& c = l.config;
    CHECK(c.shutdown_grace_ms == 1500);
    CHECK(c.limits.connections_per_ip == 0);  // 0 is a value here: no limit
    CHECK(c.limits.hellos_per_second == 3);
    CHECK(c.limits.hello_burst == 7);
    CHECK(c.limits.tracked_addresses == 1000);
    CHECK(c.limits.exempt == Strings{"127.0.0.1", "10.0.0.0/8", "::1"});
}

TEST_CASE("server.conf: [limits] errors name the line and key", "[signaling][config]") {
    CHECK_THAT(error_of(kSessions + "[limits]\nhello_burst = 0\n"),
               Contains("s.conf:4: limits.hello_burst: must be a whole number from 1 to"));
    CHECK_THAT(error_of(kSessions + "[limits]\nconnections_per_ip = lots\n"),
               Contains("s.conf:4: limits.connections_per_ip: must be a whole number"));
    CHECK_THAT(error_of(kSessions + "[limits]\nexempt = 10.0.0.0/8, nowhere\n"),
               Contains("s.conf:4: limits.exempt: 'nowhere' is not an IP address"));
    CHECK_THAT(error_of(kSessions + "[limits]\nconnections_per_address = 5\n"),
               Contains("s.conf:4: limits.connections_per_address: unknown key"));
}
