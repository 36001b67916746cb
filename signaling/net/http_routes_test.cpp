#include "signaling/api/server_messages.hpp"
#include "signaling/backend_api/checksum.hpp"
#include "signaling/net/loopback_clients_test_support.hpp"
#include "signaling/net/server_test_support.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace tern::sig;
using namespace tern::sig::net;
using namespace tern::sig::net::test;

namespace {

constexpr const char* kSecret = "s3cret";

http::request<http::string_body> room_post(const std::string& body, const char* secret = kSecret,
                                           const char* backend = "https://nc.test/",
                                           const std::string& room = "r1") {
    http::request<http::string_body> req{http::verb::post, "/api/v1/room/" + room, 11};
    const std::string random = backend_random();
    req.set(http::field::content_type, "application/json");
    req.set("Spreed-Signaling-Random", random);
    req.set("Spreed-Signaling-Checksum", backend_checksum(secret, random, body));
    if (backend != nullptr) {
        req.set("Spreed-Signaling-Backend", backend);
    }
    req.body() = body;
    return req;
}

int status(const std::optional<Response>& r) {
    return r ? static_cast<int>(r->result_int()) : -1;
}

}  // namespace

TEST_CASE("HTTP: welcome with Server, features and Date headers; 404 elsewhere",
          "[signaling][net]") {
    TestServer ts;
    auto r = http_get(ts.http(), "/api/v1/welcome");
    REQUIRE(status(r) == 200);
    const auto body = nlohmann::json::parse(r->body());
    CHECK(body["nextcloud-spreed-signaling"] == "Welcome");
    CHECK(body["version"].is_string());
    CHECK(std::string((*r)[http::field::server]).starts_with("nextcloud-spreed-signaling/"));
    CHECK(std::string((*r)["X-Spreed-Signaling-Features"]) ==
          "audio-video-permissions, federation, hello-v2");
    CHECK(std::string((*r)[http::field::date]).ends_with(" GMT"));
    CHECK(status(http_get(ts.http(), "/nothing/here")) == 404);
    CHECK(status(http_get(ts.http(), "/spreed")) == 400);
}

TEST_CASE("HTTP: /healthz answers; /readyz waits for an SFU proxy when one is configured",
          "[signaling][net]") {
    {
        TestServer ts;
        auto h = http_get(ts.http(), "/healthz");
        REQUIRE(status(h) == 200);
        CHECK(h->body() == "ok\n");
        auto r = http_get(ts.http(), "/readyz");
        REQUIRE(status(r) == 200);
        CHECK(nlohmann::json::parse(r->body()) == nlohmann::json{{"ready", true}});
    }
    SignalingConfig cfg = test_config();
    cfg.mcu.type = McuType::Proxy;
    cfg.mcu.urls = {"ws://127.0.0.1:1/proxy"};  // the fake hub opens none: never connected
    TestServer ts(cfg);
    auto r = http_get(ts.http(), "/readyz");
    REQUIRE(status(r) == 503);
    CHECK(nlohmann::json::parse(r->body()) ==
          nlohmann::json{{"ready", false}, {"reason", "no SFU proxy connected"}});
    CHECK(status(http_get(ts.http(), "/healthz")) == 200);
}

TEST_CASE("HTTP: backend POST checks 411, 413, 400, 403", "[signaling][net]") {
    TestServer ts;
    CHECK(status(http_raw(ts.http(), "POST /api/v1/room/r1 HTTP/1.1\r\nHost: x\r\n\r\n")) == 411);
    CHECK(status(http_request(ts.http(), room_post(std::string(300 * 1024, ' ')))) == 413);
    CHECK(status(http_request(ts.http(), room_post("xyz"))) == 400);
    auto unsigned_post = room_post("{}");
    unsigned_post.erase("Spreed-Signaling-Checksum");
    CHECK(status(http_request(ts.http(), unsigned_post)) == 403);
    CHECK(status(http_request(ts.http(), room_post("{}", "wrong"))) == 403);
    CHECK(status(http_request(ts.http(), room_post("{}", kSecret, "https://other.test/"))) == 403);
    CHECK(ts.record.with([](FakeRecord& r) { return r.posts.size(); }) == 0);
}

TEST_CASE("HTTP: a signed backend POST reaches the handler; its answer comes back",
          "[signaling][net]") {
    TestServer ts;
    auto r = http_request(ts.http(), room_post(R"({"type":"update","update":{}})"));
    REQUIRE(status(r) == 200);
    CHECK(r->body() == R"({"room":"r1"})");
    CHECK(std::string((*r)["X-Spreed-Signaling-Features"]).find("hello-v2") != std::string::npos);
    ts.record.with([](FakeRecord& rec) {
        REQUIRE(rec.posts.size() == 1);
        CHECK(rec.posts[0].room_id == "r1");
        CHECK(rec.posts[0].backend == 0);
        CHECK(rec.posts[0].ip == "127.0.0.1");
        return 0;
    });
    // Without Spreed-Signaling-Backend the secret picks the backend.
    CHECK(status(http_request(ts.http(), room_post("{}", kSecret, nullptr))) == 200);
    // An answer given later (on a tick) still reaches the waiting request.
    auto later = http_request(ts.http(), room_post(R"({"later":1})"));
    REQUIRE(status(later) == 202);
    CHECK(later->body() == R"({"later":true})");
}

TEST_CASE("HTTP: an unanswered backend POST times out with 504", "[signaling][net]") {
    ServerOptions o = test_options();
    o.backend_post_timeout = 200ms;
    TestServer ts(test_config(), o);
    CHECK(status(http_request(ts.http(), room_post(R"({"never":1})"))) == 504);
    CHECK(ts.server.context().total(&EdgeCounters::backend_posts_timeout) == 1);
}

TEST_CASE("HTTP: the 11th bad checksum from one address is 429", "[signaling][net]") {
    TestServer ts;
    for (int i = 0; i < 10; ++i) {
        CHECK(status(http_request(ts.http(), room_post("{}", "wrong"))) == 403);
    }
    CHECK(status(http_request(ts.http(), room_post("{}", "wrong"))) == 429);
    // Blocked even with the right secret, from that address only.
    CHECK(status(http_request(ts.http(), room_post("{}"))) == 429);
    CHECK(status(http_request(ts.http(), room_post("{}"), "127.0.0.3")) == 200);
}

TEST_CASE("HTTP: stats and metrics only for allowed addresses", "[signaling][net]") {
    TestServer ts;
    WsClient c;
    REQUIRE(c.connect(ts.http()));
    CHECK(c.read() == "welcome");
    auto stats = http_get(ts.http(), "/api/v1/stats");
    REQUIRE(status(stats) == 200);
    const auto body = nlohmann::json::parse(stats->body());
    CHECK(body["sessions"] == 1);
    CHECK(body["rooms"] == 1);
    CHECK(status(http_get(ts.http(), "/api/v1/stats", "127.0.0.2")) == 403);
    CHECK(status(http_get(ts.http(), "/metrics", "127.0.0.2")) == 403);
    auto metrics = http_get(ts.http(), "/metrics");
    REQUIRE(status(metrics) == 200);
    CHECK(metrics->body().find("signaling_hub_sessions 1\n") != std::string::npos);
    CHECK(metrics->body().find("signaling_server_slow_consumers_total 0\n") != std::string::npos);
    CHECK(metrics->body().find("signaling_server_frames_out_total 1\n") != std::string::npos);
    auto info = http_get(ts.http(), "/api/v1/serverinfo");
    REQUIRE(status(info) == 200);
    const auto server = nlohmann::json::parse(info->body());
    CHECK(server["version"] == std::string(tern::sig::api::kServerVersion));
    CHECK(server["features"].is_array());
    CHECK(status(http_get(ts.http(), "/api/v1/serverinfo", "127.0.0.2")) == 403);
}

TEST_CASE("HTTP: X-Real-Ip counts only from a trusted proxy", "[signaling][net]") {
    SignalingConfig cfg = test_config();
    cfg.trusted_proxies = {"127.0.0.1"};
    TestServer ts(cfg);
    auto req = room_post("{}");
    req.set("X-Real-Ip", "203.0.113.7");
    CHECK(status(http_request(ts.http(), req)) == 200);
    CHECK(status(http_request(ts.http(), req, "127.0.0.2")) == 200);
    ts.record.with([](FakeRecord& r) {
        REQUIRE(r.posts.size() == 2);
        CHECK(r.posts[0].ip == "203.0.113.7");
        CHECK(r.posts[1].ip == "127.0.0.2");
        return 0;
    });
}

TEST_CASE("HTTP: Expect: 100-continue gets 100 before the body is sent", "[signaling][net]") {
    TestServer ts;
    const std::string body = R"({"type":"update","update":{}})";
    auto req = room_post(body);
    req.set(http::field::expect, "100-continue");
    req.prepare_payload();
    asio::io_context io;
    tcp::socket s = connect_from(io, ts.http());
    std::ostringstream head;
    head << req.base();
    asio::write(s, asio::buffer(head.str()));
    beast::flat_buffer buf;
    http::response_parser<http::empty_body> p;
    http::read_header(s, buf, p);
    CHECK(p.get().result() == http::status::continue_);
    asio::write(s, asio::buffer(body));
    Response res;
    http::read(s, buf, res);
    CHECK(res.result_int() == 200);
    CHECK(res.body() == R"({"room":"r1"})");
}

TEST_CASE("HTTP: the web client's files at / with their headers; 503 at / when they failed",
          "[signaling][net]") {
    {
        auto web = std::make_shared<StaticFiles>();
        web->add("/index.html", "<!doctype html><title>tern</title>");
        web->add("/assets/app-1a2b3c.js", "console.log(1)");
        web->add("/assets/app-1a2b3c.js.br", "BROTLI");
        ServerOptions o = test_options();
        o.web = web;
        TestServer ts(test_config(), o);
        auto root = http_get(ts.http(), "/");
        REQUIRE(status(root) == 200);
        CHECK(root->body() == "<!doctype html><title>tern</title>");
        CHECK(std::string((*root)[http::field::content_type]).starts_with("text/html"));
        CHECK(std::string((*root)["Content-Security-Policy"]) == kWebContentSecurityPolicy);
        CHECK(std::string((*root)[http::field::cache_control]) == kCacheRevalidate);
        CHECK(std::string((*root)[http::field::server]).starts_with("nextcloud-spreed-signaling/"));
        // A conversation link opens the client too.
        CHECK(status(http_get(ts.http(), "/call/abc123")) == 200);
        http::request<http::string_body> js{http::verb::get, "/assets/app-1a2b3c.js", 11};
        js.set(http::field::accept_encoding, "gzip, br");
        auto asset = http_request(ts.http(), js);
        REQUIRE(status(asset) == 200);
        CHECK(asset->body() == "BROTLI");
        CHECK(std::string((*asset)[http::field::content_encoding]) == "br");
        CHECK(std::string((*asset)[http::field::cache_control]) == kCacheImmutable);
        CHECK(std::string((*asset)[http::field::content_length]) == "6");
        // The API and the other routes keep theirs.
        CHECK(status(http_get(ts.http(), "/api/v1/welcome")) == 200);
        CHECK(status(http_get(ts.http(), "/assets/none.js")) == 404);
    }
    ServerOptions o = test_options();
    o.web_unavailable = "/nowhere/dist: no such directory";
    TestServer ts(test_config(), o);
    auto root = http_get(ts.http(), "/");
    REQUIRE(status(root) == 503);
    CHECK(root->body().find("/nowhere/dist: no such directory") != std::string::npos);
    CHECK(status(http_get(ts.http(), "/other")) == 404);
}
