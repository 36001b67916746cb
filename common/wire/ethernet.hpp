// Ethernet II frames with up to two VLAN tags (802.1Q, 802.1ad).
#pragma once

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/error.hpp"

#include <cstring>

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

/// Parses into `v` in place: the fast path's form. Inline, it runs first on every frame; building
/// the view where it is used avoids copying a freshly written struct (a store-forwarding stall
/// per copy). False with `why` set when the frame is refused.
inline bool parse_ethernet(ByteSpan frame, EthernetView& v, Error& why) noexcept {
    if (frame.size() < kEthernetHeaderLen) {
        why = Error::Truncated;
        return false;
    }
    std::memcpy(v.dst.b.data(), frame.data(), 6);
    std::memcpy(v.src.b.data(), frame.data() + 6, 6);
    v.ether_type = load_u16be(frame.data() + 12);
    v.vlan_count = 0;
    v.vlan_tci = 0;
    std::size_t off = kEthernetHeaderLen;
    // At most two tags (802.1ad outer, 802.1Q inner); a third is refused rather than walked.
    while (v.ether_type == kEtherTypeVlan || v.ether_type == kEtherTypeQinQ) {
        if (v.vlan_count == 2) {
            why = Error::Unsupported;
            return false;
        }
        if (frame.size() < off + 4) {
            why = Error::Truncated;
            return false;
        }
        v.vlan_tci = load_u16be(frame.data() + off);
        v.ether_type = load_u16be(frame.data() + off + 2);
        off += 4;
        ++v.vlan_count;
    }
    if (v.ether_type < 0x0600) {
        why = Error::Unsupported;  // 802.3 length field (LLC), not Ethernet II
        return false;
    }
    v.header_len = off;
    v.payload = frame.subspan(off);
    return true;
}

inline Result<EthernetView, Error> parse_ethernet(ByteSpan frame) noexcept {
    EthernetView v;
    Error why{};
    if (!parse_ethernet(frame, v, why)) {
        return unexpected(why);
    }
    return v;
}

/// Writes an untagged header.
void write_ethernet(ByteWriter& w, const MacAddr& dst, const MacAddr& src,
                    uint16_t ether_type) noexcept;

}  // namespace tern::wire
