#include "dataplane/lcore/worker.hpp"

#include "common/shm/messages.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include <array>
#include <cstring>
#include <ctime>

namespace tern::dp {

using shm::Counter;

Worker::Worker(uint32_t index, const DataplaneConfig& cfg, std::vector<WorkerPort> ports,
               const shm::Region& region, const std::atomic<bool>& stop, const LcoreLinks* links)
    : index_(index), cfg_(cfg), ports_(std::move(ports)), tx_(ports_.size()),
      tap_tx_(ports_.size()), counters_(region.counters(index)), events_(region.events(index)),
      inject_(region.inject(index)), punt_(region.punt(index)), hz_(rte_get_tsc_hz()),
      commands_(index, shm::RingConsumer{region.commands(index)}, events_, *counters_, sfu_, turn_,
                hz_),
      stop_(stop), links_(links) {
    // TURN timestamps are seconds on the TSC clock; REST expiries need the matching Unix time.
    const uint64_t unix_at_tsc0 = static_cast<uint64_t>(time(nullptr)) - rte_rdtsc() / hz_;
    const PortPlan plan{cfg};
    for (const WorkerPort& p : ports_) {
        neighbors_.push_back(std::make_unique<NeighborTable>(cfg.neighbors.max_entries,
                                                             hz_ * cfg.neighbors.reachable_s,
                                                             hz_ / 1000 * cfg.neighbors.retry_ms));
        TurnServer* turn = nullptr;
        if (cfg.turn.enabled) {
            turn_.push_back(std::make_unique<TurnServer>(
                cfg.turn, *p.policy, index, static_cast<uint32_t>(cfg.worker_cores.size()),
                *counters_, unix_at_tsc0, p.nonce_secret));
            turn = turn_.back().get();
        }
        paths_.push_back(std::make_unique<PacketPath>(*p.ifc, cfg.services, *neighbors_.back(),
                                                      *counters_, turn, hz_));
        paths_.back()->set_stream_sink(this);
        paths_.back()->set_owner(index, static_cast<uint32_t>(cfg.worker_cores.size()));
        if (plan.sfu()) {
            auto out = std::make_unique<MediaOut>();
            out->w = this;
            out->pi = paths_.size() - 1;
            sfu::SfuLimits limits;
            limits.caps = sfu::LayerCaps{cfg.camera_bitrate, cfg.screen_bitrate};
            sfu_.push_back(std::make_unique<sfu::Sfu>(plan.media_port(index), limits, *counters_,
                                                      *out, index,
                                                      static_cast<uint16_t>(paths_.size() - 1)));
            media_out_.push_back(std::move(out));
            if (const PortRange own = plan.transport_slice(index); !own.empty()) {
                // This worker's slice of the transports' own ports (the packet path steers the
                // rest).
                sfu_.back()->set_transport_ports(own.lo, own.hi);
            }
            paths_.back()->set_sfu(sfu_.back().get());
        }
    }
}

void Worker::enqueue_tx(TxBuffer& b, uint16_t port, shm::QueueCounters* q, rte_mbuf* m) noexcept {
    b.pkts[b.n++] = m;
    if (b.n == kMaxBurst) {
        flush(b, port, q);
    }
}

void Worker::flush(TxBuffer& b, uint16_t port, shm::QueueCounters* q) noexcept {
    if (b.n == 0) {
        return;
    }
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < b.n; ++i) {
        bytes += rte_pktmbuf_pkt_len(b.pkts[i]);
    }
    const uint16_t sent = rte_eth_tx_burst(port, static_cast<uint16_t>(index_), b.pkts, b.n);
    if (sent < b.n) [[unlikely]] {
        // TX never blocks: what the queue refused is freed and counted.
        for (uint16_t i = sent; i < b.n; ++i) {
            bytes -= rte_pktmbuf_pkt_len(b.pkts[i]);
        }
        rte_pktmbuf_free_bulk(b.pkts + sent, b.n - sent);
        count(Counter::DropTxFull, b.n - sent);
        if (q != nullptr) {
            shm::bump(q->tx_dropped, b.n - sent);
        }
    }
    if (q != nullptr) {
        // rx/tx counters are the wire's; frames handed to the kernel count as punted_to_kernel.
        count(Counter::TxPackets, sent);
        count(Counter::TxBytes, bytes);
        shm::bump(q->tx_packets, sent);
        shm::bump(q->tx_bytes, bytes);
    }
    b.n = 0;
}

void Worker::handle_burst(std::size_t pi, rte_mbuf** pkts, uint16_t n) noexcept {
    const WorkerPort& wp = ports_[pi];
    PacketPath& path = *paths_[pi];
    const uint64_t now = rte_rdtsc();
    now_tsc_ = now;
    rte_mbuf* to_free[kMaxBurst];
    uint16_t n_free = 0;
    for (int i = 0; i < kPrefetchOffset && i < n; ++i) {
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
    }
    for (uint16_t i = 0; i < n; ++i) {
        if (i + kPrefetchOffset < n) {
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + kPrefetchOffset], void*));
        }
        rte_mbuf* m = pkts[i];
        if (m->nb_segs != 1) [[unlikely]] {
            count(Counter::DropEthernet);  // jumbo chains are not ours to answer
            to_free[n_free++] = m;
            continue;
        }
        Frame f{rte_pktmbuf_mtod(m, std::byte*), m->data_len,
                static_cast<uint32_t>(m->data_len + rte_pktmbuf_tailroom(m)),
                rte_pktmbuf_headroom(m)};
        switch (path.handle(f, now)) {
        case Verdict::Transmit:
            // The stack may have moved the frame's start into the headroom (prepended headers).
            m->data_off = static_cast<uint16_t>(f.data - static_cast<std::byte*>(m->buf_addr));
            m->data_len = static_cast<uint16_t>(f.len);
            m->pkt_len = f.len;
            enqueue_tx(tx_[pi], wp.port_id, &counters_->queue[pi], m);
            break;
        case Verdict::ToKernel:
            if (wp.tap_id != kNoTap) {
                count(Counter::PuntedToKernel);
                enqueue_tx(tap_tx_[pi], wp.tap_id, nullptr, m);
            } else {
                count(Counter::DropNotLocal);
                to_free[n_free++] = m;
            }
            break;
        case Verdict::Punt: {
            // DTLS and the rest of what the control plane handles for the fast path.
            if (!punt_.try_push(
                    shm::PacketMeta{static_cast<uint16_t>(pi), shm::PacketReason::Dtls, f.len},
                    ByteSpan{f.data, f.len})) {
                count(Counter::EventsDropped);
            }
            to_free[n_free++] = m;
            break;
        }
        case Verdict::Handoff: hand_over(m, f, path.handoff_target(), wp.port_id); break;
        case Verdict::Drop:
        case Verdict::Consumed:
        case Verdict::Deliver:  // the host stack's to the packet path; never returned here
            to_free[n_free++] = m;
            break;
        }
    }
    if (n_free > 0) {
        rte_pktmbuf_free_bulk(to_free, n_free);
    }
    if (path.has_solicitation()) {
        std::array<std::byte, 128> sol;
        while (const std::size_t len = path.take_solicitation(sol, now)) {
            send_frame(pi, ByteSpan{sol}.first(len));
        }
    }
}

uint32_t Worker::poll_port(std::size_t pi) noexcept {
    rte_mbuf* pkts[kMaxBurst];
    const uint16_t n =
        rte_eth_rx_burst(ports_[pi].port_id, static_cast<uint16_t>(index_), pkts, cfg_.burst);
    if (n == 0) {
        return 0;
    }
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < n; ++i) {
        bytes += rte_pktmbuf_pkt_len(pkts[i]);
    }
    count(Counter::RxPackets, n);
    count(Counter::RxBytes, bytes);
    shm::QueueCounters& q = counters_->queue[pi];
    shm::bump(q.rx_packets, n);
    shm::bump(q.rx_bytes, bytes);
    handle_burst(pi, pkts, n);
    return n;
}

uint32_t Worker::poll_tap(std::size_t pi) noexcept {
    const WorkerPort& wp = ports_[pi];
    if (wp.tap_id == kNoTap) {
        return 0;
    }
    rte_mbuf* pkts[kMaxBurst];
    const uint16_t n = rte_eth_rx_burst(wp.tap_id, static_cast<uint16_t>(index_), pkts, cfg_.burst);
    // What the kernel sends (TCP, its own ARP/ND, ICMP errors) goes to the wire unchanged.
    for (uint16_t i = 0; i < n; ++i) {
        enqueue_tx(tx_[pi], wp.port_id, &counters_->queue[pi], pkts[i]);
    }
    count(Counter::FromKernel, n);
    return n;
}

// ---- the SFU's frames ------------------------------------------------------------------------

bool Worker::MediaOut::alloc(Buf& b) noexcept {
    rte_mbuf* m = rte_pktmbuf_alloc(w->ports_[pi].pool);
    if (m == nullptr) {
        return false;
    }
    b.handle = m;
    b.payload = rte_pktmbuf_mtod(m, std::byte*);  // headroom in front for the headers
    b.room = rte_pktmbuf_tailroom(m);
    return true;
}

void Worker::MediaOut::send(Buf& b, std::size_t len, const wire::MacAddr& mac,
                            const wire::Endpoint& src, const wire::Endpoint& dst) noexcept {
    auto* m = static_cast<rte_mbuf*>(b.handle);
    Frame f{b.payload, static_cast<uint32_t>(len), static_cast<uint32_t>(b.room),
            rte_pktmbuf_headroom(m)};
    const Verdict v = w->paths_[pi]->emit_media(f, b.payload, len, mac, src, dst, w->now_tsc_);
    if (v == Verdict::Handoff) {
        w->hand_over(m, f, w->paths_[pi]->handoff_target(),
                     w->ports_[pi].port_id);  // behind another worker's relay
        return;
    }
    if (v != Verdict::Transmit) {
        rte_pktmbuf_free(m);
        return;
    }
    m->data_off = static_cast<uint16_t>(f.data - static_cast<std::byte*>(m->buf_addr));
    m->data_len = static_cast<uint16_t>(f.len);
    m->pkt_len = f.len;
    w->enqueue_tx(w->tx_[pi], w->ports_[pi].port_id, &w->counters_->queue[pi], m);
}

void Worker::MediaOut::discard(Buf& b) noexcept {
    rte_pktmbuf_free(static_cast<rte_mbuf*>(b.handle));
}

bool Worker::MediaOut::punt(uint64_t id, ByteSpan datagram) noexcept {
    return w->punt_.try_push(shm::SfuDatagramMeta{id, static_cast<uint32_t>(datagram.size()), 0},
                             datagram);
}

void Worker::MediaOut::transport_up(uint64_t id, const wire::Endpoint& remote, bool up) noexcept {
    shm::SfuTransportUpEvt e{};
    e.id = id;
    e.is_v6 = remote.is_v6 ? 1 : 0;
    e.remote_port = remote.port;
    if (remote.is_v6) {
        std::memcpy(e.remote_ip, remote.v6.b.data(), 16);
    } else {
        store_u32be(reinterpret_cast<std::byte*>(e.remote_ip), remote.v4.v);
    }
    if (!(up ? w->events_.try_push(e) : w->events_.try_push(shm::SfuTransportDownEvt{e}))) {
        w->count(Counter::EventsDropped);
    }
}

void Worker::MediaOut::speaking(uint64_t id, uint32_t track, bool on, uint8_t level) noexcept {
    const shm::SfuSpeakingEvt e{id, track, static_cast<uint8_t>(on ? 1 : 0), level, 0};
    if (!w->events_.try_push(e)) {
        w->count(Counter::EventsDropped);
    }
}

void Worker::MediaOut::estimate(uint64_t id, const sfu::EstimateReport& r) noexcept {
    const shm::SfuEstimateEvt e{id,
                                r.bps,
                                r.budget_bps,
                                r.layers_bps,
                                r.videos,
                                r.paused,
                                r.spatial,
                                r.flowing,
                                r.temporal,
                                uint8_t{r.probing},
                                0,
                                {r.layer_bps[0], r.layer_bps[1], r.layer_bps[2]},
                                0};
    if (!w->events_.try_push(e)) {
        w->count(Counter::EventsDropped);
    }
}

bool Worker::MediaOut::relay(uint32_t lcore, const sfu::Relayed& r, ByteSpan rtp) noexcept {
    const LcoreLinks* l = w->links_;
    if (l == nullptr || lcore >= l->relay.size() || lcore == w->index_) {
        return false;
    }
    rte_mbuf* m = rte_pktmbuf_alloc(w->ports_[pi].pool);
    if (m == nullptr) {
        w->count(Counter::DropNoMbuf);
        return false;
    }
    auto* d = reinterpret_cast<std::byte*>(
        rte_pktmbuf_append(m, static_cast<uint16_t>(sizeof r + rtp.size())));
    if (d == nullptr) {
        rte_pktmbuf_free(m);
        return false;
    }
    std::memcpy(d, &r, sizeof r);
    if (!rtp.empty()) {
        std::memcpy(d + sizeof r, rtp.data(), rtp.size());
    }
    if (rte_ring_sp_enqueue(l->relay[w->index_][lcore], m) != 0) {
        rte_pktmbuf_free(m);
        return false;
    }
    return true;
}

void Worker::hand_over(rte_mbuf* m, const Frame& f, uint32_t to, uint16_t port_id) noexcept {
    // The stack may have framed the datagram anew in front of its payload; the receiver
    // handles it as arrived on `port_id` (frames this lcore made have no port of their own).
    m->port = port_id;
    m->data_off = static_cast<uint16_t>(f.data - static_cast<std::byte*>(m->buf_addr));
    m->data_len = static_cast<uint16_t>(f.len);
    m->pkt_len = f.len;
    if (links_ != nullptr && to < links_->handoff.size() && to != index_ &&
        rte_ring_sp_enqueue(links_->handoff[index_][to], m) == 0) {
        count(Counter::HandoffOut);
        return;
    }
    count(Counter::HandoffDropped);
    rte_pktmbuf_free(m);
}

uint64_t Worker::now_us() const noexcept {
    const uint64_t tsc = rte_rdtsc();
    return tsc / hz_ * 1'000'000 + tsc % hz_ * 1'000'000 / hz_;  // as the stack counts
}

uint32_t Worker::poll_links() noexcept {
    if (links_ == nullptr) {
        return 0;
    }
    uint32_t work = 0;
    for (std::size_t from = 0; from < links_->handoff.size(); ++from) {
        if (from == index_) {
            continue;
        }
        rte_mbuf* pkts[kMaxBurst];
        unsigned n = rte_ring_sc_dequeue_burst(links_->handoff[from][index_],
                                               reinterpret_cast<void**>(pkts), cfg_.burst, nullptr);
        if (n > 0) {
            count(Counter::HandoffIn, n);
            // Grouped by the port they came in on (usually one).
            for (std::size_t pi = 0; pi < ports_.size(); ++pi) {
                rte_mbuf* mine[kMaxBurst];
                uint16_t k = 0;
                for (unsigned i = 0; i < n; ++i) {
                    if (pkts[i] != nullptr && pkts[i]->port == ports_[pi].port_id) {
                        mine[k++] = pkts[i];
                        pkts[i] = nullptr;
                    }
                }
                if (k > 0) {
                    handle_burst(pi, mine, k);
                }
            }
            for (unsigned i = 0; i < n; ++i) {
                if (pkts[i] != nullptr) {
                    count(Counter::DropNotLocal);
                    rte_pktmbuf_free(pkts[i]);
                }
            }
            work += n;
        }
        n = rte_ring_sc_dequeue_burst(links_->relay[from][index_], reinterpret_cast<void**>(pkts),
                                      cfg_.burst, nullptr);
        if (n > 0) {
            const uint64_t now = now_us();
            for (unsigned i = 0; i < n; ++i) {
                sfu::Relayed r;
                const auto* d = rte_pktmbuf_mtod(pkts[i], const std::byte*);
                if (pkts[i]->data_len >= sizeof r) {
                    std::memcpy(&r, d, sizeof r);
                    if (r.port < sfu_.size()) {
                        sfu_[r.port]->on_relayed(r, d + sizeof r, pkts[i]->data_len - sizeof r,
                                                 now);
                    }
                }
            }
            rte_pktmbuf_free_bulk(pkts, n);
            work += n;
        }
    }
    return work;
}

void Worker::inject_sfu_datagram(const shm::Framed<shm::SfuDatagramMeta>& d) noexcept {
    for (auto& e : sfu_) {
        if (e->send_datagram(d.head.id, d.body)) {
            return;
        }
    }
    count(Counter::SfuDropUnknown);  // the transport is gone or ICE has not chosen its remote yet
}

void Worker::poll_inject() noexcept {
    const uint64_t now = rte_rdtsc();
    for (int i = 0; i < 32; ++i) {
        shm::RingMessage msg{};
        if (!inject_.peek(msg)) {
            return;
        }
        switch (static_cast<shm::MsgType>(msg.type)) {
        case shm::MsgType::Packet:
            if (const auto p = shm::decode_framed<shm::PacketMeta>(msg);
                p && p->head.port < ports_.size() && !p->body.empty()) {
                send_frame(p->head.port, p->body);
            } else {
                count(Counter::DropNotLocal);
            }
            break;
        case shm::MsgType::SfuDatagram:
            now_tsc_ = now;
            if (const auto d = shm::decode_framed<shm::SfuDatagramMeta>(msg)) {
                inject_sfu_datagram(*d);
            } else {
                count(Counter::DropNotLocal);
            }
            break;
        case shm::MsgType::TurnStreamData:
        case shm::MsgType::TurnStreamClose:
        case shm::MsgType::TurnStreamReset: inject_stream(msg, now); break;
        default: count(Counter::DropNotLocal); break;
        }
        inject_.release();
    }
}

namespace {

wire::Endpoint endpoint_of(bool v6, const uint8_t* ip, uint16_t port) {
    if (v6) {
        wire::Ipv6Addr a;
        std::memcpy(a.b.data(), ip, 16);
        return wire::Endpoint::from_v6(a, port);
    }
    return wire::Endpoint::from_v4(
        wire::Ipv4Addr{load_u32be(reinterpret_cast<const std::byte*>(ip))}, port);
}

}  // namespace

void Worker::inject_stream(const shm::RingMessage& msg, uint64_t now) noexcept {
    now_tsc_ = now;  // a TCP client relayed to the SFU sends media from here too
    if (turn_.empty()) {
        count(Counter::DropNotLocal);
        return;
    }
    if (msg.type == shm::kTypeOf<shm::StreamCloseMeta>) {
        const auto c = shm::decode_framed<shm::StreamCloseMeta>(msg);
        if (!c || c->head.port >= ports_.size() || c->head.conn == 0) {
            count(Counter::DropNotLocal);
            return;
        }
        const shm::StreamMeta& meta = c->head;
        turn_[meta.port]->close_stream(
            meta.conn, endpoint_of(meta.is_v6 != 0, meta.client_ip, meta.client_port),
            endpoint_of(meta.is_v6 != 0, meta.server_ip, meta.server_port));
        count(Counter::TurnStreamClosed);
        return;
    }
    if (msg.type != shm::kTypeOf<shm::StreamMeta>) {  // TurnStreamReset: a new control plane
        for (auto& t : turn_) {
            count(Counter::TurnStreamClosed, t->reset_streams());
        }
        return;
    }
    const auto data = shm::decode_framed<shm::StreamMeta>(msg);
    if (!data || data->head.port >= ports_.size() || data->head.conn == 0) {
        count(Counter::DropNotLocal);
        return;
    }
    const shm::StreamMeta& meta = data->head;
    const wire::Endpoint client = endpoint_of(meta.is_v6 != 0, meta.client_ip, meta.client_port);
    const wire::Endpoint server = endpoint_of(meta.is_v6 != 0, meta.server_ip, meta.server_port);
    rte_mbuf* m = rte_pktmbuf_alloc(ports_[meta.port].pool);
    char* dst = m != nullptr ? rte_pktmbuf_append(m, static_cast<uint16_t>(meta.len)) : nullptr;
    if (dst == nullptr) {
        if (m != nullptr) {
            rte_pktmbuf_free(m);
        }
        count(Counter::DropNoMbuf);
        return;
    }
    std::memcpy(dst, data->body.data(), meta.len);
    Frame f{reinterpret_cast<std::byte*>(dst), meta.len,
            static_cast<uint32_t>(meta.len + rte_pktmbuf_tailroom(m)), rte_pktmbuf_headroom(m)};
    const Verdict v = paths_[meta.port]->handle_stream(f, meta.conn, client, server, now);
    if (v == Verdict::Transmit) {
        m->data_off = static_cast<uint16_t>(f.data - static_cast<std::byte*>(m->buf_addr));
        m->data_len = static_cast<uint16_t>(f.len);
        m->pkt_len = f.len;
        enqueue_tx(tx_[meta.port], ports_[meta.port].port_id, &counters_->queue[meta.port], m);
    } else if (v == Verdict::Handoff) {
        hand_over(m, f, paths_[meta.port]->handoff_target(),
                  ports_[meta.port].port_id);  // another worker's SFU or relay port
    } else {
        rte_pktmbuf_free(m);
    }
    if (paths_[meta.port]->has_solicitation()) {
        std::array<std::byte, 128> sol;
        while (const std::size_t len = paths_[meta.port]->take_solicitation(sol, now)) {
            send_frame(meta.port, ByteSpan{sol}.first(len));
        }
    }
}

bool Worker::write(uint64_t stream, ByteSpan message) noexcept {
    shm::StreamMeta meta{};
    meta.conn = stream;
    meta.len = static_cast<uint32_t>(message.size());
    return punt_.try_push(meta, message);
}

void Worker::send_frame(std::size_t pi, ByteSpan frame) noexcept {
    rte_mbuf* m = rte_pktmbuf_alloc(ports_[pi].pool);
    char* dst = m != nullptr ? rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())) : nullptr;
    if (dst == nullptr) {
        if (m != nullptr) {
            rte_pktmbuf_free(m);
        }
        count(Counter::DropNoMbuf);
        return;
    }
    std::memcpy(dst, frame.data(), frame.size());
    enqueue_tx(tx_[pi], ports_[pi].port_id, &counters_->queue[pi], m);
}

void Worker::resolve_gateways(uint64_t now) noexcept {
    // Keeps next hops resolved so traffic this lcore originates (TURN relaying, later) never
    // waits for ARP/ND. Only worker 0 solicits; every worker learns from the answers it sees.
    if (index_ != 0) {
        return;
    }
    std::array<std::byte, 128> frame{};
    for (std::size_t pi = 0; pi < ports_.size(); ++pi) {
        const Interface& ifc = *ports_[pi].ifc;
        bool solicit = false;
        if (ifc.gateway4) {
            (void)neighbors_[pi]->resolve(NeighborTable::key(*ifc.gateway4), now, solicit);
            if (solicit) {
                if (const std::size_t n = paths_[pi]->write_arp_request(frame, *ifc.gateway4)) {
                    send_frame(pi, ByteSpan{frame}.first(n));
                    count(Counter::ArpRequestsSent);
                }
            }
        }
        if (ifc.gateway6) {
            (void)neighbors_[pi]->resolve(*ifc.gateway6, now, solicit);
            if (solicit) {
                if (const std::size_t n =
                        paths_[pi]->write_neighbor_solicitation(frame, *ifc.gateway6)) {
                    send_frame(pi, ByteSpan{frame}.first(n));
                    count(Counter::NdSolicitationsSent);
                }
            }
        }
    }
}

int Worker::run() noexcept {
    uint32_t empty_polls = 0;
    uint32_t sleep_us = 1;
    const uint64_t hz = rte_get_tsc_hz();
    uint64_t last_commands = 0;
    uint64_t last_housekeeping = 0;
    uint64_t last_consent = 0;
    uint64_t last_tap = 0;
    const uint64_t tap_interval = hz / 1000000 * cfg_.exception.poll_us;
    while (!stop_.load(std::memory_order_relaxed)) {
        const uint64_t start = rte_rdtsc();
        uint32_t work = 0;
        for (std::size_t pi = 0; pi < ports_.size(); ++pi) {
            work += poll_port(pi);
        }
        work += poll_links();
        // Reading the tap is a system call even when it is empty: on a timer, not every loop.
        if (start - last_tap >= tap_interval) {
            for (std::size_t pi = 0; pi < ports_.size(); ++pi) {
                work += poll_tap(pi);
            }
            last_tap = start;
        }
        // The control rings are polled about every 10 µs, not every iteration.
        if (start - last_commands > hz / 100000) {
            commands_.poll();
            poll_inject();
            commands_.continue_turn_list(start);
            last_commands = start;
        }
        if (start - last_housekeeping > hz / 10) {
            resolve_gateways(start);
            for (auto& t : turn_) {
                t->tick(start / hz);
            }
            if (start - last_consent > hz) {
                const uint64_t tsc =
                    rte_rdtsc();  // not `start`: checks handled since then are newer
                const uint64_t now_us =
                    tsc / hz * 1'000'000 + tsc % hz * 1'000'000 / hz;  // as the stack counts
                for (auto& e : sfu_) {
                    e->expire(now_us);
                }
                last_consent = start;
            }
            last_housekeeping = start;
        }
        sfu::Sfu::flush();  // AES-CM packets whose tags were batched
        for (std::size_t pi = 0; pi < ports_.size(); ++pi) {
            flush(tx_[pi], ports_[pi].port_id, &counters_->queue[pi]);
            flush(tap_tx_[pi], ports_[pi].tap_id, nullptr);
        }
        const uint64_t end = rte_rdtsc();
        count(Counter::LoopIterations);
        counters_->heartbeat_tsc.store(end, std::memory_order_relaxed);
        if (work > 0) {
            count(Counter::BusyCycles, end - start);
            empty_polls = 0;
            sleep_us = 1;
            continue;
        }
        count(Counter::IdleCycles, end - start);
        // Adaptive back-off: spin a while, then sleep with doubling intervals up to the ceiling,
        // so an idle appliance on a shared host leaves the core to others.
        if (cfg_.idle.backoff && ++empty_polls > cfg_.idle.spin_polls) {
            rte_delay_us_sleep(sleep_us);
            count(Counter::IdleSleeps);
            count(Counter::IdleCycles, rte_rdtsc() - end);
            sleep_us = std::min(sleep_us * 2, cfg_.idle.max_sleep_us);
        }
    }
    return 0;
}

}  // namespace tern::dp
