// TURN ChannelData messages (RFC 8656 §12.4): a 4-byte header (channel number, length) and the
// application data, padded to 4 bytes over stream transports.
#pragma once

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/wire/error.hpp"

namespace tern::wire::turn {

inline constexpr uint16_t kChannelMin = 0x4000;
// RFC 8656 §12 narrowed channels to 0x4000-0x4fff; RFC 5766 clients (coturn's uclient among them)
// still pick up to 0x7fff, so the wider range is accepted and never handed out by us.
inline constexpr uint16_t kChannelMax = 0x7fff;
inline constexpr std::size_t kChannelDataHeaderLen = 4;

constexpr bool valid_channel(uint16_t c) { return c >= kChannelMin && c <= kChannelMax; }

/// RFC 7983 demultiplexing: first byte 64..79 is a TURN channel (80..127 for RFC 5766 channels).
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
