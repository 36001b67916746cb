// The data plane's host stack for one port on one lcore, L2 to L4: Ethernet, ARP, IPv4, IPv6
// with Neighbor Discovery, ICMP/ICMPv6 echo, UDP, and the decision of what goes to the kernel
// through the exception path (TCP and what the fast path does not answer). A UDP datagram for
// one of our addresses is delivered to the caller, which decides which service takes it
// (dataplane/lcore/dispatch.hpp); the stack also writes the headers of what services send.
//
// Pure packet logic: it works on a byte buffer in place and knows nothing of mbufs or of the
// services above it, so unit tests drive it without DPDK. Lcore-local.
#pragma once

#include "common/byte_reader.hpp"
#include "common/shm/counters.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/icmp6.hpp"
#include "common/wire/ipv6.hpp"
#include "common/wire/stun/stun_message.hpp"  // wire::Endpoint
#include "common/wire/udp.hpp"
#include "dataplane/stack/frame.hpp"
#include "dataplane/stack/interface.hpp"
#include "dataplane/stack/neighbor_table.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace tern::dp {

/// A UDP datagram to one of our addresses, as the stack found it in a frame (Verdict::Deliver).
/// Its checksum is not verified yet: the caller first decides whether the payload is relayed
/// unread, and then takes payload_sum() instead of checksum_ok().
struct Datagram {
    wire::Endpoint local;     // our address and port
    wire::Endpoint peer;      // the sender
    wire::MacAddr peer_mac;   // the frame's Ethernet source
    MutableByteSpan payload;  // inside the frame
    std::size_t l2_len = 0;   // Ethernet header length, VLAN tags included
    wire::UdpView udp;
};

class HostStack {
public:
    /// All references are borrowed, lcore-local and outlive the stack.
    HostStack(const Interface& ifc, NeighborTable& neighbors, shm::LcoreCounters& counters) noexcept
        : ifc_(ifc), neighbors_(neighbors), counters_(counters) {}

    /// Answers ARP, ND and echo requests in place, drops what is malformed or not ours (counted),
    /// passes the kernel's traffic on; Deliver fills `d` with a UDP datagram for us.
    Verdict handle(Frame& f, uint64_t now, Datagram& d) noexcept;

    /// The datagram's UDP checksum (RFC 768; mandatory over IPv6) is right or absent.
    [[nodiscard]] static bool checksum_ok(const Datagram& d) noexcept;
    /// The ones'-complement sum of the payload, derived from the checksum without reading the
    /// payload (a valid datagram sums to 0xffff). Only for a datagram with a checksum; a corrupt
    /// one keeps its error through the relay and its receiver drops it (RFC 1624 style).
    [[nodiscard]] static uint64_t payload_sum(const Datagram& d) noexcept;

    /// Rewrites the frame `d` came in into a datagram from `d.local` back to `d.peer` carrying
    /// `payload` (which may lie anywhere).
    Verdict udp_reply(Frame& f, const Datagram& d, ByteSpan payload) noexcept;

    /// Passed as the payload sum to emit_udp_before: an IPv4 datagram without a UDP checksum.
    static constexpr uint64_t kNoUdpChecksum = ~uint64_t{0};
    /// Writes Ethernet/IP/UDP headers right before `payload` (which lies inside the frame's
    /// buffer) and makes the frame that datagram. `payload_sum`, when known, is the
    /// ones'-complement sum of the payload region (as if it started at an even offset): the
    /// checksum is then computed without reading the payload.
    Verdict emit_udp_before(Frame& f, std::byte* payload, std::size_t len,
                            const wire::MacAddr& dst_mac, const wire::Endpoint& src,
                            const wire::Endpoint& dst,
                            std::optional<uint64_t> payload_sum = std::nullopt) noexcept;

    /// The MAC of the next hop towards `dst` (on our subnet, or the gateway), when resolved;
    /// otherwise a solicitation is queued (see take_solicitation).
    std::optional<wire::MacAddr> next_hop_mac(const wire::Endpoint& dst, uint64_t now) noexcept;
    /// When a frame was dropped for want of a next-hop MAC, writes the ARP request or neighbor
    /// solicitation to send (once per retry interval); returns its length or 0.
    std::size_t take_solicitation(MutableByteSpan out, uint64_t now) noexcept;
    [[nodiscard]] bool has_solicitation() const noexcept { return n_solicit_ != 0; }

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
    Verdict handle_ipv4(Frame& f, const Eth& eth, Datagram& d) noexcept;
    Verdict handle_ipv6(Frame& f, const Eth& eth, uint64_t now, Datagram& d) noexcept;
    Verdict handle_nd(Frame& f, const Eth& eth, const wire::Ipv6View& ip, const wire::Icmp6View& m,
                      uint64_t now) noexcept;
    void count(shm::Counter c, uint64_t n = 1) noexcept {
        shm::bump(counters_.v[static_cast<std::size_t>(c)], n);
    }

    const Interface& ifc_;
    NeighborTable& neighbors_;
    shm::LcoreCounters& counters_;
    // Next hops to solicit, queued while handling a frame and sent by the worker after it.
    struct Solicit {
        bool v6 = false;
        wire::Ipv4Addr v4;
        wire::Ipv6Addr ip6;
    };
    std::array<Solicit, 8> solicit_{};
    uint8_t n_solicit_ = 0;
};

}  // namespace tern::dp
