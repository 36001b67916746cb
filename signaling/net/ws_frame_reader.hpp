// WebSocket frames from a client (RFC 6455 §5), read from the bytes as they arrive and turned into
// what the connection must act on: a whole text or binary message, a ping, a pong, the peer's
// close, or a protocol failure with the status to close with. Fragments are put together here;
// control frames may come between them (§5.4). The reader decides, the connection (ws_connection)
// writes and closes.
//
// What a server must refuse (each a Fail with its close status):
//   - an unmasked frame (§5.1), reserved bits set with no extension negotiated (§5.2), an unknown
//     opcode, a control frame longer than 125 bytes or fragmented (§5.5), a continuation with no
//     message begun or a new message inside one (§5.4), a 64-bit length with its top bit set,
//     a close frame of one byte or with a status no peer may send (§7.4): 1002;
//   - a text message or close reason that is not UTF-8 (§8.1): 1007;
//   - a message longer than the limit (Talk's 64 KiB, api::kMaxClientFrame): 1009, decided from
//     the length field, before its bytes arrive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tern::sig::net::ws {

enum class Opcode : uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

/// Close statuses (RFC 6455 §7.4.1) tern sends or reads.
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kCloseNoStatus = 1005;  // a close frame without a status (never sent)
inline constexpr uint16_t kCloseInvalidPayload = 1007;
inline constexpr uint16_t kCloseTooBig = 1009;

/// The longest frame header: 2 bytes, a 64-bit length and a masking key.
inline constexpr std::size_t kMaxHeader = 14;

struct Event {
    enum class Kind : uint8_t {
        NeedMore,  // no whole frame at the front of the bytes given: read more
        Text,
        Binary,
        Ping,
        Pong,
        Close,
        Fail,
    };
    Kind kind = Kind::NeedMore;
    /// Text and Binary: the whole message; Ping and Pong: the payload; Close: the reason; Fail:
    /// what was wrong (for the log). Valid until the next call of FrameReader::next.
    std::string_view payload;
    /// Close: the peer's status (kCloseNoStatus when it gave none); Fail: the status to close with.
    uint16_t code = 0;
    /// Bytes at the front of the input this event used up (all of them are the caller's to drop).
    std::size_t consumed = 0;
};

class FrameReader {
public:
    /// `max_message`: the longest message taken, fragments together.
    explicit FrameReader(std::size_t max_message) noexcept : max_message_(max_message) {}

    /// The next event from the bytes at the front of `in`, as received from the client: frames
    /// are unmasked in place. Fragments of a message are taken (and counted in `consumed`) until
    /// the last one, a control frame or the end of what `in` holds. NeedMore: the caller keeps
    /// the unconsumed bytes and calls again with more behind them; a buffer of max_message +
    /// kMaxHeader bytes always has room for a whole frame. After a Fail every call fails again.
    Event next(std::span<uint8_t> in);

    /// Whether a fragmented message has begun and not ended.
    [[nodiscard]] bool in_message() const noexcept { return in_message_; }

private:
    Event fail(uint16_t code, std::string_view why, std::size_t consumed);

    std::size_t max_message_;
    std::string message_;  // a fragmented message's payload so far
    bool in_message_ = false;
    bool message_text_ = false;
    bool failed_ = false;
    uint16_t fail_code_ = 0;
    std::string_view fail_why_;
};

/// Writes the header of an unfragmented, unmasked (server) frame of `len` payload bytes into
/// `out` (at least 10 bytes) and returns its size.
std::size_t write_frame_header(uint8_t* out, Opcode op, std::size_t len) noexcept;

/// Whether `code` may appear in a close frame (RFC 6455 §7.4.1, §7.4.2 and the IANA registry):
/// 1000–1003, 1007–1014, 3000–4999.
bool close_code_allowed(uint16_t code) noexcept;

}  // namespace tern::sig::net::ws
