// The data plane's host stack for one port on one lcore: ARP, IPv4, IPv6 with Neighbor
// Discovery, ICMP/ICMPv6 echo, UDP demultiplexing to services (STUN Binding today), and the
// decision of what goes to the kernel through the exception path.
//
// Pure packet logic: it works on a byte buffer in place and knows nothing of mbufs, so unit
// tests drive it without DPDK. The worker lcore owns one Stack per port.
#pragma once

#include "common/config.hpp"
#include "common/shm/counters.hpp"
#include "common/wire/icmp6.hpp"
#include "common/wire/ipv6.hpp"
#include "dataplane/stack/interface.hpp"
#include "dataplane/stack/neighbor_table.hpp"
#include "dataplane/stack/stun_binding_service.hpp"

#include <array>
#include <cstdint>

namespace tern::dp {

enum class Verdict : uint8_t {
    Transmit,  // the frame was rewritten in place into a reply: send it on the same port
    ToKernel,  // not ours to answer: hand it unchanged to the kernel via the exception path
    Drop,      // counted under a drop_* counter
    Consumed,  // handled, nothing to send
};

/// A frame in a buffer that may grow up to `room` bytes.
struct Frame {
    std::byte* data;
    uint32_t len;
    uint32_t room;
};

class Stack {
public:
    /// All references are borrowed and outlive the Stack (they are lcore-local too).
    Stack(const Interface& ifc, const ServicesConfig& services, NeighborTable& neighbors,
          shm::LcoreCounters& counters) noexcept;

    Verdict handle(Frame& f, uint64_t now) noexcept;

    /// Builds a broadcast ARP request for `target` (to resolve a next hop); returns its length.
    std::size_t write_arp_request(MutableByteSpan out, wire::Ipv4Addr target) const noexcept;
    /// Builds a Neighbor Solicitation to the target's solicited-node group.
    std::size_t write_neighbor_solicitation(MutableByteSpan out,
                                            const wire::Ipv6Addr& target) const noexcept;

    [[nodiscard]] const Interface& interface() const noexcept { return ifc_; }
    [[nodiscard]] NeighborTable& neighbors() noexcept { return neighbors_; }

private:
    struct Eth;
    Verdict handle_arp(Frame& f, const Eth& eth, uint64_t now) noexcept;
    Verdict handle_ipv4(Frame& f, const Eth& eth) noexcept;
    Verdict handle_ipv6(Frame& f, const Eth& eth, uint64_t now) noexcept;
    Verdict handle_nd(Frame& f, const Eth& eth, const wire::Ipv6View& ip,
                      const wire::Icmp6View& m, uint64_t now) noexcept;
    /// Demultiplexes a checksum-verified UDP payload addressed to us by destination port.
    Verdict handle_udp(Frame& f, const Eth& eth, const wire::Endpoint& local,
                       const wire::Endpoint& peer, ByteSpan payload) noexcept;
    Verdict udp_reply(Frame& f, const Eth& eth, const wire::Endpoint& local,
                      const wire::Endpoint& peer, ByteSpan payload) noexcept;
    void count(shm::Counter c) noexcept;

    const Interface& ifc_;
    const ServicesConfig& services_;
    NeighborTable& neighbors_;
    shm::LcoreCounters& counters_;
    StunBindingService stun_;
    alignas(64) std::array<std::byte, 1500> scratch_{};  // reply payloads; lcore-local
};

}  // namespace tern::dp
