// The connection template behind serve_plain() and serve_tls(): one per source file that
// instantiates it. Include only from those.
#pragma once

#include "common/write_queue.hpp"
#include "controlplane/proxy/proxy_connection.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <memory>
#include <type_traits>

namespace tern::cp::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;

inline constexpr std::size_t kMaxMessage = 1 << 20;  // SDPs are a few KiB
// Bytes waiting for one client before it counts as too slow and is closed (its session can
// resume): thousands of events and answers, far more than a signaling server that reads has.
inline constexpr std::size_t kMaxQueuedBytes = 8 << 20;

/// One HTTP request (`/welcome`) or WebSocket (`/proxy`) over `Stream`: beast::tcp_stream, or
/// beast::ssl_stream over it for wss://.
template <class Stream>
class StreamConnection final : public ProxyServer::Connection,
                               public std::enable_shared_from_this<StreamConnection<Stream>> {
public:
    static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

    template <class... Args>
    StreamConnection(ProxyServer& server, Args&&... args)
        : Connection(server), stream_(std::forward<Args>(args)...) {}

    void start() {
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
        if constexpr (kTls) {
            stream_.async_handshake(asio::ssl::stream_base::server,
                                    [self = this->shared_from_this()](beast::error_code ec) {
                                        if (!ec) {
                                            self->read_request();
                                        }
                                    });
        } else {
            read_request();
        }
    }

    void send(const json& msg) override {
        if (!ws_ || closed_) {
            return;
        }
        if (!out_.push(msg.dump())) {
            // Not reading: closed rather than queued without bound (the read fails, and the
            // server detaches its session as for any lost connection).
            closed_ = true;
            if (server_ != nullptr) {
                server_->on_slow_client(*this, out_.bytes());
            }
            beast::error_code ignored;
            beast::get_lowest_layer(*ws_).socket().close(ignored);
            return;
        }
        if (out_.size() == 1) {
            write_next();
        }
    }

    void close() override {
        if (ws_ && !closed_) {
            closed_ = true;
            ws_->async_close(websocket::close_code::normal,
                             [self = this->shared_from_this()](beast::error_code) {});
        }
    }

private:
    void read_request() {
        http::async_read(stream_, buffer_, request_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             self->on_request(ec);
                         });
    }

    void on_request(beast::error_code ec) {
        if (ec || server_ == nullptr) {
            return;
        }
        const std::string target(request_.target());
        if (websocket::is_upgrade(request_)) {
            if (target != "/proxy" && target.rfind("/proxy?", 0) != 0) {
                respond(http::status::not_found, "text/plain",
                        "no WebSocket here; the proxy protocol is on /proxy\n");
                return;
            }
            beast::get_lowest_layer(stream_).expires_never();
            ws_ = std::make_unique<websocket::stream<Stream>>(std::move(stream_));
            ws_->read_message_max(kMaxMessage);
            ws_->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
            ws_->set_option(websocket::stream_base::decorator(
                [](websocket::response_type& r) { r.set(http::field::server, kProxyVersion); }));
            ws_->async_accept(request_, [self = this->shared_from_this()](beast::error_code e) {
                if (!e) {
                    self->read();
                }
            });
            return;
        }
        if (request_.method() == http::verb::get && target == "/welcome") {
            respond(
                http::status::ok, "application/json",
                json{{"nextcloud-spreed-signaling-proxy", "Welcome"}, {"version", kProxyVersion}}
                        .dump() +
                    "\n");
            return;
        }
        // Liveness: the process answers. Readiness: a data plane attached, every worker
        // answering its pings (metrics/readiness.hpp). Neither says more than that, so any
        // peer may ask (a load balancer, an orchestrator).
        if (request_.method() == http::verb::get && target == "/healthz") {
            respond(http::status::ok, "text/plain", "ok\n");
            return;
        }
        if (request_.method() == http::verb::get && target == "/readyz") {
            const metrics::Readiness r = server_->readiness();
            respond(r.ready ? http::status::ok : http::status::service_unavailable,
                    "application/json", metrics::readiness_body(r));
            return;
        }
        if (request_.method() == http::verb::get && target == "/metrics") {
            beast::error_code ec_peer;
            const auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec_peer);
            auto text = ec_peer ? std::nullopt : server_->metrics_for(peer.address());
            if (!text) {
                respond(http::status::forbidden, "text/plain",
                        "metrics are for loopback peers only\n");
                return;
            }
            respond(http::status::ok, "text/plain; version=0.0.4; charset=utf-8", std::move(*text));
            return;
        }
        respond(http::status::not_found, "text/plain", "not found\n");
    }

    void respond(http::status status, const char* type, std::string body) {
        auto res = std::make_shared<http::response<http::string_body>>(status, request_.version());
        res->set(http::field::server, kProxyVersion);
        res->set(http::field::content_type, type);
        res->keep_alive(false);
        res->body() = std::move(body);
        res->prepare_payload();
        http::async_write(
            stream_, *res, [self = this->shared_from_this(), res](beast::error_code, std::size_t) {
                if constexpr (kTls) {
                    self->stream_.async_shutdown([self](beast::error_code) {});
                } else {
                    beast::error_code ignored;
                    self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                }
            });
    }

    void read() {
        ws_->async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                self->closed_ = true;
                if (self->server_ != nullptr) {
                    self->server_->on_closed(*self);
                }
                return;
            }
            std::string text = beast::buffers_to_string(self->in_.data());
            self->in_.consume(self->in_.size());
            if (self->server_ != nullptr) {
                self->server_->on_message(self, text);
            }
            if (!self->closed_) {
                self->read();
            }
        });
    }

    void write_next() {
        ws_->text(true);
        ws_->async_write(asio::buffer(out_.front()),
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) {
                                 self->out_.clear();
                                 return;
                             }
                             self->out_.pop();
                             if (!self->out_.empty()) {
                                 self->write_next();
                             }
                         });
    }

    Stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    std::unique_ptr<websocket::stream<Stream>> ws_;
    beast::flat_buffer in_;
    WriteQueue out_{kMaxQueuedBytes};
    bool closed_ = false;
};

}  // namespace tern::cp::detail
