// The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-header sums (RFC 768, RFC 8200 §8.1).
#pragma once

#include "common/byte_reader.hpp"
#include "common/wire/addr.hpp"

#include <cstdint>

namespace tern::wire {

/// Adds the 16-bit big-endian words of `data` to `sum`. Only the last chunk may be odd-sized.
uint64_t checksum_add(ByteSpan data, uint64_t sum = 0) noexcept;

/// Folds a running sum to 16 bits and complements it: the value to store in a checksum field.
uint16_t checksum_finish(uint64_t sum) noexcept;

/// Sum of the IPv4 pseudo-header for an upper-layer packet of `length` bytes.
uint64_t pseudo_header_v4(Ipv4Addr src, Ipv4Addr dst, uint8_t protocol, uint32_t length) noexcept;

/// Sum of the IPv6 pseudo-header for an upper-layer packet of `length` bytes.
uint64_t pseudo_header_v6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t next_header,
                          uint32_t length) noexcept;

/// True when data whose checksum field is filled in sums to 0xffff (i.e. verifies).
inline bool checksum_verifies(ByteSpan data, uint64_t initial = 0) noexcept {
    return checksum_finish(checksum_add(data, initial)) == 0;
}

}  // namespace tern::wire
