// TURN ChannelData messages (RFC 8656 §12.4): a 4-byte header (channel number, length) and the
// application data, padded to 4 bytes over stream transports.
#pragma once

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/wire/error.hpp"

namespace tern::wire::turn {

// RFC 8656 §12: channel numbers are 0x4000-0x4fff. RFC 5766 allowed up to 0x7fff, and some
// clients still pick from there (coturn's turnutils_uclient does), but first bytes 80..127 are
// not TURN channels in RFC 7983's demultiplexing (RFC 9443 gives them to QUIC): a ChannelBind
// above 0x4fff is refused with 400 unless the operator allows RFC 5766's range
// (turn.rfc5766_channels). The framing below takes either range; only bound channels carry data.
inline constexpr uint16_t kChannelMin = 0x4000;
inline constexpr uint16_t kChannelMax = 0x4fff;
inline constexpr uint16_t kRfc5766ChannelMax = 0x7fff;
inline constexpr std::size_t kChannelDataHeaderLen = 4;

/// A channel number RFC 8656 allows, or with `rfc5766` one RFC 5766 allowed.
constexpr bool valid_channel(uint16_t c, bool rfc5766 = false) {
    return c >= kChannelMin && c <= (rfc5766 ? kRfc5766ChannelMax : kChannelMax);
}

/// RFC 7983 demultiplexing: first byte 64..79 is a TURN channel. 80..127 are taken too, as
/// RFC 5766's channels were, so that such a message reaches the ChannelData parser and is
/// refused and counted there instead of being mistaken for something else.
inline bool looks_like_channel_data(ByteSpan p) noexcept {
    return !p.empty() && (std::to_integer<uint8_t>(p[0]) & 0xc0) == 0x40;
}

struct ChannelDataView {
    uint16_t channel = 0;
    ByteSpan data;
    std::size_t wire_len = 0;  // header + data + padding: where the next message starts
};

enum class Framing : uint8_t {
    Datagram,  // UDP: padding optional; at most 3 trailing bytes accepted
    Stream,    // TCP/TLS: padding required (§12.5); `msg` may hold more messages after this one
};

Result<ChannelDataView, Error> parse_channel_data(ByteSpan msg, Framing framing) noexcept;

/// Writes the header for `data_len` bytes; the caller places the data after it.
void write_channel_data_header(MutableByteSpan out, uint16_t channel, uint16_t data_len) noexcept;

}  // namespace tern::wire::turn
