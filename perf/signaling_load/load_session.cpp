#include "signaling_load/load_session.hpp"

#include "signaling_load/frame_scan.hpp"
#include "signaling_load/internal_token.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <utility>

namespace tern::perf::sigload {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::use_awaitable;

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

LoadSession::LoadSession(asio::io_context& ioc, const Options& opts, LoadStats& stats,
                         uint32_t index, uint32_t room, uint32_t slot)
    : opts_(opts), stats_(stats), ws_(ioc), index_(index), room_(room), slot_(slot),
      direct_seq_(opts.room_size, 0), last_room_seq_(opts.room_size, 0),
      last_direct_seq_(opts.room_size, 0) {}

// Unique over processes (their room bases differ) and runs (seeds): the same Talk session id
// twice would evict the first session.
std::string LoadSession::unique_name(std::string_view prefix) const {
    return std::string(prefix) + "-" + std::to_string(opts_.seed) + "-" +
           std::to_string(opts_.room_base) + "-" + std::to_string(index_);
}

asio::awaitable<std::string> LoadSession::read_frame() {
    buf_.consume(buf_.size());
    co_await ws_.async_read(buf_, use_awaitable);
    co_return beast::buffers_to_string(buf_.data());
}

// Sends a request and reads frames until its reply; events in between are skipped.
asio::awaitable<std::string> LoadSession::request(std::string_view frame, std::string_view id) {
    co_await ws_.async_write(asio::buffer(frame.data(), frame.size()), use_awaitable);
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
        auto& sock = beast::get_lowest_layer(ws_).socket();
        sock.open(asio::ip::tcp::v4());
        // Bind before connect to spread sessions over source addresses; without a port, so
        // the kernel picks it per 4-tuple at connect time.
        const int one = 1;
        ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sock.set_option(asio::ip::tcp::no_delay(true));
        sock.bind(asio::ip::tcp::endpoint(source, 0));
        co_await sock.async_connect(server, use_awaitable);
        co_await ws_.async_handshake(opts_.host + ":" + std::to_string(opts_.port), opts_.path,
                                     use_awaitable);
        ws_.text(true);
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
        // Setup over: no deadline of our own on reads from here (the server pings every 54 s).
        beast::get_lowest_layer(ws_).expires_never();
    } catch (const std::exception& e) {
        dead_ = true;
        co_return std::string(e.what());
    }
    co_return std::string();
}

void LoadSession::start_reading() {
    asio::co_spawn(ws_.get_executor(), read_loop(), asio::detached);
}

void LoadSession::send(std::string frame) {
    outq_.push_back(std::move(frame));
    if (!writing_) {
        writing_ = true;
        asio::co_spawn(ws_.get_executor(), write_loop(), asio::detached);
    }
}

void LoadSession::close() {
    closing_ = true;
    dead_ = true;
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
}

asio::awaitable<void> LoadSession::write_loop() {
    while (!outq_.empty()) {
        beast::error_code ec;
        co_await ws_.async_write(asio::buffer(outq_.front()),
                                 asio::redirect_error(use_awaitable, ec));
        if (ec) {
            dead_ = true;
            outq_.clear();
            break;
        }
        outq_.pop_front();
    }
    writing_ = false;
}

asio::awaitable<void> LoadSession::read_loop() {
    for (;;) {
        beast::error_code ec;
        buf_.consume(buf_.size());
        co_await ws_.async_read(buf_, asio::redirect_error(use_awaitable, ec));
        if (ec) {
            if (!closing_) {
                ++stats_.closed;
            }
            dead_ = true;
            co_return;
        }
        const auto data = buf_.data();
        on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
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
        return;  // events: joins of later members, pings are answered by Beast
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
