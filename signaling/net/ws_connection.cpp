#include "signaling/net/ws_connection.hpp"

#include "common/write_queue.hpp"
#include "signaling/api/client_request_parser.hpp"
#include "signaling/net/shard.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>

namespace tern::sig::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using Clock = std::chrono::steady_clock;

std::string unix_now_ns() {
    return std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
}

template <class Stream>
class WsConnection final : public WsLink,
                           public std::enable_shared_from_this<WsConnection<Stream>> {
public:
    WsConnection(Shard& shard, Stream&& stream, std::shared_ptr<asio::ssl::context> tls)
        : shard_(shard), ctx_(shard.context()), timing_(ctx_.options.ws), tls_(std::move(tls)),
          ws_(std::move(stream)), watchdog_(ws_.get_executor()), ping_timer_(ws_.get_executor()),
          out_(ctx_.config.send_queue_bytes) {}

    void accept(HttpRequest&& req, ClientInfo&& who, ConnectionGate::Slot&& slot) {
        req_ = std::move(req);
        who_ = std::move(who);
        slot_ = std::move(slot);
        beast::get_lowest_layer(ws_).expires_never();  // the websocket's own timeouts take over
        ws_.read_message_max(api::kMaxClientFrame);
        ws_.auto_fragment(false);
        ws_.set_option(websocket::stream_base::timeout{timing_.handshake_timeout,
                                                       websocket::stream_base::none(), false});
        ws_.set_option(websocket::stream_base::decorator(
            [server = ctx_.server_header,
             features = ctx_.features_header](websocket::response_type& r) {
                r.set(http::field::server, server);
                r.set("X-Spreed-Signaling-Features", features);
            }));
        // Pongs (and pings) prove the peer alive as much as data frames do. The callback lives
        // in ws_, a member, so `this` outlives it.
        ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
            if (kind != websocket::frame_type::close) {
                read_deadline_ = Clock::now() + timing_.read_timeout;
            }
        });
        ws_.async_accept(
            req_, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
    }

    void send(std::string text) override {
        if (finished_ || closing_ || close_pending_ || hard_closed_) {
            EdgeCounters::add(shard_.counters().frames_dropped);
            return;
        }
        if (!out_.push(std::move(text))) {
            EdgeCounters::add(shard_.counters().slow_consumers);
            shard_.log().warn("slow consumer closed",
                              {{"conn", id_}, {"queued_bytes", out_.bytes()}});
            hard_close();
            return;
        }
        if (!writing_) {
            write_next();
        }
    }

    void close() override { request_close(websocket::close_code::normal); }
    // Server shutdown: 1012 (service restart), not 1001. Talk's web client reconnects after any
    // close but 1001 (which a browser itself sends when a page goes away), and resumes with its
    // resume id; a bye frame would make clients that honour it drop that id. What is queued
    // goes out before the close frame (maybe_start_close waits for it).
    void stop() override { request_close(websocket::close_code::service_restart); }

private:
    void on_accept(beast::error_code ec) {
        if (ec) {
            return;  // never opened: no on_open, so no on_close
        }
        opened_ = true;
        EdgeCounters::add(shard_.counters().ws_total);
        EdgeCounters::add(shard_.counters().ws_open);
        id_ = shard_.add_conn(this->weak_from_this());
        read_deadline_ = Clock::now() + timing_.read_timeout;
        arm_watchdog();
        schedule_ping();
        read();
        shard_.opened(id_, who_);
        if (shard_.stopping()) {
            stop();
        }
    }

    void read() {
        ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
            self->on_read(ec, n);
        });
    }

    void on_read(beast::error_code ec, std::size_t n) {
        if (ec) {
            if (ec == websocket::error::message_too_big) {
                shard_.log().info("frame over the limit, closed", {{"conn", id_}});
            }
            finish();
            return;
        }
        read_deadline_ = Clock::now() + timing_.read_timeout;
        EdgeCounters::add(shard_.counters().frames_in);
        EdgeCounters::add(shard_.counters().bytes_in, n);
        if (ws_.got_text()) {
            const auto data = in_.data();
            shard_.text(id_, std::string_view(static_cast<const char*>(data.data()), data.size()));
        } else {
            shard_.binary(id_);
        }
        in_.consume(in_.size());
        if (!finished_) {
            read();
        }
    }

    void write_next() {
        writing_ = true;
        op_started();
        ws_.text(true);
        ws_.async_write(asio::buffer(out_.front()),
                        [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->writing_ = false;
                            self->op_done();
                            if (ec) {
                                self->out_.clear();
                                self->hard_close();
                                return;
                            }
                            EdgeCounters::add(self->shard_.counters().frames_out);
                            EdgeCounters::add(self->shard_.counters().bytes_out, n);
                            self->out_.pop();
                            if (self->finished_) {
                                self->out_.clear();
                            } else if (!self->out_.empty()) {
                                self->write_next();
                            } else {
                                self->maybe_start_close();
                            }
                        });
    }

    void schedule_ping() {
        ping_timer_.expires_after(timing_.ping_interval);
        ping_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
            if (ec || self->finished_) {
                return;
            }
            self->ping();
            self->schedule_ping();
        });
    }

    void ping() {
        if (ping_in_flight_ || closing_ || close_pending_) {
            return;
        }
        ping_in_flight_ = true;
        op_started();
        const std::string now = unix_now_ns();
        websocket::ping_data payload;
        payload.assign(now.data(), now.size());
        ws_.async_ping(payload, [self = this->shared_from_this()](beast::error_code ec) {
            self->ping_in_flight_ = false;
            self->op_done();
            if (ec) {
                self->hard_close();
                return;
            }
            self->maybe_start_close();
        });
    }

    void request_close(websocket::close_code code) {
        if (!opened_ || finished_ || closing_ || close_pending_) {
            return;
        }
        close_pending_ = true;
        close_code_ = code;
        maybe_start_close();
    }

    /// Beast allows one write and one control frame at a time: the close frame waits for both.
    void maybe_start_close() {
        if (!close_pending_ || closing_ || writing_ || ping_in_flight_ || finished_) {
            return;
        }
        closing_ = true;
        op_started();
        // The peer has the write deadline to answer the close frame, then the socket goes.
        read_deadline_ = std::min(read_deadline_, Clock::now() + timing_.write_timeout);
        ws_.async_close(close_code_, [self = this->shared_from_this()](beast::error_code ec) {
            self->op_done();
            if (ec) {
                self->hard_close();
            }
        });
    }

    // Write deadline: pending_ops_ counts the write, ping and close frames in flight; each one's
    // completion is progress, so the deadline restarts; with none pending there is none.
    void op_started() {
        if (pending_ops_++ == 0) {
            write_deadline_ = Clock::now() + timing_.write_timeout;
            arm_watchdog();
        }
    }
    void op_done() {
        --pending_ops_;
        write_deadline_ =
            pending_ops_ == 0 ? Clock::time_point::max() : Clock::now() + timing_.write_timeout;
    }

    void arm_watchdog() {
        if (finished_) {
            return;
        }
        const Clock::time_point due = std::min(read_deadline_, write_deadline_);
        if (watch_armed_ && watch_due_ <= due) {
            return;  // an earlier wake-up re-arms for the later deadline
        }
        watch_armed_ = true;
        watch_due_ = due;
        watchdog_.expires_at(due);
        watchdog_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
            if (ec == asio::error::operation_aborted) {
                return;
            }
            self->watch_armed_ = false;
            self->on_watchdog();
        });
    }

    void on_watchdog() {
        if (finished_) {
            return;
        }
        const Clock::time_point now = Clock::now();
        if (now >= read_deadline_ || now >= write_deadline_) {
            EdgeCounters::add(shard_.counters().ws_timeouts);
            hard_close();
            return;
        }
        arm_watchdog();
    }

    /// Ends the TCP connection now: pending operations fail, and the read's failure finishes.
    void hard_close() {
        if (!hard_closed_) {
            hard_closed_ = true;
            beast::get_lowest_layer(ws_).close();
        }
    }

    void finish() {
        if (finished_) {
            return;
        }
        finished_ = true;
        slot_ = {};  // the address may connect again at once
        watchdog_.cancel();
        ping_timer_.cancel();
        if (!writing_) {
            out_.clear();
        }
        hard_close();
        if (opened_) {
            EdgeCounters::sub(shard_.counters().ws_open);
            shard_.closed(id_);
        }
    }

    Shard& shard_;  // borrowed, outlives every connection
    EdgeContext& ctx_;
    const WsTimings& timing_;
    std::shared_ptr<asio::ssl::context> tls_;  // null over TCP
    websocket::stream<Stream> ws_;
    asio::steady_timer watchdog_;
    asio::steady_timer ping_timer_;
    HttpRequest req_;
    ClientInfo who_;
    ConnectionGate::Slot slot_;  // this connection's place in its address's count
    beast::flat_buffer in_;
    WriteQueue out_;
    ConnId id_ = 0;
    Clock::time_point read_deadline_ = Clock::time_point::max();
    Clock::time_point write_deadline_ = Clock::time_point::max();
    Clock::time_point watch_due_{};
    websocket::close_code close_code_ = websocket::close_code::normal;
    int pending_ops_ = 0;
    bool watch_armed_ = false;
    bool opened_ = false;
    bool writing_ = false;
    bool ping_in_flight_ = false;
    bool close_pending_ = false;
    bool closing_ = false;
    bool hard_closed_ = false;
    bool finished_ = false;
};

}  // namespace

void accept_websocket(Shard& shard, beast::tcp_stream&& stream, HttpRequest&& req, ClientInfo who,
                      ConnectionGate::Slot slot) {
    auto c = std::make_shared<WsConnection<beast::tcp_stream>>(shard, std::move(stream), nullptr);
    c->accept(std::move(req), std::move(who), std::move(slot));
}

void accept_websocket(Shard& shard, beast::ssl_stream<beast::tcp_stream>&& stream,
                      HttpRequest&& req, ClientInfo who, ConnectionGate::Slot slot,
                      std::shared_ptr<asio::ssl::context> tls) {
    auto c = std::make_shared<WsConnection<beast::ssl_stream<beast::tcp_stream>>>(
        shard, std::move(stream), std::move(tls));
    c->accept(std::move(req), std::move(who), std::move(slot));
}

}  // namespace tern::sig::net
