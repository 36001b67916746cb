// Frame builders shared by the load generator and the microbenchmarks.
#pragma once

#include "common/byte_reader.hpp"
#include "common/wire/ethernet.hpp"
#include "common/wire/ipv4.hpp"
#include "common/wire/udp.hpp"

#include <vector>

namespace tern::perf {

/// Ethernet + IPv4 + UDP around `payload`, checksums filled in.
inline std::vector<std::byte> udp4_frame(const wire::MacAddr& dst_mac, const wire::MacAddr& src_mac,
                                         wire::Ipv4Addr src, uint16_t sport, wire::Ipv4Addr dst,
                                         uint16_t dport, ByteSpan payload) {
    std::vector<std::byte> f(42 + payload.size());
    ByteWriter w{f};
    wire::write_ethernet(w, dst_mac, src_mac, wire::kEtherTypeIpv4);
    wire::write_ipv4(w, src, dst, wire::kIpProtoUdp, static_cast<uint16_t>(8 + payload.size()));
    w.u16be(sport);
    w.u16be(dport);
    w.u16be(static_cast<uint16_t>(8 + payload.size()));
    w.u16be(0);
    w.bytes(payload);
    wire::udp_fill_checksum_v4(MutableByteSpan{f}.subspan(34), src, dst);
    return f;
}

}  // namespace tern::perf
