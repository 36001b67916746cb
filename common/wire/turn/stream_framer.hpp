// Message framing for TURN over TCP and TLS (RFC 8656 §3.1, §12.5): a byte stream carrying STUN
// messages and ChannelData back to back. A STUN message is 20 bytes plus its length field; a
// ChannelData message is 4 bytes plus its length, padded to a multiple of four on streams.
//
// The framer is the whole parser of the control plane's TURN listener: it says how long the
// next message is once enough bytes have arrived, or why the stream is broken (then the
// connection is closed: there is no way to find the next message boundary).
#pragma once

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/wire/error.hpp"

#include <cstddef>

namespace tern::wire::turn {

/// Longest message carried: a full-size relayed datagram in ChannelData or a Send indication.
inline constexpr std::size_t kMaxStreamMessage = 2048;

struct StreamFrame {
    std::size_t message_len = 0;  // the message without TCP padding; 0 = need more bytes
    std::size_t consumed = 0;     // bytes to drop from the stream, padding included
};

/// The first message at the start of `buffered`. Errors: Malformed (neither STUN nor
/// ChannelData), BadMagic (STUN without the RFC 5389 cookie: no TURN client sends that),
/// BadLength (a STUN length not a multiple of four, or longer than kMaxStreamMessage).
Result<StreamFrame, Error> next_stream_frame(ByteSpan buffered) noexcept;

}  // namespace tern::wire::turn
