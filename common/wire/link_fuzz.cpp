// libFuzzer target: Ethernet and ARP parsers.
#include "common/wire/arp.hpp"
#include "common/wire/ethernet.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const tern::ByteSpan in = tern::as_bytes(data, size);
    volatile uint64_t sink = 0;
    if (auto e = tern::wire::parse_ethernet(in)) {
        sink = sink + e->ether_type + e->payload.size() + e->vlan_tci;
        for (std::byte b : e->payload) {
            sink = sink + std::to_integer<uint8_t>(b);
        }
        if (auto a = tern::wire::parse_arp(e->payload)) {
            sink = sink + a->op + a->spa.v + a->tpa.v + a->sha.b[5];
        }
    }
    return 0;
}
