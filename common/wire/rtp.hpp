// RTP and RTCP framing (RFC 3550 §5.1, §6.4; header extensions RFC 8285; RTP/RTCP demultiplexing
// on one port RFC 5761 §4). Only what forwarding and SRTP need: the fixed header, where the
// payload starts, and the extension block. Views point into the packet; nothing is copied.
#pragma once

#include "common/byte_reader.hpp"
#include "common/wire/error.hpp"

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

namespace tern::wire {

inline constexpr std::size_t kRtpHeaderLen = 12;
inline constexpr std::size_t kRtcpHeaderLen = 8;  // common header plus the sender's SSRC

/// RFC 8285 header extension profiles.
inline constexpr uint16_t kRtpExtOneByte = 0xbede;
inline constexpr bool is_rtp_ext_two_byte(uint16_t profile) {
    return (profile & 0xfff0) == 0x1000;
}

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
    ByteSpan ext_data;  // the extension block's data, without its 4-byte header
    ByteSpan payload;   // after the header, padding included (SRTP encrypts it)
};

/// Parses an RTP header. Version must be 2 and the CSRC list and extension must fit; the
/// payload may be empty. Padding is not checked here (it lies inside the encrypted payload).
bool parse_rtp(ByteSpan packet, RtpView& out, Error& why) noexcept;

/// RFC 8285: the element with id `id` in a one-byte (0xBEDE) or two-byte (0x100X) extension
/// block, in `out`. False when absent, or when the block is another profile or is cut short.
bool find_rtp_extension(const RtpView& v, uint8_t id, ByteSpan& out) noexcept;

/// Header extension URIs (RFC 8285 a=extmap) tern knows, and the ids tern gives them in its
/// offers to subscribers. The SFU writes every forwarded packet with these ids: a publisher's
/// own ids are mapped to them once on arrival (remap_rtp_extensions), and what the sender of a
/// leg writes (abs-send-time) is added per send (write_forward_header).
namespace ext {
inline constexpr std::string_view kMidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr std::string_view kRtpStreamIdUri = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
inline constexpr std::string_view kRepairedRtpStreamIdUri =
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
inline constexpr std::string_view kTransportCcUri =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr std::string_view kAudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
inline constexpr std::string_view kAbsSendTimeUri =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
inline constexpr std::string_view kVideoOrientationUri = "urn:3gpp:video-orientation";
inline constexpr std::string_view kAbsCaptureTimeUri =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time";

inline constexpr uint8_t kOutAudioLevel = 1;
inline constexpr uint8_t kOutAbsSendTime = 2;
inline constexpr uint8_t kOutVideoOrientation = 3;
inline constexpr uint8_t kOutAbsCaptureTime = 4;
/// Tern's transport-wide sequence number on a subscriber's transport, written per send when the
/// subscriber negotiated transport-cc (its feedback drives the bandwidth estimate).
inline constexpr uint8_t kOutTransportCc = 5;

/// abs-send-time: seconds as 6.18 fixed point, modulo 64 s.
inline uint32_t abs_send_time(uint64_t now_us) noexcept {
    return static_cast<uint32_t>(((now_us % 64'000'000) << 18) / 1'000'000) & 0xffffff;
}
}  // namespace ext

/// Which extension ids of a sender become which ids on the way out (0 or absent: removed).
struct RtpExtMap {
    static constexpr std::size_t kMax = 4;
    std::array<std::pair<uint8_t, uint8_t>, kMax> pairs{};
    uint8_t n = 0;
    /// False when full or `from` is 0.
    bool add(uint8_t from, uint8_t to) noexcept {
        if (from == 0 || n == kMax) {
            return false;
        }
        pairs[n++] = {from, to};
        return true;
    }
    [[nodiscard]] uint8_t map(uint8_t from) const noexcept {
        for (uint8_t i = 0; i < n; ++i) {
            if (pairs[i].first == from) {
                return pairs[i].second;
            }
        }
        return 0;
    }
};

/// Rewrites an extension block in place (`block`: its `size` data bytes after the 4-byte block
/// header, `profile` from that header): each element `map` knows gets its new id, every other
/// element becomes padding (zero bytes), so the block keeps its length. One-byte elements cannot
/// take ids above 14: mapped there, they are removed too. What cannot be walked (an element running
/// past the block, the reserved id 15, another profile) is zeroed from there on. Returns the number
/// of elements kept.
std::size_t remap_rtp_extensions(std::byte* block, std::size_t size, uint16_t profile,
                                 const RtpExtMap& map) noexcept;

/// The largest growth of a header by write_forward_header: both elements and padding, 12 bytes
/// in the two-byte form (5 + 4, padded) or with a new one-byte block (its header, 4 + 3, padded).
inline constexpr std::size_t kForwardHeaderGrowth = 12;

/// Copies the RTP header `src` (`hl` bytes: fixed part, CSRCs, extension block) to `dst` with
/// an abs-send-time element (id `abs_id`, 24-bit `abs_value`) and a transport-wide sequence
/// number element (id `twcc_id`, `twcc_seq`) appended to its extension block (one-byte or
/// two-byte form as the block has; a one-byte block when it has none). An id of 0, or above 14
/// in the one-byte form, leaves its element out; another profile copies unchanged. Returns the
/// length written (at most hl + kForwardHeaderGrowth), 0 when `room` is too small or `src` is
/// inconsistent.
std::size_t write_forward_header(std::byte* dst, std::size_t room, const std::byte* src,
                                 std::size_t hl, uint8_t abs_id, uint32_t abs_value,
                                 uint8_t twcc_id = 0, uint16_t twcc_seq = 0) noexcept;

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
