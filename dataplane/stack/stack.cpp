#include "dataplane/stack/stack.hpp"

#include "common/wire/arp.hpp"
#include "common/wire/checksum.hpp"
#include "common/wire/ethernet.hpp"
#include "common/wire/icmp4.hpp"
#include "common/wire/icmp6.hpp"
#include "common/wire/ipv4.hpp"
#include "common/wire/ipv6.hpp"
#include "common/wire/turn/channel_data.hpp"
#include "common/wire/udp.hpp"

#include <cstring>

namespace tern::dp {

using shm::Counter;
using wire::Error;

struct Stack::Eth {
    wire::EthernetView view;
};

Stack::Stack(const Interface& ifc, const ServicesConfig& services, NeighborTable& neighbors,
             shm::LcoreCounters& counters, TurnServer* turn, uint64_t ticks_per_s) noexcept
    : ifc_(ifc), services_(services), neighbors_(neighbors), counters_(counters),
      stun_(services), turn_(turn), plan_(services, turn != nullptr ? &turn->config() : nullptr, 1),
      ticks_per_s_(ticks_per_s == 0 ? 1 : ticks_per_s) {}

void Stack::count(Counter c, uint64_t n) noexcept {
    shm::bump(counters_.v[static_cast<std::size_t>(c)], n);
}

namespace {

constexpr wire::Ipv6Addr kAllNodes{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

void set_macs(std::byte* frame, const wire::MacAddr& dst, const wire::MacAddr& src) noexcept {
    std::memcpy(frame, dst.b.data(), 6);
    std::memcpy(frame + 6, src.b.data(), 6);
}

}  // namespace

Verdict Stack::handle(Frame& f, uint64_t now) noexcept {
    now_ = now;
    Eth eth;
    Error why{};
    if (!wire::parse_ethernet(ByteSpan{f.data, f.len}, eth.view, why)) [[unlikely]] {
        count(Counter::DropEthernet);
        return Verdict::Drop;
    }
    if (eth.view.dst != ifc_.mac && !eth.view.dst.is_multicast()) {
        count(Counter::DropNotForUs);  // promiscuous port: someone else's unicast
        return Verdict::Drop;
    }
    switch (eth.view.ether_type) {
    case wire::kEtherTypeIpv4: return handle_ipv4(f, eth);
    case wire::kEtherTypeIpv6: return handle_ipv6(f, eth, now);
    case wire::kEtherTypeArp: return handle_arp(f, eth, now);
    default: count(Counter::DropNotForUs); return Verdict::Drop;
    }
}

Verdict Stack::handle_arp(Frame& f, const Eth& eth, uint64_t now) noexcept {
    auto a = wire::parse_arp(eth.view.payload);
    if (!a) {
        count(Counter::DropArp);
        return Verdict::Drop;
    }
    if (!ifc_.ipv4) {
        count(Counter::DropNotForUs);
        return Verdict::Drop;
    }
    const bool for_us = ifc_.owns_v4(a->tpa);
    // RFC 826 merge: update a known sender; add it when the packet is addressed to us.
    const auto key = NeighborTable::key(a->spa);
    if (a->spa.v != 0 && !a->sha.is_zero()) {
        if (for_us) {
            neighbors_.learn(key, a->sha, now);
        } else {
            neighbors_.refresh_if_known(key, a->sha, now);
        }
    }
    if (a->op == wire::kArpReply) {
        count(Counter::ArpRepliesLearned);
        return for_us ? Verdict::ToKernel : Verdict::Consumed;  // the kernel resolves too
    }
    if (!for_us) {
        if (a->spa == a->tpa) {
            return Verdict::ToKernel;  // gratuitous ARP: let the kernel see address changes
        }
        count(Counter::DropNotForUs);
        return Verdict::Drop;
    }
    // Request for our address: reply in place (RFC 826, "swap hardware and protocol fields").
    wire::ArpView reply{wire::kArpReply, ifc_.mac, ifc_.ipv4->addr, a->sha, a->spa};
    set_macs(f.data, a->sha, ifc_.mac);
    ByteWriter w{MutableByteSpan{f.data + eth.view.header_len, wire::kArpLen}};
    wire::write_arp(w, reply);
    f.len = static_cast<uint32_t>(eth.view.header_len + wire::kArpLen);
    count(Counter::ArpRequestsAnswered);
    return Verdict::Transmit;
}

Verdict Stack::handle_ipv4(Frame& f, const Eth& eth) noexcept {
    wire::Ipv4View ipv;
    Error why{};
    const wire::Ipv4View* const ip = &ipv;
    if (!wire::parse_ipv4(eth.view.payload, ipv, why)) [[unlikely]] {
        switch (why) {
        case Error::Fragment: count(Counter::DropIpv4Fragment); break;
        case Error::BadChecksum: count(Counter::DropIpv4Checksum); break;
        default: count(Counter::DropIpv4Header); break;
        }
        return Verdict::Drop;
    }
    if (!ifc_.owns_v4(ip->dst)) {
        if (ip->dst.is_multicast() || ip->dst.is_broadcast()) {
            return Verdict::ToKernel;
        }
        count(Counter::DropNotForUs);
        return Verdict::Drop;
    }
    std::byte* l3 = f.data + eth.view.header_len;
    const std::size_t frame_len = eth.view.header_len + ip->total_length;

    if (ip->protocol == wire::kIpProtoUdp) {
        wire::UdpView uv;
        const wire::UdpView* const u = &uv;
        if (!wire::parse_udp(ip->payload, uv, why)) {
            count(Counter::DropUdpHeader);
            return Verdict::Drop;
        }
        std::optional<uint64_t> payload_sum;
        if (relayed(*u) && u->checksum != 0) {
            payload_sum = derived_payload_sum(
                *u, wire::pseudo_header_v4(ip->src, ip->dst, wire::kIpProtoUdp, u->length));
        } else if (!wire::udp_checksum_ok_v4(*u, ip->src, ip->dst)) {
            count(Counter::DropUdpChecksum);
            return Verdict::Drop;
        }
        return handle_udp(f, eth, wire::Endpoint::from_v4(ip->dst, u->dst_port),
                          wire::Endpoint::from_v4(ip->src, u->src_port), u->payload, payload_sum);
    }
    if (ip->protocol == wire::kIpProtoIcmp) {
        auto icmp = wire::parse_icmp4(ip->payload);
        if (!icmp) {
            count(Counter::DropIcmp);
            return Verdict::Drop;
        }
        if (icmp->type != wire::kIcmpEchoRequest || icmp->code != 0) {
            return Verdict::ToKernel;
        }
        // Echo reply in place: swap addresses, fresh TTL, type 0 (checksum updated incrementally).
        set_macs(f.data, eth.view.src, ifc_.mac);
        std::byte tmp[4];
        std::memcpy(tmp, l3 + 12, 4);
        std::memcpy(l3 + 12, l3 + 16, 4);
        std::memcpy(l3 + 16, tmp, 4);
        l3[8] = std::byte{64};
        store_u16be(l3 + 10, 0);
        store_u16be(l3 + 10, wire::checksum_finish(wire::checksum_add(ByteSpan{l3, ip->header_len})));
        wire::icmp4_echo_request_to_reply(MutableByteSpan{l3 + ip->header_len, ip->payload.size()});
        f.len = static_cast<uint32_t>(frame_len);
        count(Counter::Icmp4EchoAnswered);
        return Verdict::Transmit;
    }
    return Verdict::ToKernel;  // TCP and the rest belong to the kernel
}

Verdict Stack::handle_ipv6(Frame& f, const Eth& eth, uint64_t now) noexcept {
    auto ip = wire::parse_ipv6(eth.view.payload);
    if (!ip) [[unlikely]] {
        count(ip.error() == Error::Fragment ? Counter::DropIpv6Fragment : Counter::DropIpv6Header);
        return Verdict::Drop;
    }
    const bool unicast_to_us = ifc_.owns_v6(ip->dst);
    const bool our_group =
        ip->dst.is_multicast() &&
        ((ifc_.ipv6 && ip->dst == ifc_.ipv6->addr.solicited_node()) ||
         ip->dst == ifc_.link_local.solicited_node() ||
         ip->dst == kAllNodes);
    if (!unicast_to_us && !our_group) {
        if (ip->dst.is_multicast()) {
            return Verdict::ToKernel;  // MLD, router traffic and other groups
        }
        count(Counter::DropNotForUs);
        return Verdict::Drop;
    }
    if (ip->next_header == wire::kIpProtoIcmpv6) {
        auto icmp = wire::parse_icmp6(ip->payload, ip->src, ip->dst);
        if (!icmp) {
            count(Counter::DropIcmp);
            return Verdict::Drop;
        }
        if (icmp->type == wire::kIcmp6NeighborSolicitation ||
            icmp->type == wire::kIcmp6NeighborAdvertisement) {
            return handle_nd(f, eth, *ip, *icmp, now);
        }
        if (icmp->type == wire::kIcmp6EchoRequest && icmp->code == 0 && unicast_to_us) {
            // Reply from the address that was pinged; extension headers are not echoed.
            std::byte* l3 = f.data + eth.view.header_len;
            const std::size_t icmp_len = ip->payload.size();
            std::memmove(l3 + wire::kIpv6HeaderLen, ip->payload.data(), icmp_len);
            set_macs(f.data, eth.view.src, ifc_.mac);
            ByteWriter w{MutableByteSpan{l3, wire::kIpv6HeaderLen}};
            wire::write_ipv6(w, ip->dst, ip->src, wire::kIpProtoIcmpv6,
                             static_cast<uint16_t>(icmp_len), 64);
            wire::icmp6_echo_request_to_reply(MutableByteSpan{l3 + wire::kIpv6HeaderLen, icmp_len},
                                              ip->dst, ip->src);
            f.len = static_cast<uint32_t>(eth.view.header_len + wire::kIpv6HeaderLen + icmp_len);
            count(Counter::Icmp6EchoAnswered);
            return Verdict::Transmit;
        }
        return Verdict::ToKernel;
    }
    if (!unicast_to_us) {
        return Verdict::ToKernel;
    }
    if (ip->next_header == wire::kIpProtoUdp) {
        wire::UdpView uv;
        Error why{};
        const wire::UdpView* const u = &uv;
        if (!wire::parse_udp(ip->payload, uv, why)) {
            count(Counter::DropUdpHeader);
            return Verdict::Drop;
        }
        std::optional<uint64_t> payload_sum;
        if (relayed(*u) && u->checksum != 0) {
            payload_sum = derived_payload_sum(
                *u, wire::pseudo_header_v6(ip->src, ip->dst, wire::kIpProtoUdp, u->length));
        } else if (!wire::udp_checksum_ok_v6(*u, ip->src, ip->dst)) {
            count(Counter::DropUdpChecksum);
            return Verdict::Drop;
        }
        return handle_udp(f, eth, wire::Endpoint::from_v6(ip->dst, u->dst_port),
                          wire::Endpoint::from_v6(ip->src, u->src_port), u->payload, payload_sum);
    }
    return Verdict::ToKernel;
}

Verdict Stack::handle_nd(Frame& f, const Eth& eth, const wire::Ipv6View& ip,
                         const wire::Icmp6View& m, uint64_t now) noexcept {
    auto nd = wire::parse_neighbor_message(m, ip.src, ip.dst, ip.hop_limit);
    if (!nd) {
        count(Counter::DropNd);
        return Verdict::Drop;
    }
    if (m.type == wire::kIcmp6NeighborAdvertisement) {
        if (nd->link_addr) {
            neighbors_.learn(nd->target, *nd->link_addr, now);
        }
        count(Counter::NdAdvertisementsLearned);
        return Verdict::ToKernel;  // the kernel resolves its own neighbours too
    }
    if (!ifc_.owns_v6(nd->target)) {
        count(Counter::DropNotForUs);
        return Verdict::Drop;
    }
    const bool dad = ip.src.is_unspecified();
    if (!dad && nd->link_addr) {
        neighbors_.learn(ip.src, *nd->link_addr, now);
    }
    // RFC 4861 §7.2.4: answer to the soliciting address (all-nodes for a DAD probe), with
    // Solicited set only for a unicast answer, and our link-layer address.
    const wire::Ipv6Addr dst = dad ? kAllNodes : ip.src;
    const wire::MacAddr dst_mac = dad ? dst.multicast_mac() : nd->link_addr.value_or(eth.view.src);
    const uint32_t flags = wire::kNaFlagOverride | (dad ? 0 : wire::kNaFlagSolicited);
    std::byte* l3 = f.data + eth.view.header_len;
    const std::size_t need = eth.view.header_len + wire::kIpv6HeaderLen + 32;
    if (need > f.room) {
        count(Counter::DropNoMbuf);
        return Verdict::Drop;
    }
    set_macs(f.data, dst_mac, ifc_.mac);
    const std::size_t n = wire::write_neighbor_advertisement(
        MutableByteSpan{l3 + wire::kIpv6HeaderLen, 32}, nd->target, dst, flags, nd->target,
        ifc_.mac);
    ByteWriter w{MutableByteSpan{l3, wire::kIpv6HeaderLen}};
    wire::write_ipv6(w, nd->target, dst, wire::kIpProtoIcmpv6, static_cast<uint16_t>(n), 255);
    f.len = static_cast<uint32_t>(need);
    count(Counter::NdSolicitationsAnswered);
    return Verdict::Transmit;
}

bool Stack::relayed(const wire::UdpView& u) const noexcept {
    return turn_ != nullptr &&
           (turn_->owns_relay_port(u.dst_port) ||
            (u.dst_port == services_.stun_port && wire::turn::looks_like_channel_data(u.payload)));
}

uint64_t Stack::derived_payload_sum(const wire::UdpView& u, uint64_t pseudo) noexcept {
    // A valid datagram sums to 0xffff over pseudo-header, header and payload, so the payload's
    // ones'-complement sum is the complement of the rest: the payload is never read. A corrupt
    // datagram keeps its error through the relay and its receiver drops it (RFC 1624 style).
    const uint64_t rest = wire::checksum_add(u.datagram.first(wire::kUdpHeaderLen), pseudo);
    return wire::checksum_finish(rest);
}

void Stack::set_owner(uint32_t self, uint32_t n_workers) noexcept {
    self_ = self;
    plan_ = PortPlan{services_, turn_ != nullptr ? &turn_->config() : nullptr, n_workers};
    set_sfu(sfu_);
}

void Stack::set_sfu(sfu::Sfu* sfu) noexcept {
    sfu_ = sfu;
    if (turn_ != nullptr && sfu != nullptr) {
        turn_->set_port_plan(plan_);  // clients may relay to it (TURN in front of the SFU), on any worker's port
    }
}

Verdict Stack::handoff_udp(Frame& f, std::byte* payload, std::size_t len, const wire::Endpoint& src,
                           const wire::Endpoint& dst, uint32_t owner) noexcept {
    // A datagram from one of our addresses to another, for a port another worker owns: framed
    // as if it came from the wire, and handed over.
    const Verdict v = emit_udp_before(f, payload, len, ifc_.mac, src, dst, dst.is_v6 ? std::nullopt
                                                                                      : std::optional<uint64_t>{kNoUdpChecksum});
    if (v != Verdict::Transmit) {
        return v;
    }
    handoff_to_ = owner;
    return Verdict::Handoff;
}

Verdict Stack::handle_udp(Frame& f, const Eth& eth, const wire::Endpoint& local,
                          const wire::Endpoint& peer, ByteSpan payload,
                          std::optional<uint64_t> payload_sum) noexcept {
    if (plan_.workers() > 1) {
        const uint32_t owner = plan_.owner(local.port);
        if (owner != kNoWorker && owner != self_) {
            handoff_to_ = owner;
            return Verdict::Handoff;
        }
    }
    if (sfu_ != nullptr && sfu_->serves(local.port)) {
        auto* p = const_cast<std::byte*>(payload.data());  // inside the frame we own
        switch (sfu_->on_datagram(p, payload.size(), peer, local, eth.view.src, now_us())) {
        case sfu::Sfu::Outcome::Reply: return udp_reply(f, eth, local, peer, sfu_->reply());
        case sfu::Sfu::Outcome::Consumed: return Verdict::Consumed;
        case sfu::Sfu::Outcome::Drop: return Verdict::Drop;
        }
    }
    if (turn_ != nullptr) {
        const uint64_t now_s = now_ / ticks_per_s_;
        if (local.port == services_.stun_port && !payload.empty() &&
            (wire::turn::looks_like_channel_data(payload) ||
             (payload.size() >= 2 &&
              wire::stun::method_of(load_u16be(payload.data())) != wire::stun::method::kBinding))) {
            // ChannelData and every TURN method; Binding requests stay with the STUN service.
            return turn_emit(f, eth,
                             turn_->on_client(payload, peer, local, eth.view.src, now_s, payload_sum), now_);
        }
        if (turn_->owns_relay_port(local.port)) {
            return turn_emit(f, eth, turn_->on_peer(payload, peer, local, now_s, payload_sum), now_);
        }
    }
    if (local.port == services_.stun_port) {
        std::size_t n = 0;
        switch (stun_.handle(payload, peer, scratch_, n, counters_)) {
        case StunBindingService::Outcome::Reply:
            return udp_reply(f, eth, local, peer, ByteSpan{scratch_}.first(n));
        case StunBindingService::Outcome::Silent: return Verdict::Consumed;
        case StunBindingService::Outcome::Drop: return Verdict::Drop;
        }
    }
    return Verdict::ToKernel;  // SIP on 5060 and every other port belong to the kernel
}

Verdict Stack::udp_reply(Frame& f, const Eth& eth, const wire::Endpoint& local,
                         const wire::Endpoint& peer, ByteSpan payload) noexcept {
    const std::size_t l3_len = local.is_v6 ? wire::kIpv6HeaderLen : wire::kIpv4HeaderLen;
    const std::size_t udp_len = wire::kUdpHeaderLen + payload.size();
    const std::size_t need = eth.view.header_len + l3_len + udp_len;
    if (need > f.room) {
        count(Counter::DropNoMbuf);
        return Verdict::Drop;
    }
    set_macs(f.data, eth.view.src, ifc_.mac);
    ByteWriter w{MutableByteSpan{f.data + eth.view.header_len, l3_len + udp_len}};
    if (local.is_v6) {
        wire::write_ipv6(w, local.v6, peer.v6, wire::kIpProtoUdp, static_cast<uint16_t>(udp_len));
    } else {
        wire::write_ipv4(w, local.v4, peer.v4, wire::kIpProtoUdp, static_cast<uint16_t>(udp_len));
    }
    const std::size_t udp_at = w.size();
    w.u16be(local.port);
    w.u16be(peer.port);
    w.u16be(static_cast<uint16_t>(udp_len));
    w.u16be(0);
    w.bytes(payload);
    MutableByteSpan datagram{f.data + eth.view.header_len + udp_at, udp_len};
    if (local.is_v6) {
        wire::udp_fill_checksum_v6(datagram, local.v6, peer.v6);
    } else {
        wire::udp_fill_checksum_v4(datagram, local.v4, peer.v4);
    }
    f.len = static_cast<uint32_t>(need);
    if (plan_.workers() > 1 && turn_ != nullptr && turn_->is_hairpin(peer)) {
        // An answer to one of our relayed addresses (a client behind another worker's TURN
        // allocation, its datagram handed over): that worker sends it on, not the wire.
        const uint32_t owner = plan_.owner(peer.port);
        if (owner != kNoWorker && owner != self_) {
            handoff_to_ = owner;
            return Verdict::Handoff;
        }
    }
    return Verdict::Transmit;
}

std::optional<wire::MacAddr> Stack::next_hop_mac(const wire::Endpoint& dst, uint64_t now) noexcept {
    bool solicit = false;
    if (dst.is_v6) {
        const std::optional<wire::Ipv6Addr> hop =
            ifc_.in_subnet_v6(dst.v6) ? std::optional{dst.v6} : ifc_.gateway6;
        if (!hop) {
            return std::nullopt;
        }
        auto mac = neighbors_.resolve(*hop, now, solicit);
        if (solicit && n_solicit_ < solicit_.size()) {
            solicit_[n_solicit_++] = Solicit{true, {}, *hop};
        }
        return mac;
    }
    const std::optional<wire::Ipv4Addr> hop = ifc_.in_subnet_v4(dst.v4) ? std::optional{dst.v4} : ifc_.gateway4;
    if (!hop) {
        return std::nullopt;
    }
    auto mac = neighbors_.resolve(NeighborTable::key(*hop), now, solicit);
    if (solicit && n_solicit_ < solicit_.size()) {
        solicit_[n_solicit_++] = Solicit{false, *hop, {}};
    }
    return mac;
}

std::size_t Stack::take_solicitation(MutableByteSpan out, uint64_t /*now*/) noexcept {
    if (n_solicit_ == 0) {
        return 0;
    }
    const Solicit s = solicit_[--n_solicit_];
    if (s.v6) {
        count(Counter::NdSolicitationsSent);
        return write_neighbor_solicitation(out, s.ip6);
    }
    count(Counter::ArpRequestsSent);
    return write_arp_request(out, s.v4);
}

Verdict Stack::emit_udp_before(Frame& f, std::byte* payload, std::size_t len,
                               const wire::MacAddr& dst_mac, const wire::Endpoint& src,
                               const wire::Endpoint& dst, std::optional<uint64_t> payload_sum) noexcept {
    const std::size_t l3 = dst.is_v6 ? wire::kIpv6HeaderLen : wire::kIpv4HeaderLen;
    const std::size_t hdr = wire::kEthernetHeaderLen + l3 + wire::kUdpHeaderLen;
    std::byte* const begin = f.data - f.headroom;
    std::byte* const end = f.data + f.room;
    if (payload - begin < static_cast<std::ptrdiff_t>(hdr) || payload + len > end ||
        wire::kUdpHeaderLen + len > 0xffff) {
        count(Counter::DropNoMbuf);
        return Verdict::Drop;
    }
    std::byte* start = payload - hdr;
    ByteWriter w{MutableByteSpan{start, hdr}};
    wire::write_ethernet(w, dst_mac, ifc_.mac, dst.is_v6 ? wire::kEtherTypeIpv6 : wire::kEtherTypeIpv4);
    const auto udp_len = static_cast<uint16_t>(wire::kUdpHeaderLen + len);
    if (dst.is_v6) {
        wire::write_ipv6(w, src.v6, dst.v6, wire::kIpProtoUdp, udp_len);
    } else {
        wire::write_ipv4(w, src.v4, dst.v4, wire::kIpProtoUdp, udp_len);
    }
    w.u16be(src.port);
    w.u16be(dst.port);
    w.u16be(udp_len);
    w.u16be(0);
    MutableByteSpan datagram{payload - wire::kUdpHeaderLen, udp_len};
    if (payload_sum && *payload_sum == kNoUdpChecksum && !dst.is_v6) {
        // left 0: no checksum
    } else if (payload_sum) {
        const uint64_t pseudo = dst.is_v6 ? wire::pseudo_header_v6(src.v6, dst.v6, wire::kIpProtoUdp, udp_len)
                                          : wire::pseudo_header_v4(src.v4, dst.v4, wire::kIpProtoUdp, udp_len);
        // The header's words from their values (ports, length; checksum 0), not re-read.
        const uint64_t header = uint64_t{src.port} + dst.port + udp_len;
        const uint16_t c = wire::checksum_finish(pseudo + header + *payload_sum);
        store_u16be(datagram.data() + 6, c == 0 ? 0xffff : c);
    } else if (dst.is_v6) {
        wire::udp_fill_checksum_v6(datagram, src.v6, dst.v6);
    } else {
        wire::udp_fill_checksum_v4(datagram, src.v4, dst.v4);
    }
    f.data = start;
    f.len = static_cast<uint32_t>(hdr + len);
    f.headroom = static_cast<uint32_t>(start - begin);
    f.room = static_cast<uint32_t>(end - start);
    return Verdict::Transmit;
}

Verdict Stack::handle_stream(Frame& f, uint64_t stream, const wire::Endpoint& client,
                             const wire::Endpoint& server, uint64_t now) noexcept {
    now_ = now;
    const ByteSpan msg{f.data, f.len};
    if (turn_ == nullptr || sink_ == nullptr || stream == 0) {
        count(Counter::DropNotForUs);
        return Verdict::Drop;
    }
    count(Counter::TurnStreamIn);
    if (msg.size() >= 2 && !wire::turn::looks_like_channel_data(msg) &&
        wire::stun::method_of(load_u16be(msg.data())) == wire::stun::method::kBinding) {
        std::size_t n = 0;
        switch (stun_.handle(msg, client, scratch_, n, counters_)) {
        case StunBindingService::Outcome::Reply:
            return to_stream(f, stream, scratch_.data(), n, 0);  // STUN lengths are multiples of 4
        case StunBindingService::Outcome::Silent: return Verdict::Consumed;
        case StunBindingService::Outcome::Drop: return Verdict::Drop;
        }
    }
    const Eth eth{};  // no frame around the message; client-bound answers go to the sink
    return turn_emit(f, eth, turn_->on_client(msg, client, server, wire::MacAddr{}, now / ticks_per_s_,
                                              std::nullopt, stream),
                     now);
}

Verdict Stack::to_stream(Frame& f, uint64_t stream, const std::byte* msg, std::size_t len,
                         std::size_t data_bytes) noexcept {
    if (sink_ == nullptr) {
        count(Counter::DropNotForUs);
        return Verdict::Drop;
    }
    const std::size_t pad = (4 - len % 4) % 4;
    const bool in_frame = msg >= f.data - f.headroom && msg + len <= f.data + f.room;
    if (in_frame) {
        if (msg + len + pad > f.data + f.room) {
            count(Counter::DropNoMbuf);
            return Verdict::Drop;
        }
        std::memset(const_cast<std::byte*>(msg) + len, 0, pad);  // the frame's own buffer
    } else if (pad != 0) {
        count(Counter::DropStunMalformed);  // replies we build are always multiples of four
        return Verdict::Drop;
    }
    if (!sink_->write(stream, ByteSpan{msg, len + pad})) {
        count(Counter::TurnStreamPuntFull);
        return Verdict::Drop;
    }
    count(Counter::TurnStreamOut);
    if (data_bytes != 0) {
        count(Counter::TurnToClientPackets);
        count(Counter::TurnToClientBytes, data_bytes);
    }
    return Verdict::Consumed;
}

Verdict Stack::turn_emit(Frame& f, const Eth& eth, const TurnAction& act, uint64_t now) noexcept {
    using Kind = TurnAction::Kind;
    switch (act.kind) {
    case Kind::None:
        return Verdict::Drop;
    case Kind::Reply:
        if (act.resolve_hint) {
            (void)next_hop_mac(*act.resolve_hint, now);
        }
        if (act.stream != 0) {
            const ByteSpan r = turn_->reply();
            return to_stream(f, act.stream, r.data(), r.size(), 0);
        }
        return udp_reply(f, eth, act.src, act.dst, turn_->reply());
    case Kind::ToPeer: {
        if (sfu_ != nullptr && turn_->is_local_media(act.dst)) {
            if (sfu_->serves(act.dst.port)) {
                return turn_to_sfu(f, eth, act, now);
            }
            // Another worker's SFU: it gets the datagram as if from the client's relayed address.
            count(Counter::SfuTurnHandoff);
            count(Counter::TurnToPeerPackets);
            count(Counter::TurnToPeerBytes, act.data.size());
            return handoff_udp(f, const_cast<std::byte*>(act.data.data()), act.data.size(), act.src, act.dst,
                               plan_.owner(act.dst.port));
        }
        if (turn_->is_hairpin(act.dst)) {
            // Relay to relay inside the appliance: the datagram enters the other allocation as
            // if it came from the wire (from our relayed address), and never leaves the appliance.
            if (!turn_->owns_relay_port(act.dst.port)) {
                const uint32_t owner = plan_.owner(act.dst.port);
                if (owner == kNoWorker || owner == self_) {
                    count(Counter::TurnDropNoAllocation);
                    return Verdict::Drop;
                }
                count(Counter::TurnHairpinPackets);
                count(Counter::TurnToPeerPackets);
                count(Counter::TurnToPeerBytes, act.data.size());
                return handoff_udp(f, const_cast<std::byte*>(act.data.data()), act.data.size(), act.src, act.dst, owner);
            }
            count(Counter::TurnHairpinPackets);
            count(Counter::TurnToPeerPackets);
            count(Counter::TurnToPeerBytes, act.data.size());
            TurnAction inward = turn_->on_peer(act.data, act.src, act.dst, now / ticks_per_s_, act.data_sum);
            if (inward.kind == Kind::ToPeer) {
                return Verdict::Drop;  // never: on_peer only sends towards clients
            }
            return turn_emit(f, eth, inward, now);
        }
        auto mac = next_hop_mac(act.dst, now);
        if (!mac) {
            count(Counter::TurnDropUnresolved);
            return Verdict::Drop;
        }
        const Verdict v = emit_udp_before(f, const_cast<std::byte*>(act.data.data()), act.data.size(),
                                          *mac, act.src, act.dst, act.data_sum);
        if (v == Verdict::Transmit) {
            count(Counter::TurnToPeerPackets);
            count(Counter::TurnToPeerBytes, act.data.size());
        }
        return v;
    }
    case Kind::ToClientChannel: {
        auto* data = const_cast<std::byte*>(act.data.data());
        if (data - (f.data - f.headroom) < static_cast<std::ptrdiff_t>(wire::turn::kChannelDataHeaderLen)) {
            count(Counter::DropNoMbuf);
            return Verdict::Drop;
        }
        std::byte* cd = data - wire::turn::kChannelDataHeaderLen;
        wire::turn::write_channel_data_header(MutableByteSpan{cd, wire::turn::kChannelDataHeaderLen},
                                              act.channel, static_cast<uint16_t>(act.data.size()));
        if (act.stream != 0) {
            return to_stream(f, act.stream, cd, act.data.size() + wire::turn::kChannelDataHeaderLen,
                             act.data.size());
        }
        std::optional<uint64_t> sum;
        if (act.data_sum) {  // the header's two words are the channel and the length
            sum = uint64_t{act.channel} + act.data.size() + *act.data_sum;
        }
        const Verdict v = emit_udp_before(f, cd, act.data.size() + wire::turn::kChannelDataHeaderLen,
                                          act.dst_mac, act.src, act.dst, sum);
        if (v == Verdict::Transmit) {
            count(Counter::TurnToClientPackets);
            count(Counter::TurnToClientBytes, act.data.size());
        }
        return v;
    }
    case Kind::ToClientIndication: {
        // Data indication (§11.4): STUN header, XOR-PEER-ADDRESS, DATA header, the data, padding.
        std::array<std::byte, 64> head{};
        wire::stun::TransactionId txid;
        indication_txid_ ^= indication_txid_ << 13;
        indication_txid_ ^= indication_txid_ >> 7;
        indication_txid_ ^= indication_txid_ << 17;
        std::memcpy(txid.data(), &indication_txid_, 8);
        std::memcpy(txid.data() + 8, &indication_txid_, 4);
        wire::stun::Builder b{head, wire::stun::message_type(wire::stun::method::kData,
                                                             wire::stun::Class::Indication), txid};
        b.add_xor_address(wire::stun::attr::kXorPeerAddress, act.xor_peer);
        const std::size_t head_len = *b.finish();
        const std::size_t pad = (4 - act.data.size() % 4) % 4;
        const std::size_t prefix = head_len + 4;
        auto* data = const_cast<std::byte*>(act.data.data());
        if (data - (f.data - f.headroom) < static_cast<std::ptrdiff_t>(prefix) ||
            data + act.data.size() + pad > f.data + f.room) {
            count(Counter::DropNoMbuf);
            return Verdict::Drop;
        }
        std::byte* msg = data - prefix;
        std::memcpy(msg, head.data(), head_len);
        store_u16be(msg + head_len, wire::stun::attr::kData);
        store_u16be(msg + head_len + 2, static_cast<uint16_t>(act.data.size()));
        std::memset(data + act.data.size(), 0, pad);
        const std::size_t total = prefix + act.data.size() + pad;
        store_u16be(msg + 2, static_cast<uint16_t>(total - wire::stun::kHeaderLen));
        if (act.stream != 0) {
            return to_stream(f, act.stream, msg, total, act.data.size());
        }
        std::optional<uint64_t> sum;
        if (act.data_sum) {
            sum = wire::checksum_add(ByteSpan{msg, prefix}) + *act.data_sum;  // padding adds zero
        }
        const Verdict v = emit_udp_before(f, msg, total, act.dst_mac, act.src, act.dst, sum);
        if (v == Verdict::Transmit) {
            count(Counter::TurnToClientPackets);
            count(Counter::TurnToClientBytes, act.data.size());
        }
        return v;
    }
    }
    return Verdict::Drop;
}

Verdict Stack::turn_to_sfu(Frame& f, const Eth& eth, const TurnAction& act, uint64_t now) noexcept {
    count(Counter::SfuTurnHandoff);
    count(Counter::TurnToPeerPackets);
    count(Counter::TurnToPeerBytes, act.data.size());
    auto* p = const_cast<std::byte*>(act.data.data());  // inside the frame we own
    const auto outcome = sfu_->on_datagram(p, act.data.size(), act.src, act.dst, wire::MacAddr{}, now_us());
    if (outcome != sfu::Sfu::Outcome::Reply) {
        return outcome == sfu::Sfu::Outcome::Consumed ? Verdict::Consumed : Verdict::Drop;
    }
    // The ICE answer goes back through the relay: place it in this frame's buffer with room in
    // front for the client-bound headers, and let the allocation send it on.
    const ByteSpan r = sfu_->reply();
    std::byte* const begin = f.data - f.headroom;
    constexpr std::size_t kFront = 128;
    if (begin + kFront + r.size() + 4 > f.data + f.room) {
        count(Counter::DropNoMbuf);
        return Verdict::Drop;
    }
    std::memmove(begin + kFront, r.data(), r.size());
    const TurnAction back = turn_->on_peer(ByteSpan{begin + kFront, r.size()}, act.dst, act.src, now / ticks_per_s_);
    if (back.kind == TurnAction::Kind::ToPeer) {
        return Verdict::Drop;
    }
    return turn_emit(f, eth, back, now);
}

Verdict Stack::emit_media(Frame& f, std::byte* payload, std::size_t len, const wire::MacAddr& mac,
                          const wire::Endpoint& src, const wire::Endpoint& dst, uint64_t now) noexcept {
    now_ = now;
    if (turn_ != nullptr && turn_->is_hairpin(dst)) {
        if (!turn_->owns_relay_port(dst.port)) {
            // A client relayed through another worker's allocation: that worker sends it on.
            const uint32_t owner = plan_.owner(dst.port);
            if (owner == kNoWorker || owner == self_) {
                count(Counter::TurnDropNoAllocation);
                return Verdict::Drop;
            }
            count(Counter::SfuTurnHandoff);
            return handoff_udp(f, payload, len, src, dst, owner);
        }
        count(Counter::SfuTurnHandoff);
        const TurnAction back = turn_->on_peer(ByteSpan{payload, len}, src, dst, now / ticks_per_s_);
        if (back.kind == TurnAction::Kind::ToPeer) {
            return Verdict::Drop;
        }
        const Eth eth{};
        return turn_emit(f, eth, back, now);
    }
    if (!dst.is_v6) {
        // SRTP and SRTCP carry their own authentication tag over every byte that matters, so an
        // IPv4 UDP checksum (optional, RFC 768) would only re-read the payload: it is left 0.
        // IPv6 requires one (RFC 8200 §8.1) and gets it.
        return emit_udp_before(f, payload, len, mac, src, dst, kNoUdpChecksum);
    }
    return emit_udp_before(f, payload, len, mac, src, dst);
}

std::size_t Stack::write_arp_request(MutableByteSpan out, wire::Ipv4Addr target) const noexcept {
    if (!ifc_.ipv4) {
        return 0;
    }
    ByteWriter w{out};
    wire::write_ethernet(w, wire::MacAddr::broadcast(), ifc_.mac, wire::kEtherTypeArp);
    wire::write_arp(w, {wire::kArpRequest, ifc_.mac, ifc_.ipv4->addr, wire::MacAddr{}, target});
    return w.ok() ? w.size() : 0;
}

std::size_t Stack::write_neighbor_solicitation(MutableByteSpan out,
                                               const wire::Ipv6Addr& target) const noexcept {
    const wire::Ipv6Addr group = target.solicited_node();
    const wire::Ipv6Addr src = ifc_.ipv6 ? ifc_.ipv6->addr : ifc_.link_local;
    if (out.size() < wire::kEthernetHeaderLen + wire::kIpv6HeaderLen + 32) {
        return 0;
    }
    ByteWriter w{out};
    wire::write_ethernet(w, group.multicast_mac(), ifc_.mac, wire::kEtherTypeIpv6);
    wire::write_ipv6(w, src, group, wire::kIpProtoIcmpv6, 32, 255);
    const std::size_t n = wire::write_neighbor_solicitation(
        out.subspan(w.size()), src, group, target, ifc_.mac);
    return n == 0 ? 0 : w.size() + n;
}

}  // namespace tern::dp
