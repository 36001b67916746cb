#include "signaling/backend_api/checksum.hpp"
#include "signaling/net/backend_client.hpp"
#include "signaling/net/loopback_clients_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <sys/socket.h>
#include <thread>
#include <vector>

using namespace tern::sig;
using namespace tern::sig::net;
using namespace tern::sig::net::test;

namespace {

constexpr const char* kSecret = "backend-secret";

/// A Nextcloud stand-in on its own threads: checks each request's signature and answers
/// {"checksum":"ok"|"bad"}; /slow is never answered; every request is kept for the test.
class FakeBackend {
public:
    FakeBackend() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        thread_ = std::thread([this] { accept_loop(); });
    }
    ~FakeBackend() {
        stop_ = true;
        beast::error_code ignored;
        tcp::socket poke(io_);
        poke.connect(acceptor_.local_endpoint(), ignored);
        thread_.join();
        {
            std::lock_guard lock(mu);
            for (int fd : fds_) {
                ::shutdown(fd, SHUT_RDWR);  // blocked reads end
            }
        }
        for (auto& t : conns_) {
            t.join();
        }
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
    }

    std::mutex mu;
    std::vector<http::request<http::string_body>> requests;
    std::atomic<int> accepted{0};

private:
    void accept_loop() {
        while (!stop_) {
            tcp::socket s(io_);
            beast::error_code ec;
            acceptor_.accept(s, ec);
            if (ec || stop_) {
                return;
            }
            ++accepted;
            {
                std::lock_guard lock(mu);
                fds_.push_back(s.native_handle());
            }
            conns_.emplace_back([this, sock = std::move(s)]() mutable { serve(std::move(sock)); });
        }
    }

    void serve(tcp::socket s) {
        beast::flat_buffer buf;
        while (!stop_) {
            http::request<http::string_body> req;
            beast::error_code ec;
            http::read(s, buf, req, ec);
            if (ec) {
                return;
            }
            {
                std::lock_guard lock(mu);
                requests.push_back(req);
            }
            if (req.target() == "/slow") {
                while (!stop_) {
                    std::this_thread::sleep_for(10ms);
                }
                return;
            }
            const std::string random(req["Spreed-Signaling-Random"]);
            const bool ok = verify_backend_checksum(kSecret, random, req.body(),
                                                    std::string(req["Spreed-Signaling-Checksum"]));
            http::response<http::string_body> res{http::status::ok, 11};
            res.set(http::field::content_type, "application/json");
            res.set(http::field::etag, "\"v1\"");
            res.set(http::field::cache_control, "public, max-age=300");
            res.body() = ok ? R"({"checksum":"ok"})" : R"({"checksum":"bad"})";
            if (req.target() == "/missing") {
                res.result(http::status::not_found);
            }
            res.keep_alive(true);
            res.prepare_payload();
            http::write(s, res, ec);
            if (ec) {
                return;
            }
        }
    }

    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::vector<std::thread> conns_;  // joined at the end; only the accept thread adds
    std::vector<int> fds_;            // guarded by mu
    std::atomic<bool> stop_{false};
};

struct Outcome {
    bool done = false;
    BackendReply reply;
    CallOutcome outcome = CallOutcome::TransportError;
};

BackendClient::Done record(Outcome& o) {
    return [&o](BackendReply r, CallOutcome c) {
        o.reply = std::move(r);
        o.outcome = c;
        o.done = true;
    };
}

BackendClientOptions options() {
    BackendClientOptions o;
    o.user_agent = "nextcloud-spreed-signaling/test";
    o.features = "hello-v2, switchto";
    o.timeout = 2000ms;
    return o;
}

}  // namespace

TEST_CASE("BackendClient: a signed POST, headers, reply, and a kept-alive connection",
          "[signaling][net]") {
    FakeBackend nc;
    asio::io_context io;
    BackendClient client(io, options());
    Outcome a;
    const std::string body =
        R"({"type":"auth","auth":{"version":"1.0","params":{"hello":"world"}}})";
    client.execute(tern::sig::HttpMethod::Post,
                   nc.url("/ocs/v2.php/apps/spreed/api/v3/signaling/backend"), body, kSecret,
                   record(a));
    CHECK_FALSE(a.done);  // never from inside execute()
    REQUIRE(drive(io, a.done));
    CHECK(a.outcome == CallOutcome::Ok);
    CHECK(a.reply.transport_ok);
    CHECK(a.reply.status == 200);
    CHECK(a.reply.body == R"({"checksum":"ok"})");
    CHECK(a.reply.content_type == "application/json");
    {
        std::lock_guard lock(nc.mu);
        REQUIRE(nc.requests.size() == 1);
        const auto& req = nc.requests[0];
        CHECK(req.method() == http::verb::post);
        CHECK(req["OCS-APIRequest"] == "true");
        CHECK(req[http::field::accept] == "application/json");
        CHECK(req[http::field::content_type] == "application/json");
        CHECK(req[http::field::user_agent] == "nextcloud-spreed-signaling/test");
        CHECK(req["X-Spreed-Signaling-Features"] == "hello-v2, switchto");
        CHECK(req["Spreed-Signaling-Random"].size() == kBackendRandomLen);
        CHECK(req.body() == body);
    }
    Outcome b;
    client.execute(tern::sig::HttpMethod::Post, nc.url("/again"), "{}", kSecret, record(b));
    REQUIRE(drive(io, b.done));
    CHECK(b.reply.body == R"({"checksum":"ok"})");
    CHECK(client.connections_opened() == 1);
    CHECK(nc.accepted == 1);
}

TEST_CASE("BackendClient: GET without a signature; ETag and max-age captured; 404 is an HTTP error",
          "[signaling][net]") {
    FakeBackend nc;
    asio::io_context io;
    BackendClient client(io, options());
    Outcome a;
    client.execute(tern::sig::HttpMethod::Get, nc.url("/ocs/v2.php/cloud/capabilities"), "",
                   kSecret, record(a));
    REQUIRE(drive(io, a.done));
    CHECK(a.outcome == CallOutcome::Ok);
    CHECK(a.reply.etag == "\"v1\"");
    CHECK(a.reply.max_age_s == 300);
    {
        std::lock_guard lock(nc.mu);
        REQUIRE(nc.requests.size() == 1);
        CHECK(nc.requests[0].method() == http::verb::get);
        CHECK(nc.requests[0].find("Spreed-Signaling-Checksum") == nc.requests[0].end());
        CHECK(nc.requests[0]["OCS-APIRequest"] == "true");
    }
    Outcome b;
    client.execute(tern::sig::HttpMethod::Get, nc.url("/missing"), "", kSecret, record(b));
    REQUIRE(drive(io, b.done));
    CHECK(b.outcome == CallOutcome::HttpError);
    CHECK(b.reply.transport_ok);
    CHECK(b.reply.status == 404);
}

TEST_CASE("BackendClient: a backend that does not answer times out", "[signaling][net]") {
    FakeBackend nc;
    asio::io_context io;
    BackendClientOptions o = options();
    o.timeout = 200ms;
    BackendClient client(io, o);
    Outcome a;
    const auto t0 = std::chrono::steady_clock::now();
    client.execute(tern::sig::HttpMethod::Post, nc.url("/slow"), "{}", kSecret, record(a));
    REQUIRE(drive(io, a.done, 3s));
    CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);
    CHECK(a.outcome == CallOutcome::Timeout);
    CHECK_FALSE(a.reply.transport_ok);
    CHECK(a.reply.status == 0);
}

TEST_CASE("BackendClient: refused connections and bad URLs are transport errors",
          "[signaling][net]") {
    asio::io_context io;
    BackendClient client(io, options());
    uint16_t closed_port = 0;
    {
        tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        closed_port = a.local_endpoint().port();
    }
    Outcome a;
    client.execute(tern::sig::HttpMethod::Post,
                   "http://127.0.0.1:" + std::to_string(closed_port) + "/", "{}", kSecret,
                   record(a));
    REQUIRE(drive(io, a.done));
    CHECK(a.outcome == CallOutcome::TransportError);
    Outcome b;
    client.execute(tern::sig::HttpMethod::Post, "ftp://nowhere/", "{}", kSecret, record(b));
    CHECK_FALSE(b.done);
    REQUIRE(drive(io, b.done));
    CHECK(b.outcome == CallOutcome::TransportError);
}

TEST_CASE("BackendClient: at most connections_per_host; the rest wait their turn",
          "[signaling][net]") {
    FakeBackend nc;
    asio::io_context io;
    BackendClientOptions o = options();
    o.connections_per_host = 1;
    BackendClient client(io, o);
    std::vector<Outcome> outs(5);
    for (auto& out : outs) {
        client.execute(tern::sig::HttpMethod::Post, nc.url("/x"), "{}", kSecret, record(out));
    }
    bool all = false;
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (!all && std::chrono::steady_clock::now() < end) {
        io.restart();
        io.run_for(10ms);
        all = std::all_of(outs.begin(), outs.end(), [](const Outcome& x) { return x.done; });
    }
    REQUIRE(all);
    for (auto& out : outs) {
        CHECK(out.outcome == CallOutcome::Ok);
    }
    CHECK(client.connections_opened() == 1);
    CHECK(nc.accepted == 1);
}
