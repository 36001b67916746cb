// ICMPv4 (RFC 792): echo request/reply, the only messages the fast path answers.
#pragma once

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/wire/error.hpp"

namespace tern::wire {

inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpEchoRequest = 8;

struct Icmp4View {
    uint8_t type = 0;
    uint8_t code = 0;
    uint16_t id = 0;   // echo only
    uint16_t seq = 0;  // echo only
    ByteSpan message;  // the whole ICMP message
    ByteSpan data;     // after the 8-byte header
};

/// Verifies the checksum over the whole message.
Result<Icmp4View, Error> parse_icmp4(ByteSpan message) noexcept;

/// Turns an echo request in place into its reply: type 0, checksum updated incrementally
/// (RFC 1624) so the payload is not read again.
void icmp4_echo_request_to_reply(MutableByteSpan message) noexcept;

}  // namespace tern::wire
