// IPv6 headers (RFC 8200) with extension headers walked and skipped safely.
#pragma once

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/error.hpp"

namespace tern::wire {

inline constexpr std::size_t kIpv6HeaderLen = 40;
inline constexpr uint8_t kIpv6NoNextHeader = 59;
/// Extension headers walked before giving up: bounds work per packet against header chains.
inline constexpr int kIpv6MaxExtensionHeaders = 8;

struct Ipv6View {
    uint8_t traffic_class = 0;
    uint32_t flow_label = 0;
    uint16_t payload_length = 0;
    uint8_t next_header = 0;  // the upper-layer protocol after all extension headers
    uint8_t hop_limit = 0;
    Ipv6Addr src;
    Ipv6Addr dst;
    std::size_t header_len = 0;  // fixed header plus extension headers
    ByteSpan payload;            // the upper-layer packet, trimmed to payload_length
};

/// Skips Hop-by-Hop (first only), Routing, Destination Options and AH headers; refuses
/// non-atomic fragments (Error::Fragment) and ESP (Error::Unsupported).
Result<Ipv6View, Error> parse_ipv6(ByteSpan packet) noexcept;

void write_ipv6(ByteWriter& w, const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t next_header,
                uint16_t payload_len, uint8_t hop_limit = 64) noexcept;

}  // namespace tern::wire
