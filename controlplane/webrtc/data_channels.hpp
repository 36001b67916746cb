// WebRTC data channels (RFC 8831) of one transport: an SCTP association (usrsctp, in its
// thread-less mode, driven from the control plane's loop) carried in DTLS application data, and
// the Data Channel Establishment Protocol (RFC 8832) on top.
//
// SCTP packets arrive by on_packet() (what DtlsSession::on_application delivered) and leave
// through the `send` callback (DtlsSession::send_application). Both ends use port 5000 and
// connect at once (RFC 8841); channels tern opens take odd stream ids when it is the DTLS server
// (RFC 8832 §6). Events are delivered after usrsctp returns, never from inside it.
#pragma once

#include "common/byte_reader.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

struct socket;

namespace tern::cp {

class DataChannels {
public:
    struct Channel {
        uint16_t stream = 0;
        std::string label;
        std::string protocol;
        bool ordered = true;
        bool open = false;  // acknowledged (ours) or announced (theirs)
    };
    using Send = std::function<void(ByteSpan packet)>;

    /// `dtls_server`: which half of the stream id space our channels take (odd when true).
    DataChannels(bool dtls_server, Send send);
    ~DataChannels();
    DataChannels(const DataChannels&) = delete;
    DataChannels& operator=(const DataChannels&) = delete;

    /// Starts the association (both ends connect; whoever is first wins, SCTP sorts it out).
    bool start();
    /// One SCTP packet from the peer.
    void on_packet(ByteSpan packet);
    /// Opens a channel towards the peer; returns its stream id (the channel is usable at once:
    /// RFC 8832 lets data follow DATA_CHANNEL_OPEN before the ACK).
    int open_channel(const std::string& label, const std::string& protocol = "");
    /// Sends a message on an open channel (text, or binary).
    bool send(uint16_t stream, ByteSpan data, bool binary);

    [[nodiscard]] bool connected() const noexcept { return connected_; }
    [[nodiscard]] const std::map<uint16_t, Channel>& channels() const noexcept { return channels_; }

    std::function<void(const Channel&)> on_open;  // the peer opened a channel
    std::function<void(const Channel&, ByteSpan data, bool binary)> on_message;
    std::function<void()> on_connected;

    /// usrsctp's timers (retransmission, heartbeats) for every association; call every ~10 ms.
    static void advance_timers(uint64_t now_ms);

    // usrsctp callbacks (C linkage needs plain functions; these are public for them).
    static int output(void* addr, void* buffer, std::size_t length, uint8_t tos, uint8_t set_df);
    struct Inbound {
        bool notification = false;
        uint16_t stream = 0;
        uint32_t ppid = 0;
        bool eor = true;
        std::vector<std::byte> data;
    };
    std::vector<Inbound> inbound_;  // filled by the receive callback, drained after usrsctp returns

private:
    void drain();
    void handle(const Inbound& in);
    void dcep(uint16_t stream, ByteSpan msg);
    bool send_raw(uint16_t stream, uint32_t ppid, ByteSpan data, bool ordered);

    Send send_;
    ::socket* sock_ = nullptr;
    bool connected_ = false;
    uint16_t next_stream_;
    std::map<uint16_t, Channel> channels_;
    std::map<uint16_t, std::vector<std::byte>> partial_;  // messages still arriving, by stream
};

}  // namespace tern::cp
