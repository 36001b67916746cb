// Ethernet II frames with up to two VLAN tags (802.1Q, 802.1ad).
#pragma once

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/error.hpp"

namespace tern::wire {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;
inline constexpr uint16_t kEtherTypeQinQ = 0x88a8;
inline constexpr std::size_t kEthernetHeaderLen = 14;

struct EthernetView {
    MacAddr dst;
    MacAddr src;
    uint16_t ether_type = 0;     // of the payload, after any VLAN tags
    uint8_t vlan_count = 0;      // 0, 1 or 2
    uint16_t vlan_tci = 0;       // innermost tag's TCI when vlan_count > 0
    std::size_t header_len = 0;  // 14, 18 or 22
    ByteSpan payload;
};

Result<EthernetView, Error> parse_ethernet(ByteSpan frame) noexcept;

/// Writes an untagged header.
void write_ethernet(ByteWriter& w, const MacAddr& dst, const MacAddr& src,
                    uint16_t ether_type) noexcept;

}  // namespace tern::wire
