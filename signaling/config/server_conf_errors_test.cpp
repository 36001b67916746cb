// server.conf's errors: each names the file, the line and the key, and says what is wrong.
#include "signaling/config/server_conf.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig;
using Catch::Contains;

namespace {

std::optional<std::string> no_env(const std::string&) {
    return std::nullopt;
}

std::string error_of(const std::string& text) {
    auto r = parse_server_conf(text, "s.conf", no_env);
    REQUIRE_FALSE(r);
    return r.error().describe();
}

LoadedConfig load(const std::string& text) {
    auto r = parse_server_conf(text, "s.conf", no_env);
    if (!r) {
        FAIL(r.error().describe());
    }
    return std::move(*r);
}

const std::string kSessions =
    "[sessions]\nhashkey = 0123456789abcdef0123456789abcdef\n";  // lines 1-2

}  // namespace

TEST_CASE("server.conf: every error names file, line and key", "[signaling][config]") {
    // Each is appended after kSessions (lines 1-2), so its first line is line 3.
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"[sesions]\nx = 1\n", "s.conf:3: [sesions]: unknown section"},
        {"[http]\nlisen = 1\n", "s.conf:4: http.lisen: unknown key"},
        {"[http]\nlisten = 127.0.0.1:http\n",
         "s.conf:4: http.listen: '127.0.0.1:http' is not host:port"},
        {"[http]\nlisten = 127.0.0.1\n", "s.conf:4: http.listen:"},
        {"[https]\nlisten = :443\n",
         "s.conf:4: https.listen: an HTTPS listener needs [https] certificate and key"},
        {"[app]\ndebug = maybe\n", "s.conf:4: app.debug: must be true or false"},
        {"[app]\ntrustedproxies = 10.0.0.0/99\n", "s.conf:4: app.trustedproxies: '10.0.0.0/99'"},
        {"[backend]\ntimeout = ten\n", "s.conf:4: backend.timeout: must be a whole number"},
        {"[sessions]\nblockkey = 1234\n",
         "s.conf:4: sessions.blockkey: is 4 bytes; it must be 16, 24 or 32"},
        {"[backend]\nbackends = nc\nsecret = s\n",
         "s.conf:4: backend.backends: backend 'nc' is listed but the file has no [nc] section"},
        {"[backend]\nbackends = nc\nsecret = s\n[nc]\nsecret = t\n",
         "s.conf:6: nc.url: backend 'nc' needs url (or urls)"},
        {"[backend]\nbackends = nc\n[nc]\nurl = https://nc/\n",
         "s.conf:5: nc.secret: backend 'nc' has no secret"},
        {"[backend]\nbackends = nc\nsecret = s\n[nc]\nurl = nc.example\n",
         "s.conf:7: nc.url: 'nc.example' is not an http(s) URL"},
        {"[backend]\nbackends = nc\nsecret = s\n[nc]\nurl = https://nc/\nsessionlimit = -1\n",
         "s.conf:8: nc.sessionlimit: must be a whole number"},
        {"[backend]\nbackends = nc\nsecret = s\n[nc]\nurl = https://nc/\nsecrett = x\n",
         "s.conf:8: nc.secrett: unknown key for a backend"},
        {"[backend]\nbackends = a, b\nsecret = s\n[a]\nurl = https://nc/\n[b]\nurl = "
         "https://NC:443/\n",
         "s.conf:9: b.url: URL https://nc/ already belongs to backend 'a'"},
        {"[backend]\nbackendtype = etcd\n",
         "s.conf:4: backend.backendtype: tern-signaling reads its backends from this file only"},
        {"[nats]\nurl = localhost:4222\n",
         "s.conf:4: nats.url: 'localhost:4222' is not a NATS URL"},
        {"[mcu]\ntype = janus\nurl = ws://127.0.0.1:8188\n",
         "s.conf:4: mcu.type: type janus is not supported: tern-signaling drives tern's SFU "
         "through the proxy protocol"},
        {"[mcu]\nurl = ws://127.0.0.1:8188\n",
         "s.conf:4: mcu.url: a url without a type means janus"},
        {"[mcu]\ntype = mcu\n", "s.conf:4: mcu.type: unknown MCU type 'mcu'"},
        {"[mcu]\ntype = proxy\n", "s.conf:3: mcu.url: type proxy needs url"},
        {"[mcu]\ntype = proxy\nurl = tcp://x:1\n",
         "s.conf:5: mcu.url: 'tcp://x:1': a proxy URL is ws:// or wss://"},
        {"[mcu]\ntype = proxy\nurl = ws://x:1\ntoken_key = k.pem\n",
         "s.conf:3: mcu.token_id: type proxy needs token_id"},
        {"[mcu]\ntype = proxy\nurl = ws://x:1\ntoken_id = t\n",
         "s.conf:3: mcu.token_key: type proxy needs token_key"},
        {"[mcu]\ntype = proxy\nurl = ws://x:1\ntoken_id = t\ntoken_key = k\nurltype = etcd\n",
         "s.conf:8: mcu.urltype:"},
        {"[turn]\nservers = turn:1.2.3.4:3478\n",
         "s.conf:4: turn.servers: TURN servers need [turn] apikey and secret"},
        {"[turn]\napikey = a\nsecret = b\nservers = stun:1.2.3.4\n",
         "s.conf:6: turn.servers: 'stun:1.2.3.4' is not a turn: or turns: URI"},
        {"[stats]\nallowed_ips = everyone\n",
         "s.conf:4: stats.allowed_ips: 'everyone' is not an IP address"},
        {"[tern]\nnode_id = 70000\n",
         "s.conf:4: tern.node_id: must be a whole number from 0 to 65535"},
        {"[tern]\nsend_queue_bytes = 100\n",
         "s.conf:4: tern.send_queue_bytes: must be a whole number from 4096"},
        {"[tern]\nthreads = 4\ncores = 2\n", "s.conf:5: tern.cores: unknown key"},
        {"[backend]\nbackends = nc\nsecret = s\n[nc]\nurl = https://%(host)s/\n",
         "s.conf:7: nc.url: \"%(host)s\" names no key"},
        {"[clients]\ninternalsecret = $(NOT_SET)\n",
         "s.conf:4: clients.internalsecret: the environment variable NOT_SET"},
        {"[a]\n", "s.conf:3: [a]: unknown section"},
    };
    for (const auto& [text, expected] : cases) {
        INFO(text);
        CHECK_THAT(error_of(kSessions + text), Contains(expected));
    }
}

TEST_CASE("server.conf: a line goconf cannot read either", "[signaling][config]") {
    CHECK_THAT(error_of("garbage line\n" + kSessions), Contains("s.conf:1: cannot read this line"));
    // After an entry the same line continues its value (goconf's multi-line values).
    CHECK(load(kSessions + "more words\n").config.hash_key ==
          "0123456789abcdef0123456789abcdef\nmore words");
}

TEST_CASE("server.conf: the hash key", "[signaling][config]") {
    CHECK_THAT(error_of("[http]\nlisten = :80\n"),
               Contains("s.conf: sessions.hashkey: missing: tern-signaling signs session ids"));
    CHECK_THAT(error_of("[sessions]\nblockkey = \n"),
               Contains("s.conf:1: sessions.hashkey: missing"));
    CHECK_THAT(error_of("[sessions]\nhashkey = too-short\n"),
               Contains("s.conf:2: sessions.hashkey: is 9 bytes; tern-signaling needs at least 32 "
                        "because it signs session ids with HMAC-SHA256"));
}

TEST_CASE("server.conf: a value with \"$(\" that names no variable stays", "[signaling][config]") {
    const SignalingConfig c =
        load(kSessions + "[clients]\ninternalsecret = a$(b $(1x) $(\n").config;
    CHECK(c.internal_secret == "a$(b $(1x) $(");
}
