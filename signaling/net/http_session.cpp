#include "signaling/net/http_session.hpp"

#include "signaling/backend/rest/rest_router.hpp"
#include "signaling/backend_api/backend_post_check.hpp"
#include "signaling/net/http_routes.hpp"
#include "signaling/net/shard.hpp"
#include "signaling/net/ws_connection.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <array>
#include <optional>
#include <type_traits>

namespace tern::sig::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxHeader = 16 * 1024;
constexpr std::chrono::seconds kLinger{2};

template <class Stream>
class HttpSession final : public Stoppable,
                          public std::enable_shared_from_this<HttpSession<Stream>> {
public:
    static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

    HttpSession(Shard& shard, tcp::socket&& socket, std::shared_ptr<asio::ssl::context> tls,
                std::optional<ConnectionGate::Slot>&& gated)
        : shard_(shard), ctx_(shard.context()), tls_(std::move(tls)), peer_(peer_address(socket)),
          stream_(make_stream(std::move(socket))), delay_(shard.io()), gated_(std::move(gated)) {}

    void start() {
        token_ = shard_.track(this->weak_from_this());
        if constexpr (kTls) {
            beast::get_lowest_layer(stream_).expires_after(ctx_.options.ws.handshake_timeout);
            stream_.async_handshake(asio::ssl::stream_base::server,
                                    [self = this->shared_from_this()](beast::error_code ec) {
                                        if (ec) {
                                            self->done();
                                        } else {
                                            self->read();
                                        }
                                    });
        } else {
            read();
        }
    }

    void stop() override {
        stopped_ = true;
        delay_.cancel();
        if ((!busy_ || draining_) && !handed_over_) {
            beast::get_lowest_layer(stream_).close();
        }
    }

private:
    Stream make_stream(tcp::socket&& socket) {
        if constexpr (kTls) {
            return Stream(std::move(socket), *tls_);
        } else {
            return Stream(std::move(socket));
        }
    }

    void read() {
        if (stopped_) {
            close();
            return;
        }
        busy_ = false;
        parser_.emplace();
        parser_->header_limit(kMaxHeader);
        parser_->body_limit(kMaxBackendBody);
        beast::get_lowest_layer(stream_).expires_after(ctx_.options.http_idle_timeout);
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = this->shared_from_this()](
                                    beast::error_code ec, std::size_t) { self->on_header(ec); });
    }

    // curl (Nextcloud's HTTP client) may send "Expect: 100-continue" and hold a larger body back
    // until told to go on; a refusal decided on the header (413) goes out instead.
    void on_header(beast::error_code ec) {
        if (ec) {
            on_read(ec);
            return;
        }
        if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
            static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            asio::async_write(stream_, asio::buffer(kContinue),
                              [self = this->shared_from_this()](beast::error_code e, std::size_t) {
                                  if (e) {
                                      self->done();
                                  } else {
                                      self->read_body();
                                  }
                              });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             self->on_read(ec);
                         });
    }

    void on_read(beast::error_code ec) {
        busy_ = true;
        if (ec == http::error::body_limit) {
            HttpRequest& partial = parser_->get();
            partial.keep_alive(false);
            write(make_response(ctx_, 413, "text/plain", "request body larger than 256 KiB\n",
                                partial));
            return;
        }
        if (ec) {
            done();
            return;
        }
        req_ = parser_->release();
        const std::string ip =
            client_address(peer_, header_value(req_, "X-Real-Ip"),
                           header_value(req_, "X-Forwarded-For"), ctx_.trusted_proxies);
        if (beast::websocket::is_upgrade(req_)) {
            if (target_path(std::string_view(req_.target().data(), req_.target().size())) !=
                "/spreed") {
                req_.keep_alive(false);
                write(make_response(ctx_, 404, "text/plain", "not found\n", req_));
                return;
            }
            // [limits] connections_per_ip behind a trusted proxy: counted by the client address
            // its headers name, refused before the upgrade, so a refused client costs no
            // WebSocket and no hub connection. A direct peer was counted at accept.
            ConnectionGate::Slot slot;
            if (gated_) {
                slot = std::move(*gated_);
            } else {
                ConnectionGate::Admission admitted = ctx_.gate.admit(ip);
                if (admitted.outcome == ConnectionGate::Outcome::Refused) {
                    EdgeCounters::add(shard_.counters().connections_limited);
                    req_.keep_alive(false);
                    write(make_response(ctx_, 429, "text/plain",
                                        "too many connections from this address\n", req_));
                    return;
                }
                if (admitted.outcome == ConnectionGate::Outcome::Untracked &&
                    ctx_.config.limits.connections_per_ip != 0) {
                    EdgeCounters::add(shard_.counters().connections_untracked);
                }
                slot = std::move(admitted.slot);
            }
            ClientInfo who{ip, std::string(header_value(req_, "User-Agent")), "",
                           ctx_.gate.exempt(ip)};
            handed_over_ = true;
            done();
            if constexpr (kTls) {
                accept_websocket(shard_, std::move(stream_), std::move(req_), std::move(who),
                                 std::move(slot), tls_);
            } else {
                accept_websocket(shard_, std::move(stream_), std::move(req_), std::move(who),
                                 std::move(slot));
            }
            return;
        }
        if (shard_.rest() != nullptr && backend::rest::is_rest_path(target_path(std::string_view(
                                            req_.target().data(), req_.target().size())))) {
            serve_rest(ip);
            return;
        }
        RouteResult r = route_http(shard_, req_, ip);
        if (r.forward) {
            shard_.forward_backend_post(std::move(*r.forward),
                                        [self = this->shared_from_this()](const HttpAnswer& a) {
                                            self->write(answer_response(self->ctx_, a, self->req_));
                                        });
            return;
        }
        if (r.delay.count() > 0) {
            delayed_ = std::move(r.response);
            delay_.expires_after(r.delay);
            delay_.async_wait([self = this->shared_from_this()](beast::error_code) {
                self->write(std::move(self->delayed_));
            });
            return;
        }
        write(std::move(r.response));
    }

    // Talk's REST API (rest_edge.hpp): answered now, or parked as a long poll. While parked, a
    // plain TCP connection is read so that a client that goes away cancels its poll at once;
    // bytes a client pipelines meanwhile stay in the buffer for the next request. (Over TLS the
    // poll stays until its deadline: cancelling a TLS read could break the session.)
    void serve_rest(const std::string& ip) {
        auto self = this->shared_from_this();
        const uint64_t id = shard_.rest()->serve(
            rest_request_of(req_, ip, kTls),
            [self](const backend::rest::RestReply& reply) { self->rest_answered(reply); });
        if (id == 0 || rest_answered_) {
            return;
        }
        parked_ = id;
        if constexpr (kTls) {
            beast::get_lowest_layer(stream_).expires_never();
        } else {
            probing_ = true;
            stream_.expires_after(std::chrono::seconds(backend::long_poll_timeout_s(3600)) +
                                  ctx_.options.long_poll_slack);
            stream_.async_read_some(
                buffer_.prepare(4096),
                [self](beast::error_code ec, std::size_t n) { self->on_probe(ec, n); });
        }
    }

    void rest_answered(const backend::rest::RestReply& reply) {
        parked_ = 0;
        rest_answered_ = true;
        HttpResponse res = rest_response(ctx_, reply, req_);
        if (probing_) {
            pending_ = std::move(res);
            beast::error_code ignored;
            beast::get_lowest_layer(stream_).socket().cancel(ignored);
            return;
        }
        rest_answered_ = false;
        write(std::move(res));
    }

    void on_probe(beast::error_code ec, std::size_t n) {
        probing_ = false;
        if (!ec) {
            buffer_.commit(n);
        }
        if (pending_) {
            rest_answered_ = false;
            HttpResponse res = std::move(*pending_);
            pending_.reset();
            write(std::move(res));
            return;
        }
        if (ec && parked_ != 0) {
            // The client went away (or said nothing past the deadline): forget its poll.
            shard_.rest()->cancel(parked_);
            parked_ = 0;
            beast::get_lowest_layer(stream_).close();
            done();
        }
    }

    void write(HttpResponse res) {
        res_ = std::move(res);
        beast::get_lowest_layer(stream_).expires_after(ctx_.options.ws.write_timeout);
        http::async_write(stream_, res_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) {
                                  self->done();
                              } else if (!self->res_.keep_alive() || self->stopped_) {
                                  self->close();
                              } else {
                                  self->read();
                              }
                          });
    }

    void close() {
        if constexpr (kTls) {
            beast::get_lowest_layer(stream_).expires_after(ctx_.options.ws.write_timeout);
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
                beast::get_lowest_layer(self->stream_).close();
                self->done();
            });
        } else {
            // A lingering close: a client still sending a body we refused (413) must see the
            // response, not a reset, so what it sends is read and dropped for a moment first.
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            stream_.expires_after(kLinger);
            draining_ = true;
            drain();
        }
    }

    void drain() {
        stream_.async_read_some(asio::buffer(drain_), [self = this->shared_from_this()](
                                                          beast::error_code ec, std::size_t) {
            if (ec) {
                beast::get_lowest_layer(self->stream_).close();
                self->done();
            } else {
                self->drain();
            }
        });
    }

    void done() {
        if (token_ != 0) {
            shard_.untrack(token_);
            token_ = 0;
        }
    }

    Shard& shard_;  // borrowed, outlives this
    EdgeContext& ctx_;
    std::shared_ptr<asio::ssl::context> tls_;  // null over TCP
    std::string peer_;
    Stream stream_;
    asio::steady_timer delay_;
    // Counted at accept (a peer that is no trusted proxy): its slot, handed to the WebSocket.
    std::optional<ConnectionGate::Slot> gated_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    HttpRequest req_;
    HttpResponse res_;
    HttpResponse delayed_;
    std::optional<HttpResponse> pending_;  // a REST answer waiting for the probe to end
    uint64_t parked_ = 0;                  // the parked long poll (RestEdge), 0: none
    bool probing_ = false;                 // a read watches the parked poll's connection
    bool rest_answered_ = false;           // the REST answer came (maybe before serve returned)
    std::array<char, 4096> drain_{};
    uint64_t token_ = 0;
    bool busy_ = false;  // between a request and its response: stop() lets the answer out
    bool stopped_ = false;
    bool handed_over_ = false;
    bool draining_ = false;
};

}  // namespace

std::string peer_address(const tcp::socket& socket) {
    beast::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    if (ec) {
        return {};
    }
    const auto a = peer.address();
    return a.is_v6() && a.to_v6().is_v4_mapped()
               ? asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string()
               : a.to_string();
}

void serve_http(Shard& shard, tcp::socket socket, std::optional<ConnectionGate::Slot> gated) {
    std::make_shared<HttpSession<beast::tcp_stream>>(shard, std::move(socket), nullptr,
                                                     std::move(gated))
        ->start();
}

void serve_https(Shard& shard, tcp::socket socket, std::shared_ptr<asio::ssl::context> tls,
                 std::optional<ConnectionGate::Slot> gated) {
    std::make_shared<HttpSession<beast::ssl_stream<beast::tcp_stream>>>(
        shard, std::move(socket), std::move(tls), std::move(gated))
        ->start();
}

}  // namespace tern::sig::net
