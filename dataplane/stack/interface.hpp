// The addresses the data plane owns on one port. Immutable once the lcores start.
#pragma once

#include "common/wire/addr.hpp"

#include <cstdint>
#include <optional>

namespace tern::dp {

struct Interface {
    uint16_t port_id = 0;  // DPDK port id of the wire side
    wire::MacAddr mac;
    std::optional<wire::Prefix<wire::Ipv4Addr>> ipv4;
    std::optional<wire::Prefix<wire::Ipv6Addr>> ipv6;
    wire::Ipv6Addr link_local;               // fe80::/64 from the MAC
    std::optional<wire::Ipv4Addr> gateway4;  // next hops kept resolved by the workers
    std::optional<wire::Ipv6Addr> gateway6;

    [[nodiscard]] bool owns_v4(wire::Ipv4Addr a) const noexcept { return ipv4 && ipv4->addr == a; }
    [[nodiscard]] bool owns_v6(const wire::Ipv6Addr& a) const noexcept {
        return (ipv6 && ipv6->addr == a) || a == link_local;
    }
    [[nodiscard]] bool in_subnet_v4(wire::Ipv4Addr a) const noexcept {
        if (!ipv4 || ipv4->len == 0) {
            return ipv4.has_value();
        }
        const uint32_t mask = ipv4->len >= 32 ? 0xffffffffU : ~(0xffffffffU >> ipv4->len);
        return (a.v & mask) == (ipv4->addr.v & mask);
    }
    [[nodiscard]] bool in_subnet_v6(const wire::Ipv6Addr& a) const noexcept {
        if (!ipv6) {
            return false;
        }
        const std::size_t full = ipv6->len / 8;
        for (std::size_t i = 0; i < full; ++i) {
            if (a.b[i] != ipv6->addr.b[i]) {
                return false;
            }
        }
        const unsigned rest = ipv6->len % 8;
        return rest == 0 || ((a.b[full] ^ ipv6->addr.b[full]) & (0xff << (8 - rest)) & 0xff) == 0;
    }
};

}  // namespace tern::dp
