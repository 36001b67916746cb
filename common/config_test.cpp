#include "common/config.hpp"
#include "common/port_plan.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <unistd.h>

using namespace tern;

namespace {
const char* kMinimal = R"(
dataplane: {
  worker_cores = [1];
  ports = ( { name = "wan"; vdev = "net_af_packet0,iface=tern1";
              mac = "02:00:00:00:01:02"; ipv4 = "198.18.0.2/24"; ipv6 = "2001:2::2/64"; } );
};
)";
}

TEST_CASE("Config: minimal file gets defaults", "[config]") {
    auto c = parse_config(kMinimal, "test.conf");
    REQUIRE(c);
    const auto& dp = c->dataplane;
    CHECK(dp.worker_cores == std::vector<unsigned>{1});
    REQUIRE(dp.ports.size() == 1);
    CHECK(dp.ports[0].rx_queues == 1);
    CHECK(dp.ports[0].ipv4->addr.to_string() == "198.18.0.2");
    CHECK(dp.ports[0].ipv4->len == 24);
    CHECK(dp.ports[0].mac.to_string() == "02:00:00:00:01:02");
    CHECK(dp.services.stun_port == 3478);
    CHECK(dp.idle.backoff);
    CHECK(dp.exception.enabled);
    CHECK(c->controlplane.admin_socket == "/run/tern/controlplane.sock");
}

TEST_CASE("Config: errors name the key and the problem", "[config]") {
    auto syntax = parse_config("dataplane: { burst = ; };", "x.conf");
    REQUIRE_FALSE(syntax);
    CHECK(syntax.error().rfind("x.conf:1:", 0) == 0);

    auto unknown = parse_config(std::string(kMinimal) + "bogus = 1;", "x.conf");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().find("bogus") != std::string::npos);
    CHECK(unknown.error().find("unknown key") != std::string::npos);

    auto range = parse_config(R"(dataplane: { burst = 1000;
        ports = ( { name = "a"; vdev = "net_null0"; ipv4 = "10.0.0.1/24"; } ); };)",
                              "x.conf");
    REQUIRE_FALSE(range);
    CHECK(range.error().find("dataplane.burst") != std::string::npos);

    auto bad_ip = parse_config(R"(dataplane: {
        ports = ( { name = "a"; vdev = "net_null0"; ipv4 = "10.0.0.1"; } ); };)",
                               "x.conf");
    REQUIRE_FALSE(bad_ip);
    CHECK(bad_ip.error().find("prefix length") != std::string::npos);

    auto both = parse_config(R"(dataplane: {
        ports = ( { name = "a"; vdev = "net_null0"; pci = "0000:01:00.0"; ipv4 = "10.0.0.1/24"; } ); };)",
                             "x.conf");
    REQUIRE_FALSE(both);
    CHECK(both.error().find("exactly one of vdev or pci") != std::string::npos);

    auto queues = parse_config(R"(dataplane: { worker_cores = [1, 2];
        ports = ( { name = "a"; vdev = "net_null0"; rx_queues = 1; ipv4 = "10.0.0.1/24"; } ); };)",
                               "x.conf");
    REQUIRE_FALSE(queues);
    CHECK(queues.error().find("number of worker cores (2)") != std::string::npos);

    CHECK_FALSE(parse_config("dataplane: { };", "x.conf"));
    auto missing = load_config("/nonexistent/tern.conf");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().find("cannot open") != std::string::npos);
}

TEST_CASE("Config: the turn group", "[config]") {
    auto c = parse_config(std::string(R"(
dataplane: {
  worker_cores = [1];
  ports = ( { name = "wan"; vdev = "net_null0"; ipv4 = "198.18.0.2/24"; } );
  turn: { realm = "example.org"; secrets = ["first-secret", "second-secret"];
          users = ( { name = "alice"; password = "wonderland"; } );
          relay_ports = "50000-50999"; user_quota = 10; denied_peers = ["10.0.0.0/8"];
          allowed_peers = ["198.18.0.0/24"]; rfc5766_channels = true; };
};)"),
                          "t.conf");
    REQUIRE(c);
    const TurnConfig& t = c->dataplane.turn;
    CHECK(t.realm == "example.org");
    CHECK(t.secrets.size() == 2);
    REQUIRE(t.users.size() == 1);
    CHECK(t.users[0].name == "alice");
    CHECK(t.relay_port_min == 50000);
    CHECK(t.relay_port_max == 50999);
    CHECK(t.user_quota == 10);
    CHECK(t.allowed_peers == std::vector<std::string>{"198.18.0.0/24"});
    CHECK(t.tcp_ports == std::vector<uint16_t>{3478});  // TCP on by default, TLS off
    CHECK(t.tls_ports.empty());
    CHECK(t.rfc5766_channels);

    auto streams =
        parse_config(R"(dataplane: { ports = ( { name = "a"; vdev = "n"; ipv4 = "1.2.3.4/8"; } );
        turn: { tcp_ports = [3478, 80]; tls_ports = [5349, 443]; tls_certificate = "/c.pem";
                tls_private_key = "/k.pem"; }; };)",
                     "t.conf");
    REQUIRE(streams);
    CHECK(streams->dataplane.turn.tcp_ports == std::vector<uint16_t>{3478, 80});
    CHECK(streams->dataplane.turn.tls_ports == std::vector<uint16_t>{5349, 443});
    auto no_cert =
        parse_config(R"(dataplane: { ports = ( { name = "a"; vdev = "n"; ipv4 = "1.2.3.4/8"; } );
        turn: { tls_ports = [5349]; }; };)",
                     "t.conf");
    REQUIRE_FALSE(no_cert);
    CHECK(no_cert.error().find("tls_certificate") != std::string::npos);
    auto bad_port =
        parse_config(R"(dataplane: { ports = ( { name = "a"; vdev = "n"; ipv4 = "1.2.3.4/8"; } );
        turn: { tcp_ports = [70000]; }; };)",
                     "t.conf");
    REQUIRE_FALSE(bad_port);
    CHECK(bad_port.error().find("port number") != std::string::npos);

    auto bad =
        parse_config(R"(dataplane: { ports = ( { name = "a"; vdev = "n"; ipv4 = "1.2.3.4/8"; } );
        turn: { relay_ports = "80-90"; }; };)",
                     "t.conf");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().find("relay_ports") != std::string::npos);
    auto short_secret =
        parse_config(R"(dataplane: { ports = ( { name = "a"; vdev = "n"; ipv4 = "1.2.3.4/8"; } );
        turn: { secrets = ["short"]; }; };)",
                     "t.conf");
    REQUIRE_FALSE(short_secret);
    CHECK(short_secret.error().find("at least 8") != std::string::npos);
}

TEST_CASE("Config: TURN secrets from a file, comments skipped", "[config]") {
    char path[] = "/tmp/tern-secret-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    const std::string body = "# rotated 2026-11\nfile-secret-one\n\nfile-secret-two\r\n";
    REQUIRE(write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()));
    close(fd);
    auto c = parse_config(
        std::string(R"(dataplane: { ports = ( { name = "a"; vdev = "n"; ipv4 = "1.2.3.4/8"; } );
        turn: { secrets = ["inline-secret"]; secret_file = ")") +
            path + R"("; }; };)",
        "t.conf");
    unlink(path);
    REQUIRE(c);
    CHECK(c->dataplane.turn.secrets ==
          std::vector<std::string>{"inline-secret", "file-secret-one", "file-secret-two"});
    auto missing =
        parse_config(R"(dataplane: { ports = ( { name = "a"; vdev = "n"; ipv4 = "1.2.3.4/8"; } );
        turn: { secret_file = "/nonexistent/secret"; }; };)",
                     "t.conf");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().find("cannot read /nonexistent/secret") != std::string::npos);
}

TEST_CASE("Config: the proxy protocol group", "[config]") {
    auto d = parse_config(kMinimal, "test.conf");
    REQUIRE(d);
    CHECK(d->controlplane.proxy.enabled);
    CHECK(d->controlplane.proxy.listen == "127.0.0.1:9090");
    CHECK(d->controlplane.proxy.camera_bitrate == 1'000'000);
    CHECK(d->controlplane.proxy.screen_bitrate == 2'000'000);
    CHECK(d->dataplane.camera_bitrate == 1'000'000);  // the SFU's caps per subscriber, the same
    CHECK(d->dataplane.screen_bitrate == 2'000'000);
    CHECK(d->controlplane.proxy.streams_per_lcore == 8000);
    CHECK(d->controlplane.proxy.dtls_key == "ecdsa");
    auto c = parse_config(std::string(kMinimal) + R"(controlplane: { proxy: {
        listen = "[::1]:9191"; listen_netns = "/proc/1/ns/net";
        tokens = ( { id = "talk"; public_key = "/etc/tern/proxy/talk.pub.pem"; } );
        camera_bitrate = 500000; video_codecs = ["H264", "VP8"]; dtls_key = "rsa";
        public_addresses = ["203.0.113.7", "2001:db8::7"]; country = "DE"; }; };)",
                          "p.conf");
    REQUIRE(c);
    const auto& p = c->controlplane.proxy;
    CHECK(p.listen == "[::1]:9191");
    CHECK(p.listen_netns == "/proc/1/ns/net");
    REQUIRE(p.tokens.size() == 1);
    CHECK(p.tokens[0].id == "talk");
    CHECK(p.camera_bitrate == 500000);
    CHECK(c->dataplane.camera_bitrate == 500000);
    CHECK(p.video_codecs == std::vector<std::string>{"H264", "VP8"});
    CHECK(p.dtls_key == "rsa");
    CHECK(p.public_addresses.size() == 2);
    CHECK(p.country == "DE");
    auto err = [&](const char* body) {
        auto r = parse_config(std::string(kMinimal) + "controlplane: { proxy: { " + body + " }; };",
                              "p.conf");
        REQUIRE_FALSE(r);
        return r.error();
    };
    CHECK(err(R"(video_codecs = ["theora"];)").find("theora") != std::string::npos);
    CHECK(err(R"(listen = "9090";)").find("host:port") != std::string::npos);
    CHECK(err(R"(tokens = ( { id = "x"; } );)").find("public_key") != std::string::npos);
    CHECK(err(R"(dtls_key = "dsa";)").find("dtls_key") != std::string::npos);
    CHECK(err(R"(tls_listen = "0.0.0.0:9443";)").find("tls_certificate") != std::string::npos);
    CHECK(err(R"(listen = "";)").find("listen or tls_listen") != std::string::npos);
    auto tls =
        parse_config(std::string(kMinimal) +
                         R"(controlplane: { proxy: { listen = ""; tls_listen = "0.0.0.0:9443";
        tls_certificate = "c.pem"; tls_private_key = "k.pem"; }; };)",
                     "p.conf");
    REQUIRE(tls);
    CHECK(tls->controlplane.proxy.tls_listen == "0.0.0.0:9443");
    CHECK(err(R"(public_addresses = ["example.com"];)").find("example.com") != std::string::npos);
    CHECK(err(R"(camera_bitrate = 5;)").find("camera_bitrate") != std::string::npos);
}

TEST_CASE("Config: per-transport SFU ports", "[config]") {
    const auto with = [](const std::string& services, const std::string& turn = "") {
        return parse_config(R"(dataplane: { worker_cores = [1, 2];
            ports = ( { name = "a"; vdev = "net_null0"; ipv4 = "10.0.0.1/24"; } );
            services: { )" + services +
                                R"( }; )" + turn + R"( };)",
                            "x.conf");
    };
    auto off = with("");
    REQUIRE(off);
    CHECK(PortPlan{off->dataplane}.transport_ports().empty());
    auto on = with(R"(transport_ports = "30000-39999";)");
    REQUIRE(on);
    CHECK(PortPlan{on->dataplane}.transport_slice(1) == PortRange{35000, 39999});
    CHECK(on->dataplane.services.transport_port_min == 30000);
    CHECK(on->dataplane.services.transport_port_max == 39999);
    // Malformed, too small for the workers, below 1024, without the SFU, overlapping.
    for (const char* bad :
         {R"(transport_ports = "30000";)", R"(transport_ports = "30000-30000";)",
          R"(transport_ports = "100-2000";)", R"(media_port = 0; transport_ports = "30000-39999";)",
          R"(transport_ports = "19990-20005";)", R"(transport_ports = "3000-4000";)"}) {
        auto r = with(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().find("transport_ports") != std::string::npos);
    }
    auto relay =
        with(R"(transport_ports = "50000-50999";)", R"(turn: { relay_ports = "49152-65535"; };)");
    REQUIRE_FALSE(relay);
    CHECK(relay.error().find("TURN relay ports") != std::string::npos);
}
