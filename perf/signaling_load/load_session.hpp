#pragma once
// One signaling session of the load generator: a WebSocket (our own client framing,
// client_frames.hpp, on a plain TCP socket) from a chosen loopback source address, the hello
// (checked by the backend, or internal), the room join, then a read loop that checks each delivered
// load message (sender slot, sequence, send time) and a bounded write queue. Owned by LoadRun; runs
// on its one io_context thread; must outlive its coroutines (LoadRun closes every socket and runs
// the loop dry before destroying sessions).

#include "signaling_load/load_stats.hpp"
#include "signaling_load/options.hpp"

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>, and the
// include order of .clang-format puts Boost first.
// clang-format off
#include <utility>
#include <boost/asio.hpp>
// clang-format on

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::perf::sigload {

int64_t now_ns();

class LoadSession {
public:
    LoadSession(boost::asio::io_context& ioc, const Options& opts, LoadStats& stats, uint32_t index,
                uint32_t room, uint32_t slot);
    LoadSession(const LoadSession&) = delete;
    LoadSession& operator=(const LoadSession&) = delete;

    /// Connects from `source`, reads the welcome, says hello (internal), joins `room_id`.
    /// Returns an empty string on success, else what went wrong.
    boost::asio::awaitable<std::string> establish(boost::asio::ip::tcp::endpoint server,
                                                  boost::asio::ip::address source,
                                                  std::string room_id);
    /// Starts the read loop (after establish succeeded).
    void start_reading();
    /// Whether another frame fits in the write queue.
    bool can_send() const { return !dead_ && queued_ < opts_.max_queue; }
    /// Queues a text frame; the caller checked can_send().
    void send(std::string frame);
    /// Closes the socket: pending reads and writes end with an error.
    void close();

    const std::string& public_id() const { return public_id_; }
    uint32_t room() const { return room_; }
    uint32_t slot() const { return slot_; }
    /// Next sequence number of this sender's room messages / direct messages to `to_slot`.
    uint64_t next_room_seq() { return ++room_seq_; }
    uint64_t next_direct_seq(uint32_t to_slot) { return ++direct_seq_[to_slot]; }

private:
    boost::asio::awaitable<std::string> read_frame();
    boost::asio::awaitable<std::string> request(std::string_view frame, std::string_view id);
    boost::asio::awaitable<void> read_loop();
    boost::asio::awaitable<void> write_loop();
    /// Handles every whole frame at the front of the read buffer (text frames to on_frame,
    /// pings answered); false when the server's framing is not what we read.
    bool take_frames();
    /// Appends a frame to what goes out next, and starts the writer when it is idle.
    void queue_frame(uint8_t opcode, std::string_view payload);
    void on_frame(std::string_view frame);
    std::string unique_name(std::string_view prefix) const;

    const Options& opts_;  // borrowed, outlives this
    LoadStats& stats_;     // borrowed, outlives this
    boost::asio::ip::tcp::socket sock_;
    std::string in_;          // bytes read, whole frames taken from the front
    std::size_t in_len_ = 0;  // of in_, in use
    std::string out_;         // frames queued while a write is in flight
    std::string sending_;     // the write in flight
    uint32_t queued_ = 0;     // frames in out_ and sending_
    uint32_t sending_frames_ = 0;
    uint32_t mask_ = 0;
    uint32_t index_;
    uint32_t room_;
    uint32_t slot_;
    std::string public_id_;
    bool writing_ = false;
    bool dead_ = false;
    bool closing_ = false;
    uint64_t room_seq_ = 0;
    std::vector<uint64_t> direct_seq_;     // per recipient slot, last sent
    std::vector<uint64_t> last_room_seq_;  // per sender slot, last received (0: none)
    std::vector<uint64_t> last_direct_seq_;
};

}  // namespace tern::perf::sigload
