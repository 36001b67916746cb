#include "signaling/net/loopback_clients_test_support.hpp"
#include "signaling/net/server_test_support.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig;
using namespace tern::sig::net;
using namespace tern::sig::net::test;

namespace {

int total_closes(FakeRecord& r) {
    int n = 0;
    for (auto& [conn, count] : r.closes) {
        n += count;
    }
    return n;
}

bool each_closed_once(FakeRecord& r) {
    for (auto& [conn, count] : r.closes) {
        if (count != 1) {
            return false;
        }
    }
    return true;
}

}  // namespace

TEST_CASE("WsConnection: upgrade headers, welcome, echo, binary, one on_close",
          "[signaling][net]") {
    TestServer ts;
    WsClient c;
    REQUIRE(c.connect(ts.http()));
    CHECK(std::string(c.upgrade[http::field::server]).starts_with("nextcloud-spreed-signaling/"));
    CHECK(std::string(c.upgrade["X-Spreed-Signaling-Features"]) ==
          "audio-video-permissions, federation, hello-v2");
    CHECK(c.read() == "welcome");
    REQUIRE(c.write("hello there"));
    CHECK(c.read() == "hello there");
    REQUIRE(c.write("\x01\x02", true));
    CHECK(c.read() == "binary");
    CHECK(ts.record.with([](FakeRecord& r) { return r.binaries; }) == 1);
    CHECK(ts.record.with([](FakeRecord& r) { return r.clients.at(0).ip; }) == "127.0.0.1");
    c.ws.close(websocket::close_code::normal);
    REQUIRE(ts.wait_for([](FakeRecord& r) { return total_closes(r) == 1; }));
    std::this_thread::sleep_for(50ms);
    CHECK(
        ts.record.with([](FakeRecord& r) { return total_closes(r) == 1 && each_closed_once(r); }));
    CHECK(ts.server.context().total(&EdgeCounters::ws_open) == 0);
}

TEST_CASE("WsConnection: a CloseConn effect sends the queued frames, then a close frame",
          "[signaling][net]") {
    TestServer ts;
    WsClient c;
    REQUIRE(c.connect(ts.http()));
    CHECK(c.read() == "welcome");
    REQUIRE(c.write("close"));
    CHECK(c.read() == "bye");
    CHECK_FALSE(c.read());
    CHECK(c.last_error == websocket::error::closed);
    CHECK(c.ws.reason().code == websocket::close_code::normal);
    CHECK(ts.wait_for([](FakeRecord& r) { return total_closes(r) == 1; }));
}

TEST_CASE("WsConnection: a frame over 64 KiB closes the socket, 64 KiB passes",
          "[signaling][net]") {
    TestServer ts;
    WsClient c;
    REQUIRE(c.connect(ts.http()));
    CHECK(c.read() == "welcome");
    const std::string exact(64 * 1024, 'a');
    REQUIRE(c.write(exact));
    CHECK(c.read() == exact);
    c.write(std::string(64 * 1024 + 1, 'b'));
    CHECK_FALSE(c.read());
    CHECK(c.ws.reason().code == websocket::close_code::too_big);
    CHECK(ts.wait_for([](FakeRecord& r) { return total_closes(r) == 1; }));
}

TEST_CASE("WsConnection: a client that never reads is a slow consumer: counted and closed",
          "[signaling][net]") {
    SignalingConfig cfg = test_config();
    cfg.send_queue_bytes = 512 * 1024;
    TestServer ts(cfg);
    WsClient c;
    REQUIRE(c.connect(ts.http()));
    for (int i = 0; i < 200 && ts.server.context().total(&EdgeCounters::slow_consumers) == 0; ++i) {
        if (!c.write("flood 4")) {
            break;
        }
        std::this_thread::sleep_for(2ms);
    }
    CHECK(ts.server.context().total(&EdgeCounters::slow_consumers) == 1);
    CHECK(ts.wait_for([](FakeRecord& r) { return total_closes(r) == 1; }));
}

TEST_CASE("WsConnection: pings carry the Unix time in ns; pongs keep the connection",
          "[signaling][net]") {
    ServerOptions o = test_options();
    o.ws.ping_interval = 100ms;
    o.ws.read_timeout = 400ms;
    TestServer ts(test_config(), o);
    WsClient c;
    REQUIRE(c.connect(ts.http()));
    std::string ping_payload;
    c.ws.control_callback([&](websocket::frame_type kind, beast::string_view payload) {
        if (kind == websocket::frame_type::ping) {
            ping_payload = std::string(payload);
        }
    });
    // Reading answers pings with pongs, which keep the connection past the read deadline.
    CHECK(c.read() == "welcome");
    CHECK_FALSE(c.read(900ms));
    CHECK(ping_payload.size() >= 19);  // Unix time in ns, decimal
    CHECK(ts.record.with([](FakeRecord& r) { return total_closes(r); }) == 0);
}

TEST_CASE("WsConnection: a client silent past the read deadline (no pongs) is dropped",
          "[signaling][net]") {
    ServerOptions o = test_options();
    o.ws.ping_interval = 100ms;
    o.ws.read_timeout = 400ms;
    TestServer ts(test_config(), o);
    WsClient silent;
    REQUIRE(silent.connect(ts.http()));
    CHECK(ts.wait_for([](FakeRecord& r) { return total_closes(r) == 1; }, 3000ms));
    CHECK(ts.server.context().total(&EdgeCounters::ws_timeouts) == 1);
}

TEST_CASE("Server: two shards share the port; connections spread over both", "[signaling][net]") {
    TestServer ts(test_config(), test_options(2));
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < 20; ++i) {
        auto c = std::make_unique<WsClient>();
        REQUIRE(c->connect(ts.http()));
        CHECK(c->read() == "welcome");
        clients.push_back(std::move(c));
    }
    ts.record.with([](FakeRecord& r) {
        CHECK(r.opened_per_shard[0] + r.opened_per_shard[1] == 20);
        CHECK(r.opened_per_shard[0] > 0);
        CHECK(r.opened_per_shard[1] > 0);
        return 0;
    });
}

TEST_CASE("Server: stop closes WebSockets with service-restart (1012) and joins promptly",
          "[signaling][net]") {
    TestServer ts(test_config(), test_options(2));
    WsClient c;
    REQUIRE(c.connect(ts.http()));
    CHECK(c.read() == "welcome");
    std::thread reader([&] { c.read(3000ms); });
    const auto t0 = std::chrono::steady_clock::now();
    ts.server.stop();
    reader.join();
    CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);
    CHECK(c.ws.reason().code == websocket::close_code::service_restart);
    CHECK(ts.record.with([](FakeRecord& r) { return total_closes(r); }) == 1);
}
