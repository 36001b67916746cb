#include "common/wire/ethernet.hpp"

namespace tern::wire {

Result<EthernetView, Error> parse_ethernet(ByteSpan frame) noexcept {
    ByteReader r{frame};
    EthernetView v;
    r.copy_to(v.dst.b);
    r.copy_to(v.src.b);
    v.ether_type = r.u16be();
    // At most two tags (802.1ad outer, 802.1Q inner); a third is refused rather than walked.
    while (r.ok() && (v.ether_type == kEtherTypeVlan || v.ether_type == kEtherTypeQinQ)) {
        if (v.vlan_count == 2) {
            return unexpected(Error::Unsupported);
        }
        v.vlan_tci = r.u16be();
        v.ether_type = r.u16be();
        ++v.vlan_count;
    }
    if (!r.ok()) {
        return unexpected(Error::Truncated);
    }
    if (v.ether_type < 0x0600) {
        return unexpected(Error::Unsupported);  // 802.3 length field (LLC), not Ethernet II
    }
    v.header_len = r.offset();
    v.payload = r.rest();
    return v;
}

void write_ethernet(ByteWriter& w, const MacAddr& dst, const MacAddr& src,
                    uint16_t ether_type) noexcept {
    w.bytes(as_bytes(dst.b.data(), 6));
    w.bytes(as_bytes(src.b.data(), 6));
    w.u16be(ether_type);
}

}  // namespace tern::wire
