#include "dataplane/lcore/packet_path.hpp"

#include <cstring>

namespace tern::dp {

using shm::Counter;
using Kind = TurnAction::Kind;

PacketPath::PacketPath(const Interface& ifc, const ServicesConfig& services,
                       NeighborTable& neighbors, shm::LcoreCounters& counters, TurnServer* turn,
                       uint64_t ticks_per_s) noexcept
    : stack_(ifc, neighbors, counters), services_(services), counters_(counters), stun_(services),
      framing_(counters), turn_(turn), ticks_per_s_(ticks_per_s == 0 ? 1 : ticks_per_s) {
    set_owner(0, 1);
}

void PacketPath::set_owner(uint32_t self, uint32_t n_workers) noexcept {
    dispatch_.set_plan(
        self, PortPlan{services_, turn_ != nullptr ? &turn_->config() : nullptr, n_workers});
    set_sfu(sfu_);
}

void PacketPath::set_sfu(sfu::Sfu* sfu) noexcept {
    sfu_ = sfu;
    dispatch_.set_services(turn_, sfu);
    if (turn_ != nullptr && sfu != nullptr) {
        turn_->set_port_plan(
            dispatch_.plan());  // clients may relay to it (TURN in front of the SFU)
    }
}

Verdict PacketPath::handle(Frame& f, uint64_t now) noexcept {
    now_ = now;
    const Verdict v = stack_.handle(f, now, dgram_);
    return v == Verdict::Deliver ? deliver(f, dgram_) : v;
}

Verdict PacketPath::deliver(Frame& f, Datagram& d) noexcept {
    const Route r = dispatch_.route(d.local.port, d.payload);
    std::optional<uint64_t> payload_sum;
    if (r.relayed && d.udp.checksum != 0) {
        payload_sum = HostStack::payload_sum(d);
    } else if (!HostStack::checksum_ok(d)) {
        count(Counter::DropUdpChecksum);
        return Verdict::Drop;
    }
    switch (r.service) {
    case Service::Handoff: handoff_to_ = r.owner; return Verdict::Handoff;
    case Service::Sfu:
        switch (sfu_->on_datagram(d.payload.data(), d.payload.size(), d.peer, d.local, d.peer_mac,
                                  now_us())) {
        case sfu::Sfu::Outcome::Reply: return reply(f, d, sfu_->reply());
        case sfu::Sfu::Outcome::Consumed: return Verdict::Consumed;
        case sfu::Sfu::Outcome::Drop: return Verdict::Drop;
        }
        return Verdict::Drop;
    case Service::TurnClient:
        return turn_emit(
            f, &d, turn_->on_client(d.payload, d.peer, d.local, d.peer_mac, now_s(), payload_sum));
    case Service::TurnPeer:
        return turn_emit(f, &d, turn_->on_peer(d.payload, d.peer, d.local, now_s(), payload_sum));
    case Service::StunBinding: {
        std::size_t n = 0;
        switch (stun_.handle(d.payload, d.peer, scratch_, n, counters_)) {
        case StunBindingService::Outcome::Reply: return reply(f, d, ByteSpan{scratch_}.first(n));
        case StunBindingService::Outcome::Silent: return Verdict::Consumed;
        case StunBindingService::Outcome::Drop: return Verdict::Drop;
        }
        return Verdict::Drop;
    }
    case Service::Kernel: break;
    }
    return Verdict::ToKernel;  // SIP on 5060 and every other port belong to the kernel
}

Verdict PacketPath::reply(Frame& f, const Datagram& d, ByteSpan payload) noexcept {
    const Verdict v = stack_.udp_reply(f, d, payload);
    if (v == Verdict::Transmit && dispatch_.plan().workers() > 1 && turn_ != nullptr &&
        turn_->is_hairpin(d.peer)) {
        // An answer to one of our relayed addresses (a client behind another worker's TURN
        // allocation, its datagram handed over): that worker sends it on, not the wire.
        if (const uint32_t owner = dispatch_.other_owner(d.peer.port); owner != kNoWorker) {
            handoff_to_ = owner;
            return Verdict::Handoff;
        }
    }
    return v;
}

Verdict PacketPath::handoff_udp(Frame& f, std::byte* payload, std::size_t len,
                                const wire::Endpoint& src, const wire::Endpoint& dst,
                                uint32_t owner) noexcept {
    // A datagram from one of our addresses to another, for a port another worker owns: framed
    // as if it came from the wire, and handed over.
    const Verdict v =
        stack_.emit_udp_before(f, payload, len, stack_.interface().mac, src, dst,
                               dst.is_v6 ? std::nullopt : std::optional{HostStack::kNoUdpChecksum});
    if (v != Verdict::Transmit) {
        return v;
    }
    handoff_to_ = owner;
    return Verdict::Handoff;
}

Verdict PacketPath::turn_emit(Frame& f, const Datagram* in, const TurnAction& act) noexcept {
    switch (act.kind) {
    case Kind::None: return Verdict::Drop;
    case Kind::Reply:
        if (act.resolve_hint) {
            (void)stack_.next_hop_mac(*act.resolve_hint, now_);
        }
        if (act.stream != 0) {
            const ByteSpan r = turn_->reply();
            return framing_.to_stream(f, act.stream, r.data(), r.size(), 0);
        }
        return in != nullptr ? reply(f, *in, turn_->reply())
                             : Verdict::Drop;  // replies answer a datagram
    case Kind::ToPeer: {
        if ((sfu_ != nullptr && turn_->is_local_media(act.dst)) || turn_->is_hairpin(act.dst)) {
            return turn_to_local(f, act);
        }
        auto mac = stack_.next_hop_mac(act.dst, now_);
        if (!mac) {
            count(Counter::TurnDropUnresolved);
            return Verdict::Drop;
        }
        const Verdict v =
            stack_.emit_udp_before(f, const_cast<std::byte*>(act.data.data()), act.data.size(),
                                   *mac, act.src, act.dst, act.data_sum);
        if (v == Verdict::Transmit) {
            count_to_peer(act.data.size());
        }
        return v;
    }
    case Kind::ToClientChannel:
    case Kind::ToClientIndication: {
        const auto m = framing_.to_client(f, act);
        if (!m) {
            return Verdict::Drop;
        }
        if (act.stream != 0) {
            return framing_.to_stream(f, act.stream, m->data, m->len, act.data.size());
        }
        const Verdict v =
            stack_.emit_udp_before(f, m->data, m->len, act.dst_mac, act.src, act.dst, m->sum);
        if (v == Verdict::Transmit) {
            count(Counter::TurnToClientPackets);
            count(Counter::TurnToClientBytes, act.data.size());
        }
        return v;
    }
    }
    return Verdict::Drop;
}

Verdict PacketPath::turn_to_local(Frame& f, const TurnAction& act) noexcept {
    auto* data = const_cast<std::byte*>(act.data.data());  // inside the frame we own
    if (sfu_ != nullptr && turn_->is_local_media(act.dst)) {
        if (sfu_->serves(act.dst.port)) {
            return turn_to_sfu(f, act);
        }
        // Another worker's SFU: it gets the datagram as if from the client's relayed address.
        count(Counter::SfuTurnHandoff);
        count_to_peer(act.data.size());
        return handoff_udp(f, data, act.data.size(), act.src, act.dst,
                           dispatch_.plan().owner(act.dst.port));
    }
    // Relay to relay inside the appliance: the datagram enters the other allocation as if it
    // came from the wire (from our relayed address), and never leaves the appliance.
    if (!turn_->owns_relay_port(act.dst.port)) {
        const uint32_t owner = dispatch_.other_owner(act.dst.port);
        if (owner == kNoWorker) {
            count(Counter::TurnDropNoAllocation);
            return Verdict::Drop;
        }
        count(Counter::TurnHairpinPackets);
        count_to_peer(act.data.size());
        return handoff_udp(f, data, act.data.size(), act.src, act.dst, owner);
    }
    count(Counter::TurnHairpinPackets);
    count_to_peer(act.data.size());
    const TurnAction inward = turn_->on_peer(act.data, act.src, act.dst, now_s(), act.data_sum);
    if (inward.kind == Kind::ToPeer) {
        return Verdict::Drop;  // never: on_peer only sends towards clients
    }
    return turn_emit(f, nullptr, inward);
}

Verdict PacketPath::turn_to_sfu(Frame& f, const TurnAction& act) noexcept {
    count(Counter::SfuTurnHandoff);
    count_to_peer(act.data.size());
    auto* p = const_cast<std::byte*>(act.data.data());  // inside the frame we own
    const auto outcome =
        sfu_->on_datagram(p, act.data.size(), act.src, act.dst, wire::MacAddr{}, now_us());
    if (outcome != sfu::Sfu::Outcome::Reply) {
        return outcome == sfu::Sfu::Outcome::Consumed ? Verdict::Consumed : Verdict::Drop;
    }
    // The ICE answer goes back through the relay: place it in this frame's buffer with room in
    // front for the client-bound headers, and let the allocation send it on.
    const ByteSpan r = sfu_->reply();
    std::byte* const begin = f.data - f.headroom;
    constexpr std::size_t kFront = 128;
    if (!f.holds(begin + kFront, r.size() + 4)) {
        count(Counter::DropNoMbuf);
        return Verdict::Drop;
    }
    std::memmove(begin + kFront, r.data(), r.size());
    const TurnAction back =
        turn_->on_peer(ByteSpan{begin + kFront, r.size()}, act.dst, act.src, now_s());
    if (back.kind == Kind::ToPeer) {
        return Verdict::Drop;
    }
    return turn_emit(f, nullptr, back);
}

Verdict PacketPath::handle_stream(Frame& f, uint64_t stream, const wire::Endpoint& client,
                                  const wire::Endpoint& server, uint64_t now) noexcept {
    now_ = now;
    const ByteSpan msg{f.data, f.len};
    if (turn_ == nullptr || !framing_.has_sink() || stream == 0) {
        count(Counter::DropNotLocal);
        return Verdict::Drop;
    }
    count(Counter::TurnStreamIn);
    if (msg.size() >= 2 && !for_turn_server(msg)) {  // a Binding request: the STUN service answers
        std::size_t n = 0;
        switch (stun_.handle(msg, client, scratch_, n, counters_)) {
        case StunBindingService::Outcome::Reply:
            return framing_.to_stream(f, stream, scratch_.data(), n,
                                      0);  // STUN lengths are multiples of 4
        case StunBindingService::Outcome::Silent: return Verdict::Consumed;
        case StunBindingService::Outcome::Drop: return Verdict::Drop;
        }
    }
    return turn_emit(
        f, nullptr,
        turn_->on_client(msg, client, server, wire::MacAddr{}, now_s(), std::nullopt, stream));
}

Verdict PacketPath::emit_media(Frame& f, std::byte* payload, std::size_t len,
                               const wire::MacAddr& mac, const wire::Endpoint& src,
                               const wire::Endpoint& dst, uint64_t now) noexcept {
    now_ = now;
    if (turn_ != nullptr && turn_->is_hairpin(dst)) {
        if (!turn_->owns_relay_port(dst.port)) {
            // A client relayed through another worker's allocation: that worker sends it on.
            const uint32_t owner = dispatch_.other_owner(dst.port);
            if (owner == kNoWorker) {
                count(Counter::TurnDropNoAllocation);
                return Verdict::Drop;
            }
            count(Counter::SfuTurnHandoff);
            return handoff_udp(f, payload, len, src, dst, owner);
        }
        count(Counter::SfuTurnHandoff);
        const TurnAction back = turn_->on_peer(ByteSpan{payload, len}, src, dst, now_s());
        if (back.kind == Kind::ToPeer) {
            return Verdict::Drop;
        }
        return turn_emit(f, nullptr, back);
    }
    if (!dst.is_v6) {
        // SRTP and SRTCP carry their own authentication tag over every byte that matters, so an
        // IPv4 UDP checksum (optional, RFC 768) would only re-read the payload: it is left 0.
        // IPv6 requires one (RFC 8200 §8.1) and gets it.
        return stack_.emit_udp_before(f, payload, len, mac, src, dst, HostStack::kNoUdpChecksum);
    }
    return stack_.emit_udp_before(f, payload, len, mac, src, dst);
}

}  // namespace tern::dp
