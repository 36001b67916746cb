#include "signaling/net/backend_client.hpp"

#include "signaling/backend_api/checksum.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <charconv>
#include <optional>

namespace tern::sig::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct BackendClient::Conn {
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
    beast::flat_buffer buffer;

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

namespace {

uint64_t max_age_of(std::string_view cache_control) {
    const std::size_t at = cache_control.find("max-age=");
    if (at == std::string_view::npos) {
        return 0;
    }
    std::string_view digits = cache_control.substr(at + 8);
    uint64_t v = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), v);
    return v;
}

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

}  // namespace

class BackendClient::Exchange : public std::enable_shared_from_this<Exchange> {
public:
    Exchange(BackendClient& client, HttpUrl url, http::request<http::string_body> req, Done done)
        : client_(&client), alive_(client.alive_), url_(std::move(url)), req_(std::move(req)),
          done_(std::move(done)), timer_(client.io_), resolver_(client.io_) {}

    [[nodiscard]] const std::string& pool_key() const { return key_; }
    bool waiting = false;

    void start(std::chrono::milliseconds timeout) {
        key_ = url_.pool_key();
        timer_.expires_after(timeout);
        timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (!ec) {
                self->on_timeout();
            }
        });
    }

    [[nodiscard]] bool tls() const noexcept { return url_.tls; }

    /// Runs on `conn`: a kept-alive one (`reused`) or a fresh one still to be connected.
    void run_on(std::unique_ptr<Conn> conn, bool reused) {
        conn_ = std::move(conn);
        reused_ = reused;
        if (reused) {
            send();
        } else {
            connect();
        }
    }

private:
    void on_timeout() {
        if (finished_) {
            return;
        }
        timed_out_ = true;
        if (waiting) {
            if (*alive_) {
                client_->forget_waiting(shared_from_this());
            }
            finish(CallOutcome::Timeout, false, false);
            return;
        }
        resolver_.cancel();
        if (conn_) {
            conn_->lowest().close();  // the pending operation fails and ends the exchange
        }
    }

    void connect() {
        resolver_.async_resolve(
            url_.host, std::to_string(url_.port),
            [self = shared_from_this()](beast::error_code ec,
                                        const tcp::resolver::results_type& found) {
                if (ec) {
                    self->io_failed();
                    return;
                }
                self->conn_->lowest().async_connect(
                    found, [self](beast::error_code e, const tcp::endpoint&) {
                        if (e) {
                            self->io_failed();
                        } else if (self->conn_->tls) {
                            self->handshake();
                        } else {
                            self->send();
                        }
                    });
            });
    }

    void handshake() {
        SSL* ssl = conn_->tls->native_handle();
        const bool ip = is_ip_literal(url_.host);
        if (!ip) {
            // SSL_set_tlsext_host_name() is a macro with a C cast; OpenSSL copies the name.
            std::string name = url_.host;
            SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, name.data());
        }
        if (*alive_ && client_->options_.verify_tls) {
            if (ip) {
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str());
            } else {
                SSL_set1_host(ssl, url_.host.c_str());
            }
        }
        conn_->tls->async_handshake(asio::ssl::stream_base::client,
                                    [self = shared_from_this()](beast::error_code ec) {
                                        if (ec) {
                                            self->io_failed();
                                        } else {
                                            self->send();
                                        }
                                    });
    }

    void send() {
        if (conn_->tls) {
            write_read(*conn_->tls);
        } else {
            write_read(*conn_->plain);
        }
    }

    template <class Stream>
    void write_read(Stream& s) {
        http::async_write(
            s, req_, [self = shared_from_this(), &s](beast::error_code ec, std::size_t) {
                if (ec) {
                    self->io_failed();
                    return;
                }
                self->parser_.emplace();
                self->parser_->body_limit(*self->alive_ ? self->client_->options_.max_response : 0);
                http::async_read(s, self->conn_->buffer, *self->parser_,
                                 [self](beast::error_code e, std::size_t) {
                                     if (e) {
                                         self->io_failed();
                                     } else {
                                         self->complete();
                                     }
                                 });
            });
    }

    void io_failed() {
        if (finished_) {
            return;
        }
        if (timed_out_) {
            finish(CallOutcome::Timeout, false, false);
            return;
        }
        // A kept-alive connection the server has closed meanwhile: once more on a fresh one.
        if (reused_ && !retried_ && *alive_) {
            retried_ = true;
            reused_ = false;
            conn_ = client_->new_conn(url_.tls);
            connect();
            return;
        }
        finish(CallOutcome::TransportError, false, false);
    }

    void complete() {
        auto& res = parser_->get();
        reply_.transport_ok = true;
        reply_.status = static_cast<int>(res.result_int());
        reply_.content_type = std::string(res[http::field::content_type]);
        reply_.etag = std::string(res[http::field::etag]);
        const auto cache = res[http::field::cache_control];
        reply_.max_age_s = max_age_of(std::string_view(cache.data(), cache.size()));
        const bool keep = res.keep_alive();
        reply_.body = std::move(res.body());
        const bool ok = reply_.status >= 200 && reply_.status < 300;
        finish(ok ? CallOutcome::Ok : CallOutcome::HttpError, true, keep);
    }

    void finish(CallOutcome outcome, bool held_conn_ok, bool keep) {
        finished_ = true;
        timer_.cancel();
        if (!waiting && *alive_) {
            client_->release(key_, held_conn_ok && keep ? std::move(conn_) : nullptr);
        }
        conn_.reset();
        if (outcome != CallOutcome::Ok && outcome != CallOutcome::HttpError) {
            reply_ = BackendReply{};
        }
        Done done = std::move(done_);
        if (*alive_) {
            done(std::move(reply_), outcome);
        }
    }

    BackendClient* client_;  // valid while *alive_
    std::shared_ptr<bool> alive_;
    HttpUrl url_;
    std::string key_;
    http::request<http::string_body> req_;
    Done done_;
    asio::steady_timer timer_;
    tcp::resolver resolver_;
    std::unique_ptr<Conn> conn_;
    std::optional<http::response_parser<http::string_body>> parser_;
    BackendReply reply_;
    bool reused_ = false;
    bool retried_ = false;
    bool timed_out_ = false;
    bool finished_ = false;
};

BackendClient::BackendClient(asio::io_context& io, BackendClientOptions options)
    : io_(io), options_(std::move(options)), tls_(asio::ssl::context::tls_client) {
    tls_.set_default_verify_paths();
    tls_.set_verify_mode(options_.verify_tls ? asio::ssl::verify_peer : asio::ssl::verify_none);
    if (options_.connections_per_host == 0) {
        options_.connections_per_host = 1;
    }
}

BackendClient::~BackendClient() {
    *alive_ = false;
}

std::unique_ptr<BackendClient::Conn> BackendClient::new_conn(bool tls) {
    auto c = std::make_unique<Conn>();
    if (tls) {
        c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, tls_);
    } else {
        c->plain = std::make_unique<beast::tcp_stream>(io_);
    }
    ++opened_;
    return c;
}

void BackendClient::execute(HttpMethod method, std::string_view url, std::string body,
                            std::string_view secret, Done done, std::string_view if_none_match) {
    auto parsed = parse_http_url(url);
    if (!parsed) {
        asio::post(io_,
                   [done = std::move(done)] { done(BackendReply{}, CallOutcome::TransportError); });
        return;
    }
    http::request<http::string_body> req{
        method == HttpMethod::Post ? http::verb::post : http::verb::get, parsed->target, 11};
    req.set(http::field::host, parsed->host_header());
    req.set(http::field::accept, "application/json");
    req.set("OCS-APIRequest", "true");
    req.set(http::field::user_agent, options_.user_agent);
    req.set("X-Spreed-Signaling-Features", options_.features);
    req.keep_alive(true);
    if (method == HttpMethod::Get && !if_none_match.empty()) {
        req.set(http::field::if_none_match, std::string(if_none_match));
    }
    if (method == HttpMethod::Post) {
        const std::string random = backend_random();
        req.set(http::field::content_type, "application/json");
        req.set("Spreed-Signaling-Random", random);
        req.set("Spreed-Signaling-Checksum", backend_checksum(secret, random, body));
        req.body() = std::move(body);
        req.prepare_payload();
    }
    auto ex =
        std::make_shared<Exchange>(*this, std::move(*parsed), std::move(req), std::move(done));
    ex->start(options_.timeout);
    dispatch(ex);
}

void BackendClient::dispatch(const std::shared_ptr<Exchange>& ex) {
    Pool& pool = pools_[ex->pool_key()];
    if (!pool.idle.empty()) {
        std::unique_ptr<Conn> c = std::move(pool.idle.back());
        pool.idle.pop_back();
        ++pool.busy;
        ex->waiting = false;
        ex->run_on(std::move(c), true);
    } else if (pool.busy < options_.connections_per_host) {
        ++pool.busy;
        ex->waiting = false;
        ex->run_on(new_conn(ex->tls()), false);
    } else {
        ex->waiting = true;
        pool.waiting.push_back(ex);
    }
}

void BackendClient::release(const std::string& pool_key, std::unique_ptr<Conn> keep) {
    Pool& pool = pools_[pool_key];
    --pool.busy;
    if (keep) {
        pool.idle.push_back(std::move(keep));
    }
    if (!pool.waiting.empty()) {
        std::shared_ptr<Exchange> next = std::move(pool.waiting.front());
        pool.waiting.pop_front();
        dispatch(next);
    }
}

void BackendClient::forget_waiting(const std::shared_ptr<Exchange>& ex) {
    Pool& pool = pools_[ex->pool_key()];
    std::erase(pool.waiting, ex);
}

void BackendClient::close_idle() {
    for (auto& [key, pool] : pools_) {
        pool.idle.clear();
    }
}

}  // namespace tern::sig::net
