// ICMPv6 (RFC 4443) echo and Neighbor Discovery (RFC 4861) solicitation/advertisement.
#pragma once

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/error.hpp"

#include <optional>

namespace tern::wire {

inline constexpr uint8_t kIcmp6EchoRequest = 128;
inline constexpr uint8_t kIcmp6EchoReply = 129;
inline constexpr uint8_t kIcmp6RouterSolicitation = 133;
inline constexpr uint8_t kIcmp6RouterAdvertisement = 134;
inline constexpr uint8_t kIcmp6NeighborSolicitation = 135;
inline constexpr uint8_t kIcmp6NeighborAdvertisement = 136;

inline constexpr uint8_t kNdOptSourceLinkAddr = 1;
inline constexpr uint8_t kNdOptTargetLinkAddr = 2;

inline constexpr uint32_t kNaFlagRouter = 0x80000000U;
inline constexpr uint32_t kNaFlagSolicited = 0x40000000U;
inline constexpr uint32_t kNaFlagOverride = 0x20000000U;

struct Icmp6View {
    uint8_t type = 0;
    uint8_t code = 0;
    ByteSpan message;  // the whole ICMPv6 message
    ByteSpan body;     // after type, code, checksum
};

/// Verifies the checksum with the IPv6 pseudo-header.
Result<Icmp6View, Error> parse_icmp6(ByteSpan message, const Ipv6Addr& src,
                                     const Ipv6Addr& dst) noexcept;

struct NeighborMessage {
    uint32_t flags = 0;  // NA only
    Ipv6Addr target;
    std::optional<MacAddr> link_addr;  // source (NS) or target (NA) link-layer address option
};

/// Validates an NS or NA body as RFC 4861 §7.1.1/§7.1.2 asks, given the IP header fields.
Result<NeighborMessage, Error> parse_neighbor_message(const Icmp6View& m, const Ipv6Addr& src,
                                                      const Ipv6Addr& dst,
                                                      uint8_t hop_limit) noexcept;

/// Writes a complete ICMPv6 Neighbor Advertisement with a target link-layer address option and
/// its checksum; returns the length written (32) or 0 when `out` is too small.
std::size_t write_neighbor_advertisement(MutableByteSpan out, const Ipv6Addr& src,
                                         const Ipv6Addr& dst, uint32_t flags,
                                         const Ipv6Addr& target, const MacAddr& mac) noexcept;

/// Writes a Neighbor Solicitation with a source link-layer address option; returns 32 or 0.
std::size_t write_neighbor_solicitation(MutableByteSpan out, const Ipv6Addr& src,
                                        const Ipv6Addr& dst, const Ipv6Addr& target,
                                        const MacAddr& mac) noexcept;

/// Turns an echo request into its reply in place, with src/dst swapped by the caller first.
void icmp6_echo_request_to_reply(MutableByteSpan message, const Ipv6Addr& src,
                                 const Ipv6Addr& dst) noexcept;

}  // namespace tern::wire
