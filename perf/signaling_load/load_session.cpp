#include "signaling_load/load_session.hpp"

#include "signaling_load/client_frames.hpp"
#include "signaling_load/frame_scan.hpp"
#include "signaling_load/internal_token.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstring>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <utility>

namespace tern::perf::sigload {

namespace asio = boost::asio;
using asio::use_awaitable;

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

namespace {

constexpr std::size_t kReadInitial = 4 * 1024;  // grows while a frame does not fit
constexpr std::size_t kMaxHandshake = 8 * 1024;

}  // namespace

LoadSession::LoadSession(asio::io_context& ioc, const Options& opts, LoadStats& stats,
                         uint32_t index, uint32_t room, uint32_t slot)
    : opts_(opts), stats_(stats), sock_(ioc), in_(kReadInitial, '\0'),
      // A mask per session; any value is valid, and the server unmasks whatever it is.
      mask_(static_cast<uint32_t>(opts.seed * 2654435761U) ^ (index * 40503U) ^ 0x5bd1e995U),
      index_(index), room_(room), slot_(slot), direct_seq_(opts.room_size, 0),
      last_room_seq_(opts.room_size, 0), last_direct_seq_(opts.room_size, 0) {}

// Unique over processes (their room bases differ) and runs (seeds): the same Talk session id
// twice would evict the first session.
std::string LoadSession::unique_name(std::string_view prefix) const {
    return std::string(prefix) + "-" + std::to_string(opts_.seed) + "-" +
           std::to_string(opts_.room_base) + "-" + std::to_string(index_);
}

void LoadSession::queue_frame(uint8_t opcode, std::string_view payload) {
    append_masked_frame(out_, opcode, payload, mask_);
    ++queued_;
    if (!writing_) {
        writing_ = true;
        asio::co_spawn(sock_.get_executor(), write_loop(), asio::detached);
    }
}

// During set-up: the next text frame; pings are answered, other control frames skipped.
asio::awaitable<std::string> LoadSession::read_frame() {
    for (;;) {
        const ServerFrame f = next_server_frame(std::string_view(in_.data(), in_len_));
        if (f.kind == ServerFrame::Kind::Bad) {
            throw std::runtime_error(std::string("server frame: ") + f.why);
        }
        if (f.kind == ServerFrame::Kind::Frame) {
            std::string payload(f.payload);
            const uint8_t op = f.opcode;
            std::memmove(in_.data(), in_.data() + f.consumed, in_len_ - f.consumed);
            in_len_ -= f.consumed;
            if (op == kOpText) {
                co_return payload;
            }
            if (op == kOpPing) {
                queue_frame(kOpPong, payload);
            } else if (op == kOpClose) {
                throw std::runtime_error("closed by the server");
            }
            continue;
        }
        if (in_len_ == in_.size()) {
            in_.resize(2 * in_.size());
        }
        in_len_ += co_await sock_.async_read_some(
            asio::buffer(in_.data() + in_len_, in_.size() - in_len_), use_awaitable);
    }
}

// Sends a request and reads frames until its reply; events in between are skipped.
asio::awaitable<std::string> LoadSession::request(std::string_view frame, std::string_view id) {
    queue_frame(kOpText, frame);
    const uint32_t bound = 4 * opts_.room_size + 16;  // join events may precede the reply
    for (uint32_t i = 0; i < bound; ++i) {
        std::string reply = co_await read_frame();
        if (is_reply(reply, id)) {
            if (is_error(reply)) {
                throw std::runtime_error("error reply: " + reply.substr(0, 300));
            }
            co_return reply;
        }
    }
    throw std::runtime_error("no reply with id " + std::string(id) + " within " +
                             std::to_string(bound) + " frames");
}

asio::awaitable<std::string> LoadSession::establish(asio::ip::tcp::endpoint server,
                                                    asio::ip::address source, std::string room_id) {
    try {
        sock_.open(asio::ip::tcp::v4());
        // Bind before connect to spread sessions over source addresses; without a port, so
        // the kernel picks it per 4-tuple at connect time.
        const int one = 1;
        ::setsockopt(sock_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sock_.set_option(asio::ip::tcp::no_delay(true));
        sock_.bind(asio::ip::tcp::endpoint(source, 0));
        co_await sock_.async_connect(server, use_awaitable);
        const std::string upgrade =
            upgrade_request(opts_.host + ":" + std::to_string(server.port()), opts_.path);
        co_await asio::async_write(sock_, asio::buffer(upgrade), use_awaitable);
        // The 101's headers; what follows them (a welcome) stays in the buffer as frames.
        std::size_t end = std::string_view::npos;
        while ((end = std::string_view(in_.data(), in_len_).find("\r\n\r\n")) ==
               std::string_view::npos) {
            if (in_len_ >= kMaxHandshake) {
                throw std::runtime_error("no end of the upgrade response's headers");
            }
            in_len_ += co_await sock_.async_read_some(
                asio::buffer(in_.data() + in_len_, in_.size() - in_len_), use_awaitable);
        }
        const std::string_view head(in_.data(), end);
        if (!head.starts_with("HTTP/1.1 101")) {
            throw std::runtime_error("upgrade refused: " +
                                     std::string(head.substr(0, head.find('\r'))));
        }
        end += 4;
        std::memmove(in_.data(), in_.data() + end, in_len_ - end);
        in_len_ -= end;
        // No wait for a welcome frame: 0.4.1 (Debian's reference server) sends none, and
        // request() below skips tern's while it reads for the hello's reply.
        std::string hello;
        if (opts_.auth == "internal") {
            const std::string random = internal_random(opts_.seed, index_);
            hello =
                R"({"id":"h","type":"hello","hello":{"version":"1.0","auth":{"type":"internal",)"
                R"("params":{"random":")" +
                random + R"(","token":")" + internal_token(opts_.secret, random) +
                R"(","backend":")" + opts_.backend + R"("}}}})";
        } else {
            // A user per session, checked by the backend's auth request (§4); the mock
            // Nextcloud accepts any user id.
            hello = R"({"id":"h","type":"hello","hello":{"version":"1.0","auth":{"url":")" +
                    opts_.backend + R"(ocs/v2.php/apps/spreed/api/v1/signaling/backend",)" +
                    R"("params":{"userid":")" + unique_name("u") + R"(","ticket":"t"}}}})";
        }
        const std::string hello_reply = co_await request(hello, "h");
        const auto sid = string_field(hello_reply, "\"sessionid\"");
        if (!sid || sid->empty()) {
            throw std::runtime_error("hello reply without sessionid: " +
                                     hello_reply.substr(0, 200));
        }
        public_id_ = std::string(*sid);
        // A room session id of our own: the same one twice would evict the first session.
        const std::string join = R"({"id":"r","type":"room","room":{"roomid":")" + room_id +
                                 R"(","sessionid":")" + unique_name("load") + R"("}})";
        co_await request(join, "r");
    } catch (const std::exception& e) {
        dead_ = true;
        co_return std::string(e.what());
    }
    co_return std::string();
}

void LoadSession::start_reading() {
    asio::co_spawn(sock_.get_executor(), read_loop(), asio::detached);
}

void LoadSession::send(std::string frame) {
    queue_frame(kOpText, frame);
}

void LoadSession::close() {
    closing_ = true;
    dead_ = true;
    boost::system::error_code ec;
    sock_.close(ec);
}

// Everything queued goes out in one write; what is queued meanwhile goes in the next.
asio::awaitable<void> LoadSession::write_loop() {
    while (!out_.empty()) {
        sending_.swap(out_);
        out_.clear();
        sending_frames_ = queued_;
        boost::system::error_code ec;
        co_await asio::async_write(sock_, asio::buffer(sending_),
                                   asio::redirect_error(use_awaitable, ec));
        queued_ -= sending_frames_;
        sending_frames_ = 0;
        sending_.clear();
        if (ec) {
            dead_ = true;
            out_.clear();
            queued_ = 0;
            break;
        }
    }
    writing_ = false;
}

bool LoadSession::take_frames() {
    std::size_t used = 0;
    for (;;) {
        const ServerFrame f =
            next_server_frame(std::string_view(in_.data() + used, in_len_ - used));
        if (f.kind == ServerFrame::Kind::NeedMore) {
            break;
        }
        if (f.kind == ServerFrame::Kind::Bad) {
            ++stats_.malformed;
            return false;
        }
        used += f.consumed;
        if (f.opcode == kOpText) {
            on_frame(f.payload);
        } else if (f.opcode == kOpPing) {
            queue_frame(kOpPong, f.payload);
        } else if (f.opcode == kOpClose) {
            return false;
        }
    }
    std::memmove(in_.data(), in_.data() + used, in_len_ - used);
    in_len_ -= used;
    return true;
}

asio::awaitable<void> LoadSession::read_loop() {
    // Frames that came with the join's reply first.
    bool ok = take_frames();
    while (ok) {
        if (in_len_ == in_.size()) {
            in_.resize(2 * in_.size());
        }
        boost::system::error_code ec;
        const std::size_t n =
            co_await sock_.async_read_some(asio::buffer(in_.data() + in_len_, in_.size() - in_len_),
                                           asio::redirect_error(use_awaitable, ec));
        if (ec) {
            break;
        }
        in_len_ += n;
        ok = take_frames();
    }
    if (!closing_) {
        ++stats_.closed;
    }
    dead_ = true;
}

void LoadSession::on_frame(std::string_view frame) {
    const int64_t now = now_ns();
    const auto seq = uint_field(frame, "\"lgq\"");
    if (!seq) {
        if (is_error(frame)) {
            if (stats_.server_errors++ == 0) {
                stats_.first_server_error = std::string(frame.substr(0, 300));
            }
        }
        return;  // events: joins of later members
    }
    const auto from = uint_field(frame, "\"lgf\"");
    const auto to_room = uint_field(frame, "\"lgr\"");
    const auto sent_at = uint_field(frame, "\"lgt\"");
    if (!from || !to_room || !sent_at || *from >= opts_.room_size) {
        ++stats_.malformed;
        return;
    }
    uint64_t& last = (*to_room != 0 ? last_room_seq_ : last_direct_seq_)[*from];
    if (*seq <= last) {
        ++stats_.reordered;
    } else {
        stats_.gaps += *seq - last - 1;
        last = *seq;
    }
    ++stats_.delivered_all;
    if (static_cast<int64_t>(*sent_at) >= stats_.window_start_ns) {
        ++stats_.delivered;
        const int64_t us = (now - static_cast<int64_t>(*sent_at)) / 1000;
        stats_.latency_us.push_back(static_cast<uint32_t>(us < 0 ? 0 : us));
    }
}

}  // namespace tern::perf::sigload
