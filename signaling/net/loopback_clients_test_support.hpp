// Test support: small Beast clients on loopback with bounded waits: a WebSocket client and a
// one-shot HTTP client, each optionally bound to a chosen local address (127.0.0.2 to come from
// an address that is not allowed). Every wait runs the client's own io_context for at most the
// given time, so a broken server fails a test instead of hanging it.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>

namespace tern::sig::net::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

/// Runs `io` until `done` or `limit`; true when done.
inline bool drive(asio::io_context& io, const bool& done, std::chrono::milliseconds limit = 5s) {
    io.restart();
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done && std::chrono::steady_clock::now() < end) {
        io.run_one_for(10ms);
        if (io.stopped()) {
            io.restart();
        }
    }
    return done;
}

inline tcp::socket connect_from(asio::io_context& io, const tcp::endpoint& to,
                                const char* from = "127.0.0.1") {
    tcp::socket s(io);
    s.open(tcp::v4());
    s.bind(tcp::endpoint(asio::ip::make_address(from), 0));
    s.connect(to);
    return s;
}

class WsClient {
public:
    /// Connects and upgrades on `target`; `upgrade` holds the server's 101 response.
    bool connect(const tcp::endpoint& to, const std::string& target = "/spreed",
                 const char* from = "127.0.0.1") {
        beast::get_lowest_layer(ws).socket() = connect_from(io, to, from);
        beast::error_code ec;
        ws.handshake(upgrade, "127.0.0.1", target, ec);
        return !ec;
    }

    /// The next message, or nullopt (closed, error, or nothing within `limit`: the read then
    /// stays pending and a later call waits on for it); `last_error` says which.
    std::optional<std::string> read(std::chrono::milliseconds limit = 5s) {
        if (!pending_) {
            pending_ = true;
            done_ = false;
            ws.async_read(buf_, [this](beast::error_code ec, std::size_t) {
                last_error = ec;
                done_ = true;
                pending_ = false;
            });
        }
        if (!drive(io, done_, limit) || last_error) {
            return std::nullopt;
        }
        std::string s = beast::buffers_to_string(buf_.data());
        buf_.consume(buf_.size());
        return s;
    }

    bool write(const std::string& text, bool binary = false) {
        ws.binary(binary);
        beast::error_code ec;
        ws.write(asio::buffer(text), ec);
        return !ec;
    }

    asio::io_context io;
    websocket::stream<beast::tcp_stream> ws{io};
    websocket::response_type upgrade;
    beast::error_code last_error;

private:
    beast::flat_buffer buf_;
    bool pending_ = false;
    bool done_ = false;
};

using Response = http::response<http::string_body>;

/// Sends `raw` bytes (a whole HTTP request) and reads one response.
inline std::optional<Response> http_raw(const tcp::endpoint& to, const std::string& raw,
                                        const char* from = "127.0.0.1",
                                        std::chrono::milliseconds limit = 5s) {
    asio::io_context io;
    beast::tcp_stream stream(connect_from(io, to, from));
    asio::write(stream.socket(), asio::buffer(raw));
    beast::flat_buffer buf;
    Response res;
    bool done = false;
    beast::error_code err;
    http::async_read(stream, buf, res, [&](beast::error_code ec, std::size_t) {
        err = ec;
        done = true;
    });
    if (!drive(io, done, limit) || err) {
        return std::nullopt;
    }
    return res;
}

inline std::optional<Response> http_request(const tcp::endpoint& to,
                                            http::request<http::string_body> req,
                                            const char* from = "127.0.0.1",
                                            std::chrono::milliseconds limit = 5s) {
    req.set(http::field::host, "127.0.0.1");
    if (req.method() == http::verb::post) {
        req.prepare_payload();
    }
    std::ostringstream os;
    os << req;
    return http_raw(to, os.str(), from, limit);
}

inline std::optional<Response> http_get(const tcp::endpoint& to, const std::string& target,
                                        const char* from = "127.0.0.1") {
    return http_request(to, http::request<http::string_body>{http::verb::get, target, 11}, from);
}

}  // namespace tern::sig::net::test
