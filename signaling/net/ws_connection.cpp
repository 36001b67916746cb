#include "signaling/net/ws_connection.hpp"

#include "signaling/api/client_request_parser.hpp"
#include "signaling/net/shard.hpp"
#include "signaling/net/ws_frame_reader.hpp"
#include "signaling/net/ws_handshake.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <vector>

namespace tern::sig::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;
using ws::Event;
using ws::Opcode;

/// A plain TCP client: the socket bound to its shard's io_context by type, so that no operation
/// goes through a type-erased executor.
using PlainSocket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

/// A connection's read buffer: what it starts with, and the most it grows to (a whole frame of
/// the largest message).
constexpr std::size_t kReadInitial = 1024;
constexpr std::size_t kReadChunk = api::kMaxClientFrame + ws::kMaxHeader;
/// Frames handed to one gather write at most (each a header and a payload buffer).
constexpr std::size_t kMaxGather = 64;

std::string unix_now_ns() {
    return std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
}

/// One frame waiting to be written: its header and its payload, its own or shared with the other
/// connections of a fan-out.
struct OutFrame {
    std::array<uint8_t, 10> head{};
    uint8_t head_len = 0;
    std::string own;
    std::shared_ptr<const std::string> shared;

    [[nodiscard]] std::string_view payload() const noexcept {
        return shared ? std::string_view(*shared) : std::string_view(own);
    }
};

template <class Stream>
class WsConnection final : public WsLink,
                           public std::enable_shared_from_this<WsConnection<Stream>> {
    static constexpr bool kPlain = std::is_same_v<Stream, PlainSocket>;

public:
    WsConnection(Shard& shard, Stream&& stream, std::shared_ptr<asio::ssl::context> tls)
        : shard_(shard), ctx_(shard.context()), timing_(ctx_.options.ws), tls_(std::move(tls)),
          stream_(std::move(stream)), watchdog_(shard.io()), ping_timer_(shard.io()),
          reader_(api::kMaxClientFrame), budget_(ctx_.config.send_queue_bytes) {}

    void accept(HttpRequest&& req, ClientInfo&& who, ConnectionGate::Slot&& slot) {
        who_ = std::move(who);
        slot_ = std::move(slot);
        if constexpr (!kPlain) {
            beast::get_lowest_layer(stream_).expires_never();  // our own deadlines below
        }
        ws::HandshakeAnswer answer =
            ws::answer_upgrade(req, ctx_.server_header, ctx_.features_header);
        handshake_ = std::move(answer.response);
        accepted_ = answer.accepted;
        write_deadline_ = Clock::now() + timing_.handshake_timeout;
        arm_watchdog();
        asio::async_write(stream_, asio::buffer(handshake_),
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_handshake(ec);
                          });
    }

    void send(std::string text) override {
        if (admit(text.size())) {
            OutFrame f;
            f.own = std::move(text);
            push(Opcode::Text, std::move(f));
        }
    }

    void send_shared(std::shared_ptr<const std::string> text) override {
        if (text && admit(text->size())) {
            OutFrame f;
            f.shared = std::move(text);
            push(Opcode::Text, std::move(f));
        }
    }

    void close() override { request_close(ws::kCloseNormal); }
    // Server shutdown: 1012 (service restart), not 1001. Talk's web client reconnects after any
    // close but 1001 (which a browser itself sends when a page goes away), and resumes with its
    // resume id; a bye frame would make clients that honour it drop that id. What is queued
    // goes out before the close frame.
    void stop() override { request_close(1012); }

private:
    /// Whether a frame of `size` bytes may be queued. Over the budget the client is a slow
    /// consumer: counted and closed. A first frame larger than the budget still goes (it is
    /// bounded by the protocol's limits, and a queue must hold one message).
    bool admit(std::size_t size) {
        if (finished_ || close_pending_ || hard_closed_) {
            EdgeCounters::add(shard_.counters().frames_dropped);
            return false;
        }
        if (!out_.empty() && out_bytes_ + size > budget_) {
            EdgeCounters::add(shard_.counters().slow_consumers);
            shard_.log().warn("slow consumer closed",
                              {{"conn", id_}, {"queued_bytes", out_bytes_}});
            hard_close();
            return false;
        }
        return true;
    }

    void on_handshake(beast::error_code ec) {
        handshake_ = {};
        write_deadline_ = Clock::time_point::max();
        if (ec || !accepted_) {
            finish();  // a refused upgrade: answered, then closed; never opened
            return;
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

    // ---- reading -------------------------------------------------------------------------

    /// One read into the connection's own buffer. The buffer starts small (a typical message
    /// fits), doubles while a frame does not fit, up to the largest frame, and shrinks back when a
    /// large frame has been used up.
    ///
    /// Over TCP a message costs one recv. (Asio's own async_read_some, in Boost 1.74, tries a
    /// read whenever one is started, so after every message it made a second recv that found
    /// nothing.) A read that did not fill the buffer left the socket empty, so the next one waits
    /// for readiness first, without a system call; otherwise it reads again after the handlers
    /// already queued. The read and the wait that follows it are one handler: epoll is edge
    /// triggered, and data that comes after the read is reported by the next epoll_wait of this
    /// thread, which comes after the wait is queued. (An asynchronous read's completion is
    /// queued behind that epoll_wait, which would take the readiness with nobody waiting.)
    void read() {
        if (finished_) {
            return;
        }
        if (in_len_ == in_.size()) {
            in_.resize(std::min(kReadChunk, std::max(kReadInitial, 2 * in_.size())));
        }
        read_pending_ = true;
        if constexpr (kPlain) {
            if (drained_) {
                stream_.async_wait(asio::socket_base::wait_read,
                                   [self = this->shared_from_this()](beast::error_code ec) {
                                       self->on_readable(ec);
                                   });
            } else {
                asio::post(shard_.io(),
                           [self = this->shared_from_this()] { self->on_readable({}); });
            }
        } else {
            read_space_ = in_.size() - in_len_;
            stream_.async_read_some(
                asio::buffer(in_.data() + in_len_, read_space_),
                [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                    self->on_read(ec, n);
                });
        }
    }

    /// TCP: one non-blocking read, when the socket is readable or may still hold data.
    void on_readable(beast::error_code ec) {
        if (ec || finished_ || hard_closed_) {
            read_pending_ = false;
            finish();
            return;
        }
        read_space_ = in_.size() - in_len_;
        const std::size_t n =
            stream_.read_some(asio::buffer(in_.data() + in_len_, read_space_), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            drained_ = true;
            read();
            return;
        }
        on_read(ec, n);
    }

    void on_read(beast::error_code ec, std::size_t n) {
        read_pending_ = false;
        if (ec || finished_ || hard_closed_) {
            finish();  // end of stream, reset, or closed here
            return;
        }
        drained_ = n < read_space_;
        in_len_ += n;
        const std::size_t used = handle_frames(std::span<uint8_t>(in_.data(), in_len_));
        if (finished_ || hard_closed_) {
            return;  // closing: finish() follows from hard_close()
        }
        std::memmove(in_.data(), in_.data() + used, in_len_ - used);
        in_len_ -= used;
        if (in_len_ == 0 && in_.size() > 4 * kReadInitial) {
            in_.resize(kReadInitial);
            in_.shrink_to_fit();
        }
        read();
    }

    /// Acts on every whole frame at the front of `in`; returns the bytes used up.
    std::size_t handle_frames(std::span<uint8_t> in) {
        if (failed_) {
            return in.size();  // after a protocol failure what comes is read and dropped
        }
        std::size_t used = 0;
        while (!finished_ && !hard_closed_ && !failed_) {
            const Event e = reader_.next(in.subspan(used));
            used += e.consumed;
            if (e.kind == Event::Kind::NeedMore) {
                break;
            }
            read_deadline_ = Clock::now() + timing_.read_timeout;  // any frame proves it alive
            switch (e.kind) {
            case Event::Kind::Text:
            case Event::Kind::Binary:
                if (close_received_ || close_sent_) {
                    break;  // a message after a close is not acted on (§5.5.1)
                }
                EdgeCounters::add(shard_.counters().frames_in);
                EdgeCounters::add(shard_.counters().bytes_in, e.payload.size());
                if (e.kind == Event::Kind::Text) {
                    shard_.text(id_, e.payload);
                } else {
                    shard_.binary(id_);
                }
                break;
            case Event::Kind::Ping:
                if (!close_sent_) {
                    push(Opcode::Pong, std::string(e.payload));
                }
                break;
            case Event::Kind::Pong: break;
            case Event::Kind::Close: on_peer_close(e.code); break;
            case Event::Kind::Fail:
                if (e.code == ws::kCloseTooBig) {
                    shard_.log().info("frame over the limit, closed", {{"conn", id_}});
                } else {
                    shard_.log().info("WebSocket protocol error, closed",
                                      {{"conn", id_}, {"why", std::string(e.payload)}});
                }
                fail_close(e.code);
                return in.size();
            case Event::Kind::NeedMore: break;
            }
        }
        return used;
    }

    // ---- writing -------------------------------------------------------------------------

    void push(Opcode op, std::string payload) {
        OutFrame f;
        f.own = std::move(payload);
        push(op, std::move(f));
    }

    void push(Opcode op, OutFrame&& f) {
        const std::size_t size = f.payload().size();
        f.head_len = static_cast<uint8_t>(ws::write_frame_header(f.head.data(), op, size));
        out_bytes_ += size;
        out_.push_back(std::move(f));
        if (!writing_) {
            write_next();
        }
    }

    /// Everything queued (up to kMaxGather frames) in one gather write: one system call for a
    /// burst of frames to this client.
    void write_next() {
        const std::size_t n = std::min(out_.size(), kMaxGather);
        gather_.clear();
        for (std::size_t i = 0; i < n; ++i) {
            const OutFrame& f = out_[i];
            gather_.emplace_back(f.head.data(), f.head_len);
            if (const std::string_view p = f.payload(); !p.empty()) {
                gather_.emplace_back(p.data(), p.size());
            }
        }
        writing_ = true;
        in_flight_ = n;
        write_started();
        asio::async_write(stream_, gather_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t b) {
                              self->on_written(ec, b);
                          });
    }

    void on_written(beast::error_code ec, std::size_t bytes) {
        writing_ = false;
        write_done();
        if (ec) {
            clear_out();
            hard_close();
            return;
        }
        EdgeCounters::add(shard_.counters().frames_out, in_flight_);
        EdgeCounters::add(shard_.counters().bytes_out, bytes);
        for (std::size_t i = 0; i < in_flight_; ++i) {
            out_bytes_ -= out_.front().payload().size();
            out_.pop_front();
        }
        in_flight_ = 0;
        if (finished_) {
            clear_out();
            return;
        }
        if (!out_.empty()) {
            write_next();
            return;
        }
        if (close_sent_ && close_received_) {
            end_after_close();
            return;
        }
        if (close_sent_ && failed_) {
            // After a protocol failure: FIN behind the close frame, and what the peer still
            // sends is read and dropped until it closes (or the read deadline passes). Closing
            // with unread bytes would reset the connection, and the peer could lose the frame.
            boost::system::error_code ignored;
            socket().shutdown(asio::socket_base::shutdown_send, ignored);
            return;
        }
        maybe_send_close();
    }

    void clear_out() {
        out_.clear();
        out_bytes_ = 0;
    }

    // ---- pings and closing -----------------------------------------------------------------

    void schedule_ping() {
        ping_timer_.expires_after(timing_.ping_interval);
        ping_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
            if (ec || self->finished_) {
                return;
            }
            if (!self->close_pending_ && !self->close_sent_) {
                self->push(Opcode::Ping, unix_now_ns());
            }
            self->schedule_ping();
        });
    }

    void request_close(uint16_t code) {
        if (!opened_ || finished_ || close_pending_ || close_sent_) {
            return;
        }
        close_pending_ = true;
        close_code_ = code;
        maybe_send_close();
    }

    /// The close frame goes once what is queued has been written.
    void maybe_send_close() {
        if (!close_pending_ || close_sent_ || writing_ || !out_.empty() || finished_) {
            return;
        }
        send_close(close_code_);
    }

    /// Queues the close frame; the peer has the write deadline to answer it, then the socket goes.
    void send_close(uint16_t code) {
        close_pending_ = true;
        close_sent_ = true;
        read_deadline_ = std::min(read_deadline_, Clock::now() + timing_.write_timeout);
        arm_watchdog();
        push(Opcode::Close, close_payload(code));
    }

    /// The peer closed: answered with its status (after what is queued), then TCP ends; or, if
    /// our close went first, this was the answer.
    void on_peer_close(uint16_t code) {
        close_received_ = true;
        if (close_sent_) {
            if (!writing_) {
                end_after_close();
            }
            return;
        }
        close_pending_ = true;
        close_code_ = code == ws::kCloseNoStatus ? ws::kCloseNormal : code;
        maybe_send_close();
    }

    /// Both close frames exchanged: the server ends the connection (§7.1.1), over TLS with its
    /// close_notify first (bounded by the write deadline).
    void end_after_close() {
        if constexpr (kPlain) {
            hard_close();
        } else {
            if (tls_shutdown_started_) {
                return;
            }
            tls_shutdown_started_ = true;
            write_started();
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
                self->write_done();
                self->hard_close();
            });
        }
    }

    /// A protocol failure: the close status goes out at once, nothing else is read.
    void fail_close(uint16_t code) {
        failed_ = true;
        if (close_sent_) {
            if (!writing_) {
                boost::system::error_code ignored;
                socket().shutdown(asio::socket_base::shutdown_send, ignored);
            }
            return;
        }
        send_close(code);
    }

    static std::string close_payload(uint16_t code) {
        return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    }

    // ---- deadlines -------------------------------------------------------------------------

    // Write deadline: one write at a time (a gather write, or TLS close_notify after it), each
    // with its own deadline; with none in flight there is none.
    void write_started() {
        write_deadline_ = Clock::now() + timing_.write_timeout;
        arm_watchdog();
    }
    void write_done() { write_deadline_ = Clock::time_point::max(); }

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
            if (opened_) {
                EdgeCounters::add(shard_.counters().ws_timeouts);
            }
            hard_close();
            return;
        }
        arm_watchdog();
    }

    auto& socket() noexcept {
        if constexpr (kPlain) {
            return stream_;
        } else {
            return beast::get_lowest_layer(stream_).socket();
        }
    }

    /// Ends the TCP connection now: pending operations fail. A pending read's failure finishes;
    /// with none pending (closing after a protocol failure, or called while frames are handled)
    /// finish() is posted, so on_close never runs from inside send() or a frame's handling.
    void hard_close() {
        if (hard_closed_) {
            return;
        }
        hard_closed_ = true;
        boost::system::error_code ec;
        socket().shutdown(asio::socket_base::shutdown_both, ec);
        socket().close(ec);
        if (!read_pending_) {
            asio::post(shard_.io(), [self = this->shared_from_this()] { self->finish(); });
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
            clear_out();
        }
        if (!hard_closed_) {
            hard_closed_ = true;
            boost::system::error_code ec;
            socket().close(ec);
        }
        if (opened_) {
            EdgeCounters::sub(shard_.counters().ws_open);
            shard_.closed(id_);
        }
    }

    Shard& shard_;  // borrowed, outlives every connection
    EdgeContext& ctx_;
    const WsTimings& timing_;
    std::shared_ptr<asio::ssl::context> tls_;  // null over TCP
    Stream stream_;
    asio::steady_timer watchdog_;
    asio::steady_timer ping_timer_;
    ClientInfo who_;
    ConnectionGate::Slot slot_;  // this connection's place in its address's count
    std::string handshake_;      // the answer to the upgrade, while it is written
    ws::FrameReader reader_;
    std::vector<uint8_t> in_;  // bytes read and not yet used: at most a frame cut in two
    std::size_t in_len_ = 0;
    std::size_t read_space_ = 0;  // the room the last read was given
    bool drained_ = false;        // the last read left the socket empty
    std::deque<OutFrame> out_;
    std::vector<asio::const_buffer> gather_;
    std::size_t budget_;
    std::size_t out_bytes_ = 0;
    std::size_t in_flight_ = 0;  // frames of out_ the write in flight carries
    ConnId id_ = 0;
    Clock::time_point read_deadline_ = Clock::time_point::max();
    Clock::time_point write_deadline_ = Clock::time_point::max();
    Clock::time_point watch_due_{};
    uint16_t close_code_ = ws::kCloseNormal;
    bool accepted_ = false;
    bool watch_armed_ = false;
    bool opened_ = false;
    bool writing_ = false;
    bool read_pending_ = false;
    bool close_pending_ = false;
    bool close_sent_ = false;
    bool close_received_ = false;
    bool failed_ = false;
    bool tls_shutdown_started_ = false;
    bool hard_closed_ = false;
    bool finished_ = false;
};

}  // namespace

void accept_websocket(Shard& shard, beast::tcp_stream&& stream, HttpRequest&& req, ClientInfo who,
                      ConnectionGate::Slot slot) {
    asio::ip::tcp::socket s = stream.release_socket();
    boost::system::error_code ec;
    const auto protocol = s.local_endpoint(ec).protocol();
    if (ec) {
        return;  // the client went away before the upgrade could be answered
    }
    PlainSocket plain(shard.io(), protocol, s.release());
    plain.non_blocking(true, ec);  // reads after a wait for readiness (WsConnection::read)
    if (ec) {
        return;
    }
    auto c = std::make_shared<WsConnection<PlainSocket>>(shard, std::move(plain), nullptr);
    c->accept(std::move(req), std::move(who), std::move(slot));
}

void accept_websocket(Shard& shard, TlsStream&& stream, HttpRequest&& req, ClientInfo who,
                      ConnectionGate::Slot slot, std::shared_ptr<asio::ssl::context> tls) {
    auto c = std::make_shared<WsConnection<TlsStream>>(shard, std::move(stream), std::move(tls));
    c->accept(std::move(req), std::move(who), std::move(slot));
}

}  // namespace tern::sig::net
