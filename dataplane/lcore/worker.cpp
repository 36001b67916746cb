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
      tap_tx_(ports_.size()), counters_(region.counters(index)),
      commands_(region.commands(index)), events_(region.events(index)),
      inject_(region.inject(index)), punt_(region.punt(index)), stop_(stop), links_(links) {
    hz_ = rte_get_tsc_hz();
    // TURN timestamps are seconds on the TSC clock; REST expiries need the matching Unix time.
    const uint64_t unix_at_tsc0 = static_cast<uint64_t>(time(nullptr)) - rte_rdtsc() / hz_;
    const PortPlan plan{cfg};
    for (const WorkerPort& p : ports_) {
        neighbors_.push_back(std::make_unique<NeighborTable>(
            cfg.neighbors.max_entries, hz_ * cfg.neighbors.reachable_s,
            hz_ / 1000 * cfg.neighbors.retry_ms));
        TurnServer* turn = nullptr;
        if (cfg.turn.enabled) {
            turn_.push_back(std::make_unique<TurnServer>(
                cfg.turn, *p.policy, index, static_cast<uint32_t>(cfg.worker_cores.size()),
                *counters_, unix_at_tsc0, p.nonce_secret));
            turn = turn_.back().get();
        }
        stacks_.push_back(std::make_unique<Stack>(*p.ifc, cfg.services, *neighbors_.back(),
                                                  *counters_, turn, hz_));
        stacks_.back()->set_stream_sink(this);
        stacks_.back()->set_owner(index, static_cast<uint32_t>(cfg.worker_cores.size()));
        if (plan.sfu()) {
            auto out = std::make_unique<MediaOut>();
            out->w = this;
            out->pi = stacks_.size() - 1;
            sfu_.push_back(std::make_unique<sfu::Sfu>(plan.media_port(index), sfu::SfuLimits{}, *counters_, *out,
                                                      index, static_cast<uint16_t>(stacks_.size() - 1)));
            media_out_.push_back(std::move(out));
            if (const PortRange own = plan.transport_slice(index); !own.empty()) {
                // This worker's slice of the transports' own ports (the stack steers the rest).
                sfu_.back()->set_transport_ports(own.lo, own.hi);
            }
            stacks_.back()->set_sfu(sfu_.back().get());
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
    Stack& stack = *stacks_[pi];
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
        switch (stack.handle(f, now)) {
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
                count(Counter::DropNotForUs);
                to_free[n_free++] = m;
            }
            break;
        case Verdict::Punt: {
            // DTLS and the rest of what the control plane handles for the fast path.
            shm::PacketMeta meta{static_cast<uint16_t>(pi), shm::PacketReason::Dtls, f.len};
            std::byte* slot = punt_.reserve();
            if (slot == nullptr || sizeof meta + f.len > punt_.max_payload()) {
                count(Counter::EventsDropped);
            } else {
                std::memcpy(slot, &meta, sizeof meta);
                std::memcpy(slot + sizeof meta, f.data, f.len);
                punt_.commit(static_cast<uint16_t>(shm::MsgType::Packet), sizeof meta + f.len);
            }
            to_free[n_free++] = m;
            break;
        }
        case Verdict::Handoff:
            hand_over(m, f, stack.handoff_target(), wp.port_id);
            break;
        case Verdict::Drop:
        case Verdict::Consumed:
            to_free[n_free++] = m;
            break;
        }
    }
    if (n_free > 0) {
        rte_pktmbuf_free_bulk(to_free, n_free);
    }
    if (stack.has_solicitation()) {
        std::array<std::byte, 128> sol;
        while (const std::size_t len = stack.take_solicitation(sol, now)) {
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

void Worker::poll_commands() noexcept {
    // Bounded per iteration so a command storm cannot starve the packet loop.
    for (int i = 0; i < 32; ++i) {
        shm::RingMessage msg{};
        if (!commands_.peek(msg)) {
            return;
        }
        if (msg.type == static_cast<uint16_t>(shm::MsgType::Ping) &&
            msg.payload.size() == sizeof(shm::PingCmd)) {
            shm::PingCmd ping;
            std::memcpy(&ping, msg.payload.data(), sizeof ping);
            (void)generations_.admit(ping.generation);
            const shm::PongEvt pong{generations_.newest(), ping.cookie, ping.sent_ns, index_, 0};
            if (!events_.try_push(static_cast<uint16_t>(shm::MsgType::Pong), pong)) {
                count(Counter::EventsDropped);
            }
        }
        if (msg.type >= static_cast<uint16_t>(shm::MsgType::SfuTransport) &&
            msg.type <= static_cast<uint16_t>(shm::MsgType::SfuRelay)) {
            apply_sfu_command(msg.type, msg.payload);
        }
        if (msg.type == static_cast<uint16_t>(shm::MsgType::TurnList) &&
            msg.payload.size() == sizeof(shm::TurnListCmd)) {
            shm::TurnListCmd cmd;
            std::memcpy(&cmd, msg.payload.data(), sizeof cmd);
            listing_ = TurnListing{true, cmd.request_id, 0, 0, 0};  // a newer request replaces an older
        }
        count(Counter::CommandsApplied);
        commands_.release();
    }
}

namespace {

template <class T>
bool read_cmd(ByteSpan p, T& out) {
    if (p.size() != sizeof(T)) {
        return false;
    }
    std::memcpy(&out, p.data(), sizeof(T));
    return true;
}

}  // namespace

void Worker::apply_sfu_command(uint16_t type, ByteSpan p) noexcept {
    if (sfu_.empty()) {
        count(Counter::DropNotForUs);
        return;
    }
    // Every SFU command starts with its generation: one from a control plane older than the
    // newest this lcore has seen (a stopped one's commands still queued) is not applied.
    uint64_t generation = 0;
    if (p.size() < sizeof generation) {
        count(Counter::SfuCommandsRefused);
        return;
    }
    std::memcpy(&generation, p.data(), sizeof generation);
    if (!generations_.admit(generation)) {
        count(Counter::StaleCommands);
        return;
    }
    // Transports live on port 0's engine unless the command names another port.
    bool ok = false;
    try {
        switch (static_cast<shm::MsgType>(type)) {
        case shm::MsgType::SfuTransport: {
            shm::SfuTransportCmd c;
            if (read_cmd(p, c) && c.port < sfu_.size() && c.ufrag_len <= sizeof c.ufrag && c.pwd_len <= sizeof c.pwd) {
                ok = sfu_[c.port]->has_transport(c.id)
                         ? sfu_[c.port]->restart_ice(c.id, {c.ufrag, c.ufrag_len}, {c.pwd, c.pwd_len})
                         : sfu_[c.port]->add_transport(c.id, {c.ufrag, c.ufrag_len}, {c.pwd, c.pwd_len},
                                                       uint64_t{c.max_kbps} * 1000, c.udp_port);
            }
            break;
        }
        case shm::MsgType::SfuKeys: {
            shm::SfuKeysCmd c;
            if (read_cmd(p, c) && c.suite <= static_cast<uint8_t>(srtp::Suite::AeadAes256Gcm)) {
                srtp::MasterKey rx;
                srtp::MasterKey tx;
                rx.suite = tx.suite = static_cast<srtp::Suite>(c.suite);
                std::memcpy(rx.key.data(), c.rx_key, 32);
                std::memcpy(rx.salt.data(), c.rx_salt, 14);
                std::memcpy(tx.key.data(), c.tx_key, 32);
                std::memcpy(tx.salt.data(), c.tx_salt, 14);
                for (auto& e : sfu_) {
                    ok = e->set_keys(c.id, rx, tx) || ok;
                }
            }
            break;
        }
        case shm::MsgType::SfuPublication: {
            shm::SfuPublicationCmd c;
            if (read_cmd(p, c) && c.codec <= static_cast<uint8_t>(sfu::Codec::Other) && c.from_worker != 0) {
                for (auto& e : sfu_) {
                    ok = e->add_remote_publication(c.track, c.layer, static_cast<sfu::Codec>(c.codec), c.clock_hz,
                                                   c.from_worker - 1u) ||
                         ok;
                }
            } else if (read_cmd(p, c) && c.codec <= static_cast<uint8_t>(sfu::Codec::Other) && c.rid_len <= sizeof c.rid) {
                for (auto& e : sfu_) {
                    const auto codec = static_cast<sfu::Codec>(c.codec);
                    const bool added =
                        c.ssrc == 0 && c.rid_len > 0
                            ? e->add_rid_publication(c.id, {c.rid, c.rid_len}, c.rid_ext, c.track, c.layer, codec, c.clock_hz)
                            : e->add_publication(c.id, c.ssrc, c.track, c.layer, codec, c.clock_hz);
                    if (added && (c.twcc_ext != 0 || c.level_ext != 0 || c.cvo_ext != 0 || c.capture_ext != 0)) {
                        (void)e->set_extensions(c.id, sfu::PublisherExtensions{c.twcc_ext, c.level_ext, c.cvo_ext,
                                                                               c.capture_ext});
                    }
                    ok = added || ok;
                }
            }
            break;
        }
        case shm::MsgType::SfuSubscription: {
            shm::SfuSubscriptionCmd c;
            if (read_cmd(p, c)) {
                for (auto& e : sfu_) {
                    ok = e->add_subscription(c.id, c.track, c.out_ssrc, c.out_pt, c.target_layer, c.rtx_ssrc, c.rtx_pt) || ok;
                }
            }
            break;
        }
        case shm::MsgType::SfuLayer: {
            shm::SfuLayerCmd c;
            if (read_cmd(p, c)) {
                for (auto& e : sfu_) {
                    ok = e->set_target_layer(c.id, c.out_ssrc, c.layer) || ok;
                }
            }
            break;
        }
        case shm::MsgType::SfuRelay: {
            shm::SfuRelayCmd c;
            if (read_cmd(p, c)) {
                for (auto& e : sfu_) {
                    ok = e->set_relay(c.track, c.to_worker, c.on != 0) || ok;
                }
            }
            break;
        }
        case shm::MsgType::SfuRemove: {
            shm::SfuRemoveCmd c;
            if (read_cmd(p, c)) {
                for (auto& e : sfu_) {
                    ok = e->remove_transport(c.id) || ok;
                }
            }
            break;
        }
        default: break;
        }
    } catch (const std::exception&) {
        ok = false;  // allocation failure while setting up: refused, the packet loop goes on
    }
    if (!ok) {
        count(Counter::SfuCommandsRefused);
    }
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

void Worker::MediaOut::send(Buf& b, std::size_t len, const wire::MacAddr& mac, const wire::Endpoint& src,
                            const wire::Endpoint& dst) noexcept {
    auto* m = static_cast<rte_mbuf*>(b.handle);
    Frame f{b.payload, static_cast<uint32_t>(len), static_cast<uint32_t>(b.room), rte_pktmbuf_headroom(m)};
    const Verdict v = w->stacks_[pi]->emit_media(f, b.payload, len, mac, src, dst, w->now_tsc_);
    if (v == Verdict::Handoff) {
        w->hand_over(m, f, w->stacks_[pi]->handoff_target(), w->ports_[pi].port_id);  // behind another worker's relay
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

void Worker::MediaOut::discard(Buf& b) noexcept { rte_pktmbuf_free(static_cast<rte_mbuf*>(b.handle)); }

bool Worker::MediaOut::punt(uint64_t id, ByteSpan datagram) noexcept {
    const shm::SfuDatagramMeta meta{id, static_cast<uint32_t>(datagram.size()), 0};
    std::byte* slot = w->punt_.reserve();
    if (slot == nullptr || sizeof meta + datagram.size() > w->punt_.max_payload()) {
        return false;
    }
    std::memcpy(slot, &meta, sizeof meta);
    std::memcpy(slot + sizeof meta, datagram.data(), datagram.size());
    w->punt_.commit(static_cast<uint16_t>(shm::MsgType::SfuDatagram), sizeof meta + datagram.size());
    return true;
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
    const auto type = up ? shm::MsgType::SfuTransportUp : shm::MsgType::SfuTransportDown;
    if (!w->events_.try_push(static_cast<uint16_t>(type), e)) {
        w->count(Counter::EventsDropped);
    }
}

void Worker::MediaOut::speaking(uint64_t id, uint32_t track, bool on, uint8_t level) noexcept {
    const shm::SfuSpeakingEvt e{id, track, static_cast<uint8_t>(on ? 1 : 0), level, 0};
    if (!w->events_.try_push(static_cast<uint16_t>(shm::MsgType::SfuSpeaking), e)) {
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
    auto* d = reinterpret_cast<std::byte*>(rte_pktmbuf_append(m, static_cast<uint16_t>(sizeof r + rtp.size())));
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
        unsigned n = rte_ring_sc_dequeue_burst(links_->handoff[from][index_], reinterpret_cast<void**>(pkts),
                                               cfg_.burst, nullptr);
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
                    count(Counter::DropNotForUs);
                    rte_pktmbuf_free(pkts[i]);
                }
            }
            work += n;
        }
        n = rte_ring_sc_dequeue_burst(links_->relay[from][index_], reinterpret_cast<void**>(pkts), cfg_.burst,
                                      nullptr);
        if (n > 0) {
            const uint64_t now = now_us();
            for (unsigned i = 0; i < n; ++i) {
                sfu::Relayed r;
                const auto* d = rte_pktmbuf_mtod(pkts[i], const std::byte*);
                if (pkts[i]->data_len >= sizeof r) {
                    std::memcpy(&r, d, sizeof r);
                    if (r.port < sfu_.size()) {
                        sfu_[r.port]->on_relayed(r, d + sizeof r, pkts[i]->data_len - sizeof r, now);
                    }
                }
            }
            rte_pktmbuf_free_bulk(pkts, n);
            work += n;
        }
    }
    return work;
}

void Worker::inject_sfu_datagram(ByteSpan payload) noexcept {
    shm::SfuDatagramMeta meta{};
    if (payload.size() < sizeof meta) {
        count(Counter::DropNotForUs);
        return;
    }
    std::memcpy(&meta, payload.data(), sizeof meta);
    if (meta.len > payload.size() - sizeof meta) {
        count(Counter::DropNotForUs);
        return;
    }
    for (auto& e : sfu_) {
        if (e->send_datagram(meta.id, payload.subspan(sizeof meta, meta.len))) {
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
        case shm::MsgType::Packet: inject_packet(msg.payload); break;
        case shm::MsgType::SfuDatagram: now_tsc_ = now; inject_sfu_datagram(msg.payload); break;
        case shm::MsgType::TurnStreamData:
        case shm::MsgType::TurnStreamClose:
        case shm::MsgType::TurnStreamReset: inject_stream(msg.type, msg.payload, now); break;
        default: count(Counter::DropNotForUs); break;
        }
        inject_.release();
    }
}

void Worker::inject_packet(ByteSpan payload) noexcept {
    shm::PacketMeta meta{};
    if (payload.size() < sizeof meta) {
        count(Counter::DropNotForUs);
        return;
    }
    std::memcpy(&meta, payload.data(), sizeof meta);
    const std::size_t avail = payload.size() - sizeof meta;
    if (meta.port >= ports_.size() || meta.frame_len > avail || meta.frame_len == 0) {
        count(Counter::DropNotForUs);
        return;
    }
    send_frame(meta.port, payload.subspan(sizeof meta, meta.frame_len));
}

namespace {

wire::Endpoint endpoint_of(bool v6, const uint8_t* ip, uint16_t port) {
    if (v6) {
        wire::Ipv6Addr a;
        std::memcpy(a.b.data(), ip, 16);
        return wire::Endpoint::from_v6(a, port);
    }
    return wire::Endpoint::from_v4(wire::Ipv4Addr{load_u32be(reinterpret_cast<const std::byte*>(ip))}, port);
}

}  // namespace

void Worker::inject_stream(uint16_t type, ByteSpan payload, uint64_t now) noexcept {
    now_tsc_ = now;  // a TCP client relayed to the SFU sends media from here too
    if (turn_.empty()) {
        count(Counter::DropNotForUs);
        return;
    }
    if (type == static_cast<uint16_t>(shm::MsgType::TurnStreamReset)) {
        for (auto& t : turn_) {
            count(Counter::TurnStreamClosed, t->reset_streams());
        }
        return;
    }
    shm::StreamMeta meta{};
    if (payload.size() < sizeof meta) {
        count(Counter::DropNotForUs);
        return;
    }
    std::memcpy(&meta, payload.data(), sizeof meta);
    if (meta.port >= ports_.size() || meta.conn == 0 || meta.len > payload.size() - sizeof meta) {
        count(Counter::DropNotForUs);
        return;
    }
    const wire::Endpoint client = endpoint_of(meta.is_v6 != 0, meta.client_ip, meta.client_port);
    const wire::Endpoint server = endpoint_of(meta.is_v6 != 0, meta.server_ip, meta.server_port);
    if (type == static_cast<uint16_t>(shm::MsgType::TurnStreamClose)) {
        turn_[meta.port]->close_stream(meta.conn, client, server);
        count(Counter::TurnStreamClosed);
        return;
    }
    rte_mbuf* m = rte_pktmbuf_alloc(ports_[meta.port].pool);
    char* dst = m != nullptr ? rte_pktmbuf_append(m, static_cast<uint16_t>(meta.len)) : nullptr;
    if (dst == nullptr) {
        if (m != nullptr) {
            rte_pktmbuf_free(m);
        }
        count(Counter::DropNoMbuf);
        return;
    }
    std::memcpy(dst, payload.data() + sizeof meta, meta.len);
    Frame f{reinterpret_cast<std::byte*>(dst), meta.len,
            static_cast<uint32_t>(meta.len + rte_pktmbuf_tailroom(m)), rte_pktmbuf_headroom(m)};
    const Verdict v = stacks_[meta.port]->handle_stream(f, meta.conn, client, server, now);
    if (v == Verdict::Transmit) {
        m->data_off = static_cast<uint16_t>(f.data - static_cast<std::byte*>(m->buf_addr));
        m->data_len = static_cast<uint16_t>(f.len);
        m->pkt_len = f.len;
        enqueue_tx(tx_[meta.port], ports_[meta.port].port_id, &counters_->queue[meta.port], m);
    } else if (v == Verdict::Handoff) {
        hand_over(m, f, stacks_[meta.port]->handoff_target(), ports_[meta.port].port_id);  // another worker's SFU or relay port
    } else {
        rte_pktmbuf_free(m);
    }
    if (stacks_[meta.port]->has_solicitation()) {
        std::array<std::byte, 128> sol;
        while (const std::size_t len = stacks_[meta.port]->take_solicitation(sol, now)) {
            send_frame(meta.port, ByteSpan{sol}.first(len));
        }
    }
}

bool Worker::write(uint64_t stream, ByteSpan message) noexcept {
    if (message.size() + sizeof(shm::StreamMeta) > punt_.max_payload()) {
        return false;
    }
    std::byte* p = punt_.reserve();
    if (p == nullptr) {
        return false;
    }
    shm::StreamMeta meta{};
    meta.conn = stream;
    meta.len = static_cast<uint32_t>(message.size());
    std::memcpy(p, &meta, sizeof meta);
    std::memcpy(p + sizeof meta, message.data(), message.size());
    punt_.commit(static_cast<uint16_t>(shm::MsgType::TurnStreamData), sizeof meta + message.size());
    return true;
}

void Worker::continue_turn_list(uint64_t now) noexcept {
    if (!listing_.active) {
        return;
    }
    const uint64_t now_s = now / hz_;
    int budget = 64;  // allocations per loop iteration: a long list never stalls forwarding
    while (listing_.port < turn_.size() && budget-- > 0) {
        const AllocationTable& table = turn_[listing_.port]->allocations();
        if (listing_.next >= table.capacity()) {
            ++listing_.port;
            listing_.next = 0;
            continue;
        }
        const Allocation& a = table.at(listing_.next);
        if (a.in_use) {
            shm::TurnAllocationEvt e{};
            e.request_id = listing_.request_id;
            e.worker = index_;
            e.port_index = static_cast<uint16_t>(listing_.port);
            e.client_is_v6 = a.client.is_v6 ? 1 : 0;
            if (a.client.is_v6) {
                std::memcpy(e.client_ip, a.client.v6.b.data(), 16);
                std::memcpy(e.relay_ip, a.server.v6.b.data(), 16);
            } else {
                store_u32be(reinterpret_cast<std::byte*>(e.client_ip), a.client.v4.v);
                store_u32be(reinterpret_cast<std::byte*>(e.relay_ip), a.server.v4.v);
            }
            e.client_port = a.client.port;
            e.relay_port = a.relay_port;
            e.lifetime_left_s = static_cast<uint32_t>(a.expires_s > now_s ? a.expires_s - now_s : 0);
            for (const Permission& p : a.permissions) {
                e.permissions = static_cast<uint16_t>(e.permissions + (p.expires_s > now_s ? 1 : 0));
            }
            for (const Channel& c : a.channels) {
                e.channels = static_cast<uint16_t>(e.channels + (c.number != 0 && c.expires_s > now_s ? 1 : 0));
            }
            e.to_peer_packets = a.to_peer_packets;
            e.to_peer_bytes = a.to_peer_bytes;
            e.to_client_packets = a.to_client_packets;
            e.to_client_bytes = a.to_client_bytes;
            std::memcpy(e.username, a.username.data(), std::min<std::size_t>(a.username_len, sizeof e.username - 1));
            if (!events_.try_push(static_cast<uint16_t>(shm::MsgType::TurnAllocation), e)) {
                return;  // ring full: resume from this allocation next time
            }
            ++listing_.reported;
        }
        ++listing_.next;
    }
    if (listing_.port >= turn_.size()) {
        const shm::TurnListDoneEvt done{listing_.request_id, index_, listing_.reported};
        if (events_.try_push(static_cast<uint16_t>(shm::MsgType::TurnListDone), done)) {
            listing_.active = false;
        }
    }
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
                if (const std::size_t n = stacks_[pi]->write_arp_request(frame, *ifc.gateway4)) {
                    send_frame(pi, ByteSpan{frame}.first(n));
                    count(Counter::ArpRequestsSent);
                }
            }
        }
        if (ifc.gateway6) {
            (void)neighbors_[pi]->resolve(*ifc.gateway6, now, solicit);
            if (solicit) {
                if (const std::size_t n = stacks_[pi]->write_neighbor_solicitation(frame, *ifc.gateway6)) {
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
            poll_commands();
            poll_inject();
            continue_turn_list(start);
            last_commands = start;
        }
        if (start - last_housekeeping > hz / 10) {
            resolve_gateways(start);
            for (auto& t : turn_) {
                t->tick(start / hz);
            }
            if (start - last_consent > hz) {
                const uint64_t tsc = rte_rdtsc();  // not `start`: checks handled since then are newer
                const uint64_t now_us = tsc / hz * 1'000'000 + tsc % hz * 1'000'000 / hz;  // as the stack counts
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
