// How TURN messages are framed on the data plane, around what TurnServer decides (it never
// builds frames): which datagrams to the STUN/TURN port are the TURN server's, ChannelData
// (RFC 8656 §12.4) and Data indications (§11.4) written in place in front of relayed data,
// and messages for clients connected over TCP/TLS padded (§12.5) and handed to the sink that
// carries them to the control plane.
//
// Lcore-local; no allocation, no syscalls.
#pragma once

#include "common/byte_reader.hpp"
#include "common/shm/counters.hpp"
#include "dataplane/stack/frame.hpp"
#include "dataplane/turn/turn_server.hpp"

#include <cstdint>
#include <optional>

namespace tern::dp {

/// Where messages for TURN clients connected over TCP/TLS go: the control plane holds those
/// connections, so the worker hands the bytes to its punt ring. False means they were dropped.
class StreamSink {
public:
    virtual bool write(uint64_t stream, ByteSpan message) noexcept = 0;

protected:
    ~StreamSink() = default;
};

/// A datagram to the STUN/TURN port is the TURN server's when it is ChannelData or a STUN
/// message of any method but Binding (which the STUN Binding service answers).
[[nodiscard]] bool for_turn_server(ByteSpan payload) noexcept;

/// A client-bound message written in front of relayed data, inside the frame's buffer.
struct ClientMessage {
    std::byte* data;
    std::size_t len;
    std::optional<uint64_t> sum;  // ones'-complement sum of the message, when the data's was known
};

class TurnFraming {
public:
    explicit TurnFraming(shm::LcoreCounters& counters) noexcept : counters_(counters) {}

    /// `act` (ToClientChannel or ToClientIndication) as its message in front of act.data;
    /// nullopt (counted) when the buffer lacks room for the header or the padding.
    std::optional<ClientMessage> to_client(const Frame& f, const TurnAction& act) noexcept;

    /// Hands `len` bytes at `msg` to TCP/TLS connection `stream`, padded to four bytes (padding
    /// is written only inside the frame's buffer; messages built elsewhere are whole words).
    /// `data_bytes` of relayed data count as delivered to the client. Consumed or Drop (counted).
    Verdict to_stream(const Frame& f, uint64_t stream, const std::byte* msg, std::size_t len,
                      std::size_t data_bytes) noexcept;

    void set_sink(StreamSink* sink) noexcept { sink_ = sink; }
    [[nodiscard]] bool has_sink() const noexcept { return sink_ != nullptr; }

private:
    void count(shm::Counter c, uint64_t n = 1) noexcept {
        shm::bump(counters_.v[static_cast<std::size_t>(c)], n);
    }

    shm::LcoreCounters& counters_;
    StreamSink* sink_ = nullptr;  // borrowed; null when no control plane carries TCP/TLS clients
    uint64_t indication_txid_ = 0x9e3779b97f4a7c15ULL;  // xorshift state for Data indications
};

}  // namespace tern::dp
