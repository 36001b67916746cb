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
#include "common/wire/udp.hpp"
#include "dataplane/stack/interface.hpp"
#include "dataplane/stack/neighbor_table.hpp"
#include "dataplane/stack/stun_binding_service.hpp"
#include "dataplane/sfu/sfu.hpp"
#include "dataplane/turn/turn_server.hpp"

#include <array>
#include <cstdint>

namespace tern::dp {

enum class Verdict : uint8_t {
    Transmit,  // the frame was rewritten in place into a reply: send it on the same port
    ToKernel,  // not ours to answer: hand it unchanged to the kernel via the exception path
    Drop,      // counted under a drop_* counter
    Consumed,  // handled, nothing to send
    Punt,      // for the control plane (DTLS on the media port): the frame goes on the punt ring
    Handoff,   // UDP to a port another worker owns: the unchanged frame goes to handoff_target()
};

/// A frame in a buffer: `len` bytes at `data`, which may grow up to `room` bytes from `data`
/// and move back by up to `headroom` bytes (an mbuf's headroom), e.g. to prepend headers.
struct Frame {
    std::byte* data;
    uint32_t len;
    uint32_t room;
    uint32_t headroom = 0;
};

/// Where messages for TURN clients connected over TCP/TLS go: the control plane holds those
/// connections, so the worker hands the bytes to its punt ring. False means they were dropped.
class StreamSink {
public:
    virtual bool write(uint64_t stream, ByteSpan message) noexcept = 0;

protected:
    ~StreamSink() = default;
};

class Stack {
public:
    /// All references are borrowed and outlive the Stack (they are lcore-local too). `turn` may
    /// be null (TURN off). Timestamps passed to handle() tick `ticks_per_s` times a second.
    Stack(const Interface& ifc, const ServicesConfig& services, NeighborTable& neighbors,
          shm::LcoreCounters& counters, TurnServer* turn = nullptr,
          uint64_t ticks_per_s = 1) noexcept;

    Verdict handle(Frame& f, uint64_t now) noexcept;

    /// Steering in software (what rte_flow rules do on NICs that have them): with several
    /// workers, UDP to another worker's media port or relay port slice is handed to it.
    void set_owner(uint32_t self, uint32_t n_workers) noexcept;
    /// The worker a Handoff verdict names.
    [[nodiscard]] uint32_t handoff_target() const noexcept { return handoff_to_; }

    /// One framed message (STUN or ChannelData without padding) from a TURN client's TCP/TLS
    /// connection `stream`, held by the control plane: `f` holds just the message, with headroom
    /// for headers. Relayed data leaves as a UDP frame (Transmit); answers go to the sink.
    Verdict handle_stream(Frame& f, uint64_t stream, const wire::Endpoint& client,
                          const wire::Endpoint& server, uint64_t now) noexcept;
    void set_stream_sink(StreamSink* sink) noexcept { sink_ = sink; }
    /// The SFU engine serving `sfu->port()` on this port's addresses (null: no SFU).
    void set_sfu(sfu::Sfu* sfu) noexcept;

    /// Makes `len` bytes at `payload` (inside `f`'s buffer, with headroom) a UDP frame from `src`
    /// to `dst`. A `dst` that is one of our TURN relayed addresses (a client reaching the SFU
    /// through TURN) is handed to the relay instead, which sends it on to that client.
    Verdict emit_media(Frame& f, std::byte* payload, std::size_t len, const wire::MacAddr& mac,
                       const wire::Endpoint& src, const wire::Endpoint& dst, uint64_t now) noexcept;

    /// Builds a broadcast ARP request for `target` (to resolve a next hop); returns its length.
    std::size_t write_arp_request(MutableByteSpan out, wire::Ipv4Addr target) const noexcept;
    /// Builds a Neighbor Solicitation to the target's solicited-node group.
    std::size_t write_neighbor_solicitation(MutableByteSpan out,
                                            const wire::Ipv6Addr& target) const noexcept;

    /// When a relayed packet was dropped for want of a next-hop MAC, writes the ARP request or
    /// neighbor solicitation to send (once per retry interval); returns its length or 0.
    std::size_t take_solicitation(MutableByteSpan out, uint64_t now) noexcept;
    [[nodiscard]] bool has_solicitation() const noexcept { return n_solicit_ != 0; }

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
                       const wire::Endpoint& peer, ByteSpan payload,
                       std::optional<uint64_t> payload_sum = std::nullopt) noexcept;
    /// TURN traffic whose payload is relayed unread (ChannelData, datagrams to relay ports).
    [[nodiscard]] bool relayed(const wire::UdpView& u) const noexcept;
    static uint64_t derived_payload_sum(const wire::UdpView& u, uint64_t pseudo) noexcept;
    Verdict turn_emit(Frame& f, const Eth& eth, const TurnAction& act, uint64_t now) noexcept;
    /// Client-bound TURN traffic of a TCP/TLS client: `len` bytes at `msg` (inside the frame's
    /// buffer) padded to four bytes (§12.5) and handed to the sink.
    Verdict to_stream(Frame& f, uint64_t stream, const std::byte* msg, std::size_t len,
                      std::size_t data_bytes) noexcept;
    /// Writes Ethernet/IP/UDP headers right before `payload` (which lies inside the frame's
    /// buffer) and makes the frame that datagram.
    /// `payload_sum`, when known, is the ones'-complement sum of the payload region (as if it
    /// started at an even offset): the checksum is then computed without reading the payload.
    Verdict emit_udp_before(Frame& f, std::byte* payload, std::size_t len, const wire::MacAddr& dst_mac,
                            const wire::Endpoint& src, const wire::Endpoint& dst,
                            std::optional<uint64_t> payload_sum = std::nullopt) noexcept;
    std::optional<wire::MacAddr> next_hop_mac(const wire::Endpoint& dst, uint64_t now) noexcept;
    /// Passed as the payload sum to emit_udp_before: an IPv4 datagram without a UDP checksum.
    static constexpr uint64_t kNoUdpChecksum = ~uint64_t{0};
    Verdict udp_reply(Frame& f, const Eth& eth, const wire::Endpoint& local,
                      const wire::Endpoint& peer, ByteSpan payload) noexcept;
    void count(shm::Counter c, uint64_t n = 1) noexcept;

    const Interface& ifc_;
    const ServicesConfig& services_;
    NeighborTable& neighbors_;
    shm::LcoreCounters& counters_;
    StunBindingService stun_;
    TurnServer* turn_;  // borrowed, lcore-local; null when TURN is off
    sfu::Sfu* sfu_ = nullptr;  // borrowed, lcore-local; null when the SFU is off
    uint32_t self_ = 0;
    PortPlan plan_;  // rebuilt by set_owner()
    uint32_t handoff_to_ = 0;
    /// A relayed datagram for our own SFU port: the SFU sees the relayed address as the client.
    Verdict turn_to_sfu(Frame& f, const Eth& eth, const TurnAction& act, uint64_t now) noexcept;
    /// Frames `payload` as a datagram from `src` to `dst` (both ours) and hands it to `owner`.
    Verdict handoff_udp(Frame& f, std::byte* payload, std::size_t len, const wire::Endpoint& src,
                        const wire::Endpoint& dst, uint32_t owner) noexcept;
    [[nodiscard]] uint64_t now_us() const noexcept {
        return now_ / ticks_per_s_ * 1'000'000 + now_ % ticks_per_s_ * 1'000'000 / ticks_per_s_;
    }
    StreamSink* sink_ = nullptr;  // borrowed; null when no control plane carries TCP/TLS clients
    uint64_t ticks_per_s_;
    // Next hops to solicit, queued while handling a frame and sent by the worker after it.
    struct Solicit {
        bool v6 = false;
        wire::Ipv4Addr v4;
        wire::Ipv6Addr ip6;
    };
    std::array<Solicit, 8> solicit_{};
    uint8_t n_solicit_ = 0;
    uint64_t indication_txid_ = 0x9e3779b97f4a7c15ULL;
    uint64_t now_ = 0;  // timestamp of the frame being handled
    alignas(64) std::array<std::byte, 1500> scratch_{};  // reply payloads; lcore-local
};

}  // namespace tern::dp
