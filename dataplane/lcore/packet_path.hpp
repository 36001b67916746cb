// What one worker lcore does with a frame of one port, without DPDK: the host stack (L2-L4),
// the dispatch of each UDP datagram for us to its service (dispatch.hpp), and carrying out
// what the service decided: STUN Binding answers, the SFU engine's outcome, TURN actions framed
// in place (turn_framing.hpp), relayed data handed between TURN and the SFU inside the
// appliance, and frames handed to the worker that owns their port. The worker applies the
// returned Verdict to the mbuf. docs/life-of-a-packet.md follows a packet through it.
//
// Lcore-local; the worker owns one per port. Unit tests drive it frame by frame.
#pragma once

#include "common/config.hpp"
#include "common/shm/counters.hpp"
#include "dataplane/lcore/dispatch.hpp"
#include "dataplane/sfu/sfu.hpp"
#include "dataplane/stack/frame.hpp"
#include "dataplane/stack/host_stack.hpp"
#include "dataplane/stack/stun_binding_service.hpp"
#include "dataplane/turn/turn_framing.hpp"
#include "dataplane/turn/turn_server.hpp"

#include <array>
#include <cstdint>

namespace tern::dp {

class PacketPath {
public:
    /// All references are borrowed and outlive the path (they are lcore-local too). `turn` may
    /// be null (TURN off). Timestamps passed to handle() tick `ticks_per_s` times a second.
    PacketPath(const Interface& ifc, const ServicesConfig& services, NeighborTable& neighbors,
               shm::LcoreCounters& counters, TurnServer* turn = nullptr,
               uint64_t ticks_per_s = 1) noexcept;

    Verdict handle(Frame& f, uint64_t now) noexcept;

    /// This lcore is worker `self` of `n_workers`: with several, UDP to a port another worker
    /// owns (PortPlan) is handed to it, as rte_flow rules would on NICs that have them.
    void set_owner(uint32_t self, uint32_t n_workers) noexcept;
    /// The worker a Handoff verdict names.
    [[nodiscard]] uint32_t handoff_target() const noexcept { return handoff_to_; }

    /// One framed message (STUN or ChannelData without padding) from a TURN client's TCP/TLS
    /// connection `stream`, held by the control plane: `f` holds just the message, with headroom
    /// for headers. Relayed data leaves as a UDP frame (Transmit); answers go to the sink.
    Verdict handle_stream(Frame& f, uint64_t stream, const wire::Endpoint& client,
                          const wire::Endpoint& server, uint64_t now) noexcept;
    void set_stream_sink(StreamSink* sink) noexcept { framing_.set_sink(sink); }
    /// The SFU engine serving on this port's addresses (null: no SFU).
    void set_sfu(sfu::Sfu* sfu) noexcept;

    /// Makes `len` bytes at `payload` (inside `f`'s buffer, with headroom) a UDP frame from `src`
    /// to `dst`. A `dst` that is one of our TURN relayed addresses (a client reaching the SFU
    /// through TURN) is handed to the relay instead, which sends it on to that client.
    Verdict emit_media(Frame& f, std::byte* payload, std::size_t len, const wire::MacAddr& mac,
                       const wire::Endpoint& src, const wire::Endpoint& dst, uint64_t now) noexcept;

    // Next-hop resolution, from the host stack.
    std::size_t write_arp_request(MutableByteSpan out, wire::Ipv4Addr target) const noexcept {
        return stack_.write_arp_request(out, target);
    }
    std::size_t write_neighbor_solicitation(MutableByteSpan out,
                                            const wire::Ipv6Addr& target) const noexcept {
        return stack_.write_neighbor_solicitation(out, target);
    }
    std::size_t take_solicitation(MutableByteSpan out, uint64_t now) noexcept {
        return stack_.take_solicitation(out, now);
    }
    [[nodiscard]] bool has_solicitation() const noexcept { return stack_.has_solicitation(); }
    [[nodiscard]] const Interface& interface() const noexcept { return stack_.interface(); }
    [[nodiscard]] NeighborTable& neighbors() noexcept { return stack_.neighbors(); }

private:
    /// Carries out the dispatch of a datagram the host stack delivered.
    Verdict deliver(Frame& f, Datagram& d) noexcept;
    /// A reply from `d.local` back to `d.peer`, handed to the owner when the peer is another
    /// worker's relayed address.
    Verdict reply(Frame& f, const Datagram& d, ByteSpan payload) noexcept;
    /// Carries out a TURN action; `in` is the datagram it answers (null: none, e.g. streams).
    Verdict turn_emit(Frame& f, const Datagram* in, const TurnAction& act) noexcept;
    /// Relayed data for another of our addresses: our SFU, another worker's, or another relay.
    Verdict turn_to_local(Frame& f, const TurnAction& act) noexcept;
    /// A relayed datagram for our own SFU port: the SFU sees the relayed address as the client.
    Verdict turn_to_sfu(Frame& f, const TurnAction& act) noexcept;
    /// Frames `payload` as a datagram from `src` to `dst` (both ours) and hands it to `owner`.
    Verdict handoff_udp(Frame& f, std::byte* payload, std::size_t len, const wire::Endpoint& src,
                        const wire::Endpoint& dst, uint32_t owner) noexcept;
    [[nodiscard]] uint64_t now_s() const noexcept { return now_ / ticks_per_s_; }
    [[nodiscard]] uint64_t now_us() const noexcept {
        return now_ / ticks_per_s_ * 1'000'000 + now_ % ticks_per_s_ * 1'000'000 / ticks_per_s_;
    }
    void count(shm::Counter c, uint64_t n = 1) noexcept {
        shm::bump(counters_.v[static_cast<std::size_t>(c)], n);
    }
    void count_to_peer(std::size_t bytes) noexcept {
        count(shm::Counter::TurnToPeerPackets);
        count(shm::Counter::TurnToPeerBytes, bytes);
    }

    HostStack stack_;
    Dispatch dispatch_;
    const ServicesConfig& services_;
    shm::LcoreCounters& counters_;
    StunBindingService stun_;
    TurnFraming framing_;
    TurnServer* turn_;         // borrowed, lcore-local; null when TURN is off
    sfu::Sfu* sfu_ = nullptr;  // borrowed, lcore-local; null when the SFU is off
    uint32_t handoff_to_ = 0;
    uint64_t ticks_per_s_;
    uint64_t now_ = 0;  // timestamp of the frame being handled
    /// The datagram of the frame being handled: a member rather than a local, so no frame pays
    /// for constructing one (zeroing its 128 bytes took ~30 cycles a frame).
    Datagram dgram_;
    alignas(64) std::array<std::byte, 1500> scratch_{};  // STUN Binding answers; lcore-local
};

}  // namespace tern::dp
