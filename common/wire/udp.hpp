// UDP (RFC 768) over IPv4 and IPv6.
#pragma once

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/error.hpp"

namespace tern::wire {

inline constexpr std::size_t kUdpHeaderLen = 8;

struct UdpView {
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    uint16_t length = 0;    // header + payload, as on the wire
    uint16_t checksum = 0;  // 0 = none (IPv4 only)
    ByteSpan datagram;      // header + payload, trimmed to length
    ByteSpan payload;
};

/// Checks the length field against the IP payload; checksums are checked separately because
/// they need the IP addresses.
Result<UdpView, Error> parse_udp(ByteSpan segment) noexcept;
/// The same, into `u` in place (the fast path's form: no copy of the view); false sets `why`.
bool parse_udp(ByteSpan segment, UdpView& u, Error& why) noexcept;

/// A zero checksum means "not computed" on IPv4 (RFC 768) and is invalid on IPv6 (RFC 8200 §8.1).
bool udp_checksum_ok_v4(const UdpView& u, Ipv4Addr src, Ipv4Addr dst) noexcept;
bool udp_checksum_ok_v6(const UdpView& u, const Ipv6Addr& src, const Ipv6Addr& dst) noexcept;

/// Fills the checksum of a complete datagram in place (0 is sent as 0xffff).
void udp_fill_checksum_v4(MutableByteSpan datagram, Ipv4Addr src, Ipv4Addr dst) noexcept;
void udp_fill_checksum_v6(MutableByteSpan datagram, const Ipv6Addr& src,
                          const Ipv6Addr& dst) noexcept;

}  // namespace tern::wire
