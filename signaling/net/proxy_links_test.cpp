// ProxyLinks against a real WebSocket peer on loopback (a Beast server on its own thread standing
// in for a proxy): open, frames both ways, the peer dropping, close on request, refused and
// malformed URLs.
#include "signaling/net/proxy_links.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace tern::sig::net;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

/// What the links reported, in order.
struct Events {
    std::vector<std::string> log;  // "open 0", "frame 0 pong", "closed 0"
    ProxyLinkEvents callbacks() {
        return {
            .opened = [this](std::size_t p) { log.push_back("open " + std::to_string(p)); },
            .frame =
                [this](std::size_t p, std::string_view f) {
                    log.push_back("frame " + std::to_string(p) + " " + std::string(f));
                },
            .closed = [this](std::size_t p) { log.push_back("closed " + std::to_string(p)); },
        };
    }
    [[nodiscard]] bool has(const std::string& e) const {
        return std::find(log.begin(), log.end(), e) != log.end();
    }
};

/// Runs `io` until `done()` or 5 s; false on timeout.
bool run_until(asio::io_context& io, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        io.restart();
        io.run_for(10ms);
    }
    return true;
}

/// One WebSocket peer: accepts one connection, records the target and each text frame, answers
/// "ping" with "pong", and closes the connection on "bye".
class Peer {
public:
    Peer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~Peer() {
        beast::error_code ignored;
        acceptor_.close(ignored);
        thread_.join();
    }
    [[nodiscard]] uint16_t port() const { return port_; }
    template <class F>
    auto with(F&& f) {
        std::lock_guard lock(mu_);
        return f(*this);
    }

    std::string target;
    std::vector<std::string> frames;
    bool peer_saw_close = false;

private:
    void serve() {
        try {
            tcp::socket s = acceptor_.accept();
            beast::flat_buffer head;
            http::request<http::string_body> req;
            http::read(s, head, req);
            with([&](Peer& p) { p.target = std::string(req.target()); });
            websocket::stream<tcp::socket> ws(std::move(s));
            ws.accept(req);
            for (;;) {
                beast::flat_buffer b;
                beast::error_code ec;
                ws.read(b, ec);
                if (ec) {
                    with([&](Peer& p) { p.peer_saw_close = ec == websocket::error::closed; });
                    return;
                }
                const std::string text = beast::buffers_to_string(b.data());
                with([&](Peer& p) { p.frames.push_back(text); });
                if (text == "ping") {
                    ws.text(true);
                    ws.write(asio::buffer(std::string("pong")));
                } else if (text == "bye") {
                    ws.close(websocket::close_code::going_away);
                    return;
                }
            }
        } catch (const std::exception&) {
            // the acceptor closed before a connection came
        }
    }

    asio::io_context io_;
    tcp::acceptor acceptor_;
    uint16_t port_ = 0;
    std::mutex mu_;
    std::thread thread_;
};

std::string url(uint16_t port) {
    return "ws://127.0.0.1:" + std::to_string(port) + "/proxy";
}

}  // namespace

TEST_CASE("ProxyLinks: open, frames both ways, the peer's close reported once",
          "[signaling][net][mcu]") {
    Peer peer;
    asio::io_context io;
    Events ev;
    ProxyLinks links(io, ProxyLinkOptions{}, ev.callbacks());
    links.send(0, "too early");
    CHECK(links.frames_dropped() == 1);
    links.open(0, url(peer.port()));
    REQUIRE(run_until(io, [&] { return ev.has("open 0"); }));
    CHECK(links.is_open(0));
    links.send(0, "ping");
    REQUIRE(run_until(io, [&] { return ev.has("frame 0 pong"); }));
    links.send(0, "bye");
    REQUIRE(run_until(io, [&] { return ev.has("closed 0"); }));
    CHECK(ev.log == std::vector<std::string>{"open 0", "frame 0 pong", "closed 0"});
    CHECK_FALSE(links.is_open(0));
    CHECK(peer.with([](Peer& p) { return p.frames; }) == std::vector<std::string>{"ping", "bye"});
    CHECK(peer.with([](Peer& p) { return p.target; }) == "/proxy");
    CHECK(links.url(0) == url(peer.port()));  // kept for the edge's logs after the drop
    CHECK(links.url(1).empty());
}

TEST_CASE("ProxyLinks: close() sends what was queued, then a close frame, and reports nothing",
          "[signaling][net][mcu]") {
    Peer peer;
    asio::io_context io;
    Events ev;
    ProxyLinks links(io, ProxyLinkOptions{}, ev.callbacks());
    links.open(3, url(peer.port()));
    REQUIRE(run_until(io, [&] { return ev.has("open 3"); }));
    links.send(3, "last words");
    links.close(3);
    REQUIRE(run_until(io, [&] { return peer.with([](Peer& p) { return p.peer_saw_close; }); }));
    io.restart();
    io.run_for(50ms);
    CHECK(ev.log == std::vector<std::string>{"open 3"});
    CHECK(peer.with([](Peer& p) { return p.frames; }) == std::vector<std::string>{"last words"});
}

TEST_CASE("ProxyLinks: a refused connection and a URL that is not ws(s) report closed",
          "[signaling][net][mcu]") {
    asio::io_context io;
    Events ev;
    ProxyLinks links(io, ProxyLinkOptions{}, ev.callbacks());
    uint16_t unused = 0;
    {
        tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        unused = a.local_endpoint().port();
    }  // closed: nothing listens there now
    links.open(1, url(unused));
    links.open(2, "http://127.0.0.1:1/proxy");
    REQUIRE(run_until(io, [&] { return ev.has("closed 1") && ev.has("closed 2"); }));
    CHECK_FALSE(ev.has("open 1"));
    CHECK_FALSE(links.is_open(1));
}
