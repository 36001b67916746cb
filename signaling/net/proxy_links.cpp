#include "signaling/net/proxy_links.hpp"

#include "signaling/net/http_url.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <chrono>
#include <deque>
#include <optional>
#include <utility>

namespace tern::sig::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

/// ws:// and wss:// URLs taken apart as their http:// and https:// twins are.
std::optional<HttpUrl> parse_ws_url(std::string_view url) {
    if (url.starts_with("ws://")) {
        return parse_http_url("http://" + std::string(url.substr(5)));
    }
    if (url.starts_with("wss://")) {
        return parse_http_url("https://" + std::string(url.substr(6)));
    }
    return std::nullopt;
}

bool is_ip_literal(const std::string& host) {
    beast::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

}  // namespace

class ProxyLinks::Link : public std::enable_shared_from_this<Link> {
public:
    Link(ProxyLinks& owner, std::size_t proxy, HttpUrl url)
        : owner_(&owner), proxy_(proxy), url_(std::move(url)), resolver_(owner.io_) {
        if (url_.tls) {
            tls_ws_ = std::make_unique<TlsWs>(owner.io_, owner.tls_);
        } else {
            ws_ = std::make_unique<PlainWs>(owner.io_);
        }
    }

    void start() {
        with_ws([&](auto& ws) {
            beast::get_lowest_layer(ws).expires_after(
                std::chrono::milliseconds(owner_->options_.connect_timeout_ms));
        });
        resolver_.async_resolve(
            url_.host, std::to_string(url_.port),
            [self = shared_from_this()](beast::error_code ec,
                                        const tcp::resolver::results_type& found) {
                if (ec || self->done_) {
                    self->fail();
                    return;
                }
                self->with_ws([&](auto& ws) {
                    beast::get_lowest_layer(ws).async_connect(
                        found, [self](beast::error_code e, const tcp::endpoint&) {
                            if (e || self->done_) {
                                self->fail();
                            } else if (self->tls_ws_) {
                                self->tls_handshake();
                            } else {
                                self->ws_handshake();
                            }
                        });
                });
            });
    }

    void send(std::string text) {
        queued_ += text.size();
        out_.push_back(std::move(text));
        if (queued_ > owner_->options_.max_queued_bytes) {
            fail();  // the proxy stopped reading: McuClient reconnects and resumes
            return;
        }
        write_next();
    }

    /// Closes after the queued frames, reporting nothing.
    void close() {
        silent_ = true;
        closing_ = true;
        if (!writing_) {
            finish_close();
        }
    }

    /// The owner is going away: no callback may reach it any more.
    void abandon() {
        owner_ = nullptr;
        silent_ = true;
        shut();
    }

    [[nodiscard]] bool is_open() const noexcept { return open_ && !done_; }

private:
    using PlainWs = websocket::stream<beast::tcp_stream>;
    using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

    template <class Fn>
    void with_ws(Fn&& fn) {
        if (tls_ws_) {
            fn(*tls_ws_);
        } else {
            fn(*ws_);
        }
    }

    void tls_handshake() {
        SSL* ssl = tls_ws_->next_layer().native_handle();
        const bool ip = is_ip_literal(url_.host);
        if (!ip) {
            // SSL_set_tlsext_host_name() is a macro with a C cast; OpenSSL copies the name.
            std::string name = url_.host;
            SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, name.data());
        }
        if (owner_->options_.verify_tls) {
            if (ip) {
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str());
            } else {
                SSL_set1_host(ssl, url_.host.c_str());
            }
        }
        tls_ws_->next_layer().async_handshake(asio::ssl::stream_base::client,
                                              [self = shared_from_this()](beast::error_code ec) {
                                                  if (ec || self->done_) {
                                                      self->fail();
                                                  } else {
                                                      self->ws_handshake();
                                                  }
                                              });
    }

    void ws_handshake() {
        with_ws([&](auto& ws) {
            ws.read_message_max(owner_->options_.max_frame);
            ws.async_handshake(url_.host_header(), url_.target,
                               [self = shared_from_this()](beast::error_code ec) {
                                   if (ec || self->done_) {
                                       self->fail();
                                       return;
                                   }
                                   self->opened();
                               });
        });
    }

    void opened() {
        with_ws([&](auto& ws) {
            beast::get_lowest_layer(ws).expires_never();
            // Pings when idle, a dead peer noticed within the suggested client timeouts.
            ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
            ws.text(true);
        });
        open_ = true;
        if (!silent_ && owner_ != nullptr) {
            owner_->events_.opened(proxy_);
        }
        if (done_) {
            return;
        }
        read();
        write_next();
    }

    void read() {
        with_ws([&](auto& ws) {
            ws.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec || self->done_) {
                    self->fail();
                    return;
                }
                const auto data = self->in_.cdata();
                const std::string frame(static_cast<const char*>(data.data()), data.size());
                self->in_.consume(self->in_.size());
                if (!self->silent_ && self->owner_ != nullptr) {
                    self->owner_->events_.frame(self->proxy_, frame);
                }
                if (!self->done_ && !self->closing_) {
                    self->read();
                }
            });
        });
    }

    void write_next() {
        if (!open_ || writing_ || done_ || out_.empty()) {
            return;
        }
        writing_ = true;
        with_ws([&](auto& ws) {
            ws.async_write(asio::buffer(out_.front()),
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               self->writing_ = false;
                               if (ec || self->done_) {
                                   self->fail();
                                   return;
                               }
                               self->queued_ -= self->out_.front().size();
                               self->out_.pop_front();
                               if (self->closing_ && self->out_.empty()) {
                                   self->finish_close();
                               } else {
                                   self->write_next();
                               }
                           });
        });
    }

    void finish_close() {
        if (done_) {
            return;
        }
        if (!open_) {
            shut();
            return;
        }
        if (!out_.empty()) {
            write_next();  // finish_close again once they are out
            return;
        }
        done_ = true;
        with_ws([&](auto& ws) {
            ws.async_close(websocket::close_code::normal,
                           [self = shared_from_this()](beast::error_code) { self->shut(); });
        });
    }

    /// The connection failed or dropped: reported once, after this handler returns.
    void fail() {
        if (done_) {
            shut();
            return;
        }
        done_ = true;
        open_ = false;
        shut();
        if (silent_ || owner_ == nullptr) {
            return;
        }
        asio::post(owner_->io_, [self = shared_from_this()] {
            ProxyLinks* owner = self->owner_;
            if (owner == nullptr || self->silent_) {
                return;
            }
            auto it = owner->links_.find(self->proxy_);
            if (it == owner->links_.end() || it->second != self) {
                return;  // replaced by a newer link meanwhile
            }
            owner->links_.erase(it);
            owner->events_.closed(self->proxy_);
        });
    }

    void shut() {
        done_ = true;
        open_ = false;
        resolver_.cancel();
        with_ws([](auto& ws) {
            beast::error_code ignored;
            beast::get_lowest_layer(ws).socket().close(ignored);
        });
    }

    ProxyLinks* owner_;  // null once abandoned
    std::size_t proxy_;
    HttpUrl url_;
    tcp::resolver resolver_;
    std::unique_ptr<PlainWs> ws_;
    std::unique_ptr<TlsWs> tls_ws_;
    beast::flat_buffer in_;
    std::deque<std::string> out_;
    std::size_t queued_ = 0;
    bool open_ = false;
    bool writing_ = false;
    bool closing_ = false;
    bool silent_ = false;  // closed or replaced on request: no events
    bool done_ = false;
};

ProxyLinks::ProxyLinks(asio::io_context& io, ProxyLinkOptions options, ProxyLinkEvents events)
    : io_(io), options_(options), events_(std::move(events)), tls_(asio::ssl::context::tls_client) {
    tls_.set_default_verify_paths();
    tls_.set_verify_mode(options_.verify_tls ? asio::ssl::verify_peer : asio::ssl::verify_none);
}

ProxyLinks::~ProxyLinks() {
    for (auto& [proxy, link] : links_) {
        link->abandon();
    }
}

void ProxyLinks::open(std::size_t proxy, const std::string& url) {
    urls_[proxy] = url;
    if (auto it = links_.find(proxy); it != links_.end()) {
        it->second->abandon();
        links_.erase(it);
    }
    auto parsed = parse_ws_url(url);
    if (!parsed) {
        asio::post(io_, [this, proxy] { events_.closed(proxy); });
        return;
    }
    auto link = std::make_shared<Link>(*this, proxy, std::move(*parsed));
    links_.emplace(proxy, link);
    link->start();
}

void ProxyLinks::send(std::size_t proxy, std::string text) {
    auto it = links_.find(proxy);
    if (it == links_.end() || !it->second->is_open()) {
        ++dropped_;
        return;
    }
    it->second->send(std::move(text));
}

void ProxyLinks::close(std::size_t proxy) {
    auto it = links_.find(proxy);
    if (it == links_.end()) {
        return;
    }
    it->second->close();
    links_.erase(it);
}

void ProxyLinks::close_all() {
    for (auto& [proxy, link] : links_) {
        link->close();
    }
    links_.clear();
}

bool ProxyLinks::is_open(std::size_t proxy) const {
    auto it = links_.find(proxy);
    return it != links_.end() && it->second->is_open();
}

std::string ProxyLinks::url(std::size_t proxy) const {
    auto it = urls_.find(proxy);
    return it == urls_.end() ? std::string() : it->second;
}

}  // namespace tern::sig::net
