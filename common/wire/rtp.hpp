// RTP and RTCP framing (RFC 3550 §5.1, §6.4; header extensions RFC 8285; RTP/RTCP demultiplexing
// on one port RFC 5761 §4). Only what forwarding and SRTP need: the fixed header, where the
// payload starts, and the extension block. Views point into the packet; nothing is copied.
#pragma once

#include "common/byte_reader.hpp"
#include "common/wire/error.hpp"

#include <cstdint>

namespace tern::wire {

inline constexpr std::size_t kRtpHeaderLen = 12;
inline constexpr std::size_t kRtcpHeaderLen = 8;  // common header plus the sender's SSRC

/// RFC 8285 header extension profiles.
inline constexpr uint16_t kRtpExtOneByte = 0xbede;
inline constexpr bool is_rtp_ext_two_byte(uint16_t profile) { return (profile & 0xfff0) == 0x1000; }

struct RtpView {
    bool padding = false;
    bool extension = false;
    uint8_t csrc_count = 0;
    bool marker = false;
    uint8_t payload_type = 0;
    uint16_t seq = 0;
    uint32_t timestamp = 0;
    uint32_t ssrc = 0;
    std::size_t header_len = 0;  // fixed header, CSRCs and the extension block
    uint16_t ext_profile = 0;
    ByteSpan ext_data;           // the extension block's data, without its 4-byte header
    ByteSpan payload;            // after the header, padding included (SRTP encrypts it)
};

/// Parses an RTP header. Version must be 2 and the CSRC list and extension must fit; the
/// payload may be empty. Padding is not checked here (it lies inside the encrypted payload).
bool parse_rtp(ByteSpan packet, RtpView& out, Error& why) noexcept;

/// RFC 8285: the element with id `id` in a one-byte (0xBEDE) or two-byte (0x100X) extension
/// block, in `out`. False when absent, or when the block is another profile or is cut short.
bool find_rtp_extension(const RtpView& v, uint8_t id, ByteSpan& out) noexcept;

/// RFC 5761 §4: on a muxed port, RTCP packet types 192–223 (after the version/count octet)
/// cannot be RTP payload types 64–95, which are never used for RTP.
inline bool looks_like_rtcp(ByteSpan packet) noexcept {
    if (packet.size() < 2) {
        return false;
    }
    const uint8_t pt = std::to_integer<uint8_t>(packet[1]);
    return pt >= 192 && pt <= 223;
}

/// RFC 7983: first octet 128–191 is RTP or RTCP.
inline bool looks_like_rtp_or_rtcp(ByteSpan packet) noexcept {
    if (packet.empty()) {
        return false;
    }
    const uint8_t b = std::to_integer<uint8_t>(packet[0]);
    return b >= 128 && b <= 191;
}

/// The sender SSRC of an RTCP compound packet (its first packet's second word), after
/// checking version 2 and that the first packet's length fits.
bool parse_rtcp_ssrc(ByteSpan packet, uint32_t& ssrc, Error& why) noexcept;

}  // namespace tern::wire
