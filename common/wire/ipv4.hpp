// IPv4 headers (RFC 791): options kept as an opaque span, fragments recognised and refused.
#pragma once

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/error.hpp"

namespace tern::wire {

inline constexpr uint8_t kIpProtoIcmp = 1;
inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr uint8_t kIpProtoUdp = 17;
inline constexpr uint8_t kIpProtoIcmpv6 = 58;
inline constexpr std::size_t kIpv4HeaderLen = 20;

struct Ipv4View {
    std::size_t header_len = 0;
    uint8_t tos = 0;
    uint16_t total_length = 0;
    uint16_t id = 0;
    uint16_t frag = 0;  // flags and fragment offset as on the wire
    uint8_t ttl = 0;
    uint8_t protocol = 0;
    Ipv4Addr src;
    Ipv4Addr dst;
    ByteSpan options;
    ByteSpan payload;  // trimmed to total_length: Ethernet padding is not payload

    [[nodiscard]] bool is_fragment() const noexcept { return (frag & 0x3fff) != 0; }
};

/// Checks version, IHL, total length and the header checksum, then refuses fragments
/// (Error::Fragment) so callers can count them separately.
Result<Ipv4View, Error> parse_ipv4(ByteSpan packet) noexcept;
/// The same, into `v` in place (the fast path's form: no copy of the view); false sets `why`.
bool parse_ipv4(ByteSpan packet, Ipv4View& v, Error& why) noexcept;

/// Writes a 20-byte header with the checksum filled in; DF set, id 0 (RFC 6864 §4.1 allows it
/// for atomic datagrams).
void write_ipv4(ByteWriter& w, Ipv4Addr src, Ipv4Addr dst, uint8_t protocol, uint16_t payload_len,
                uint8_t ttl = 64, uint8_t tos = 0) noexcept;

}  // namespace tern::wire
