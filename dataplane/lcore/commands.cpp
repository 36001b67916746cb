#include "dataplane/lcore/commands.hpp"

#include "common/byte_reader.hpp"

#include <algorithm>
#include <cstring>
#include <exception>

namespace tern::dp {

using shm::Counter;
using shm::MsgType;

void Commands::poll() noexcept {
    for (int i = 0; i < 32; ++i) {
        shm::RingMessage m{};
        if (!ring_.peek(m)) {
            return;
        }
        switch (static_cast<MsgType>(m.type)) {
        case MsgType::Ping:
            if (const auto ping = shm::decode<shm::PingCmd>(m)) {
                (void)generations_.admit(ping->generation);
                if (!events_.try_push(shm::PongEvt{generations_.newest(), ping->cookie,
                                                   ping->sent_ns, lcore_, 0})) {
                    count(Counter::EventsDropped);
                }
            }
            break;
        case MsgType::TurnList:
            if (const auto list = shm::decode<shm::TurnListCmd>(m)) {
                listing_ = TurnListing{true, list->request_id, 0, 0,
                                       0};  // a newer request replaces an older
            }
            break;
        case MsgType::SfuTransport:
        case MsgType::SfuKeys:
        case MsgType::SfuPublication:
        case MsgType::SfuSubscription:
        case MsgType::SfuRemove:
        case MsgType::SfuLayer:
        case MsgType::SfuRelay:
        case MsgType::SfuTransportCc: apply_sfu(m); break;
        default: break;
        }
        count(Counter::CommandsApplied);
        ring_.release();
    }
}

void Commands::apply_sfu(const shm::RingMessage& m) noexcept {
    if (sfu_.empty()) {
        count(Counter::DropNotLocal);
        return;
    }
    // Every SFU command starts with its generation: one from a control plane older than the
    // newest this lcore has seen (a stopped one's commands still queued) is not applied.
    uint64_t generation = 0;
    if (m.payload.size() < sizeof generation) {
        count(Counter::SfuCommandsRefused);
        return;
    }
    std::memcpy(&generation, m.payload.data(), sizeof generation);
    if (!generations_.admit(generation)) {
        count(Counter::StaleCommands);
        return;
    }
    bool ok = false;
    try {
        ok = apply_sfu_command(m);
    } catch (const std::exception&) {
        ok = false;  // allocation failure while setting up: refused, the packet loop goes on
    }
    if (!ok) {
        count(Counter::SfuCommandsRefused);
    }
}

bool Commands::apply_sfu_command(const shm::RingMessage& m) {
    // Transports live on port 0's engine unless the command names another port; the others
    // apply to whichever engine has the transport.
    bool ok = false;
    if (const auto c = shm::decode<shm::SfuTransportCmd>(m)) {
        if (c->port < sfu_.size() && c->ufrag_len <= sizeof c->ufrag &&
            c->pwd_len <= sizeof c->pwd) {
            sfu::Sfu& e = *sfu_[c->port];
            const std::string_view ufrag{c->ufrag, c->ufrag_len};
            const std::string_view pwd{c->pwd, c->pwd_len};
            ok =
                e.has_transport(c->id)
                    ? e.restart_ice(c->id, ufrag, pwd)
                    : e.add_transport(c->id, ufrag, pwd, uint64_t{c->max_kbps} * 1000, c->udp_port);
        }
    } else if (const auto k = shm::decode<shm::SfuKeysCmd>(m)) {
        if (k->suite <= static_cast<uint8_t>(srtp::Suite::AeadAes256Gcm)) {
            srtp::MasterKey rx;
            srtp::MasterKey tx;
            rx.suite = tx.suite = static_cast<srtp::Suite>(k->suite);
            std::memcpy(rx.key.data(), k->rx_key, 32);
            std::memcpy(rx.salt.data(), k->rx_salt, 14);
            std::memcpy(tx.key.data(), k->tx_key, 32);
            std::memcpy(tx.salt.data(), k->tx_salt, 14);
            for (const auto& e : sfu_) {
                ok = e->set_keys(k->id, rx, tx) || ok;
            }
        }
    } else if (const auto p = shm::decode<shm::SfuPublicationCmd>(m)) {
        if (p->codec > static_cast<uint8_t>(sfu::Codec::Other)) {
            return false;
        }
        const auto codec = static_cast<sfu::Codec>(p->codec);
        if (p->from_worker != 0) {  // published on another worker, relayed here
            for (const auto& e : sfu_) {
                ok = e->add_remote_publication(p->track, p->layer, codec, p->clock_hz,
                                               p->from_worker - 1u) ||
                     ok;
            }
        } else if (p->rid_len <= sizeof p->rid) {
            for (const auto& e : sfu_) {
                const bool added =
                    p->ssrc == 0 && p->rid_len > 0
                        ? e->add_rid_publication(p->id, {p->rid, p->rid_len}, p->rid_ext, p->track,
                                                 p->layer, codec, p->clock_hz)
                        : e->add_publication(p->id, p->ssrc, p->track, p->layer, codec,
                                             p->clock_hz);
                if (added && (p->twcc_ext != 0 || p->level_ext != 0 || p->cvo_ext != 0 ||
                              p->capture_ext != 0)) {
                    (void)e->set_extensions(p->id,
                                            sfu::PublisherExtensions{p->twcc_ext, p->level_ext,
                                                                     p->cvo_ext, p->capture_ext});
                }
                ok = added || ok;
            }
        }
    } else if (const auto s = shm::decode<shm::SfuSubscriptionCmd>(m)) {
        for (const auto& e : sfu_) {
            ok = e->add_subscription(
                     s->id, s->track, s->out_ssrc, s->out_pt, s->target_layer, s->rtx_ssrc,
                     s->rtx_pt, s->screen != 0 ? sfu::VideoKind::Screen : sfu::VideoKind::Camera) ||
                 ok;
        }
    } else if (const auto b = shm::decode<shm::SfuTransportCcCmd>(m)) {
        for (const auto& e : sfu_) {
            ok = e->estimate_bandwidth(b->id) || ok;
        }
    } else if (const auto l = shm::decode<shm::SfuLayerCmd>(m)) {
        for (const auto& e : sfu_) {
            ok = e->set_target_layer(l->id, l->out_ssrc, l->layer, l->temporal) || ok;
        }
    } else if (const auto r = shm::decode<shm::SfuRelayCmd>(m)) {
        for (const auto& e : sfu_) {
            ok = e->set_relay(r->track, r->to_worker, r->on != 0) || ok;
        }
    } else if (const auto x = shm::decode<shm::SfuRemoveCmd>(m)) {
        for (const auto& e : sfu_) {
            ok = e->remove_transport(x->id) || ok;
        }
    }
    return ok;
}

void Commands::continue_turn_list(uint64_t now_tsc) noexcept {
    if (!listing_.active) {
        return;
    }
    const uint64_t now_s = now_tsc / hz_;
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
            e.worker = lcore_;
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
            e.lifetime_left_s =
                static_cast<uint32_t>(a.expires_s > now_s ? a.expires_s - now_s : 0);
            for (const Permission& p : a.permissions) {
                e.permissions =
                    static_cast<uint16_t>(e.permissions + (p.expires_s > now_s ? 1 : 0));
            }
            for (const Channel& c : a.channels) {
                e.channels = static_cast<uint16_t>(e.channels +
                                                   (c.number != 0 && c.expires_s > now_s ? 1 : 0));
            }
            e.to_peer_packets = a.to_peer_packets;
            e.to_peer_bytes = a.to_peer_bytes;
            e.to_client_packets = a.to_client_packets;
            e.to_client_bytes = a.to_client_bytes;
            std::memcpy(e.username, a.username.data(),
                        std::min<std::size_t>(a.username_len, sizeof e.username - 1));
            if (!events_.try_push(e)) {
                return;  // ring full: resume from this allocation next time
            }
            ++listing_.reported;
        }
        ++listing_.next;
    }
    if (listing_.port >= turn_.size()) {
        if (events_.try_push(
                shm::TurnListDoneEvt{listing_.request_id, lcore_, listing_.reported})) {
            listing_.active = false;
        }
    }
}

}  // namespace tern::dp
