// The SFU engine's packet path, top to bottom: a datagram is demultiplexed (on_datagram), STUN
// answered (on_stun), SRTP opened and its stream found (on_rtp), fanned out to the track's
// subscribers (forward), RTCP from subscribers acted on (on_rtcp), NACKs and keyframe requests
// answered. Reports and relaying are in sfu_reports.cpp and sfu_relay.cpp; the tables they read
// are built by sfu_control.cpp.
#include "dataplane/sfu/sfu.hpp"

#include "common/wire/rtcp.hpp"
#include "common/wire/rtp.hpp"
#include "common/wire/twcc.hpp"
#include "dataplane/sfu/rtcp_out.hpp"

#include <algorithm>
#include <array>

namespace tern::sfu {

using shm::Counter;

namespace {

/// The next transport-wide sequence number of `t` into `out`, when `t` estimates bandwidth.
void stamp_twcc(Transport& t, Egress::RtpOut& out) noexcept {
    if (t.bwe) {
        out.twcc_id = wire::ext::kOutTransportCc;
        out.twcc_seq = t.twcc_out_seq++;
    }
}

/// A packet stamped by stamp_twcc() left: its send goes into the estimator's history.
void record_send(Transport& t, const Egress::RtpOut& out, std::size_t len,
                 uint64_t now_us) noexcept {
    if (t.bwe) {
        t.bwe->on_sent(out.twcc_seq, static_cast<int64_t>(now_us), static_cast<uint32_t>(len));
    }
}

}  // namespace

// ---- demultiplexing ---------------------------------------------------------------------------

Sfu::Outcome Sfu::on_datagram(std::byte* p, std::size_t len, const wire::Endpoint& peer,
                              const wire::Endpoint& local, const wire::MacAddr& mac,
                              uint64_t now_us) noexcept {
    reply_len_ = 0;
    if (len == 0) {
        count(Counter::SfuDropUnknown);
        return Outcome::Drop;
    }
    const auto b = std::to_integer<uint8_t>(p[0]);
    if (b <= 3) {
        return on_stun(ByteSpan{p, len}, peer, local, mac, now_us);
    }
    const IcePath* path = nullptr;
    Transport* t = by_remote(peer, path);
    if (t == nullptr) {
        count(Counter::SfuDropUnknown);  // no valid check from there: nothing to decrypt with
        return Outcome::Drop;
    }
    if (b >= 20 && b <= 63) {
        // DTLS (and SCTP inside it) belongs to the control plane.
        if (!sink_.punt(t->id, ByteSpan{p, len})) {
            count(Counter::EventsDropped);
            return Outcome::Drop;
        }
        count(Counter::SfuDtlsPunted);
        return Outcome::Consumed;
    }
    if (b < 128 || b > 191 || !t->rx) {
        count(Counter::SfuDropUnknown);
        return Outcome::Drop;
    }
    const IcePath* moved = nullptr;
    if (!(peer == t->remote)) {
        // Another valid path: its media counts; it moves the selection once authenticated.
        moved = now_us >= t->selected_us + Transport::kMediaSwitchHoldUs ? path : nullptr;
    } else {
        t->remote_mac = mac;
    }
    return wire::looks_like_rtcp(ByteSpan{p, len}) ? on_rtcp(*t, p, len, now_us, moved)
                                                   : on_rtp(*t, p, len, now_us, moved);
}

Transport* Sfu::by_remote(const wire::Endpoint& peer, const IcePath*& path) noexcept {
    Transport* found = nullptr;
    (void)by_remote_.find(hash32(endpoint_key(peer)), [&](uint32_t slot) {
        Transport* t = transports_[slot].get();
        if (!t->connected) {
            return false;
        }
        path = t->paths.find(peer);
        found = path != nullptr ? t : nullptr;
        return found != nullptr;
    });
    return found;
}

// ---- ICE-lite (ice_lite.hpp decides and writes; the tables are here) -------------------------

Sfu::Outcome Sfu::on_stun(ByteSpan msg, const wire::Endpoint& peer, const wire::Endpoint& local,
                          const wire::MacAddr& mac, uint64_t now_us) noexcept {
    wire::stun::Message m;
    IceCheck check;
    const IceVerdict verdict = parse_check(msg, m, check);
    bool prev = false;
    const uint32_t slot =
        verdict == IceVerdict::Check ? by_ufrag(check.local_ufrag, &prev) : IndexTable::kNone;
    if (slot == IndexTable::kNone) {
        count(Counter::SfuStunRejected);
        return verdict == IceVerdict::Indication ? Outcome::Consumed : Outcome::Drop;
    }
    Transport& t = *transports_[slot];
    if (local.port != (t.udp_port != 0 ? t.udp_port : port_)) {
        count(Counter::SfuStunRejected);  // its checks belong on its own port (or the shared one)
        return Outcome::Drop;
    }
    const crypto::HmacSha1Key& pwd = prev ? t.ice.prev_pwd : t.ice.pwd;
    if (!m.check_integrity(pwd)) {
        count(Counter::SfuStunRejected);
        reply_len_ = write_unauthorized(m, scratch_);
        return reply_len_ != 0 ? Outcome::Reply : Outcome::Drop;
    }
    if (!prev) {
        end_prev_credentials(slot);  // the restart's checks arrive: the old credentials end
    }
    const IcePath path{peer, local, mac, now_us};
    note_path(slot, path);  // a valid pair: its media is taken from now on
    if (t.connected && peer == t.remote) {
        t.last_check_us = now_us;  // consent refreshed
    }
    if (check.use_candidate || !t.connected) {
        // Nominated (or the first valid check of a lite agent's only pair): media flows here.
        select_path(t, path, now_us);
    }
    reply_len_ = write_success(m, peer, pwd, scratch_);
    if (reply_len_ == 0) {
        return Outcome::Drop;
    }
    count(Counter::SfuStunAnswered);
    return Outcome::Reply;
}

void Sfu::note_path(uint32_t slot, const IcePath& path) noexcept {
    Transport& t = *transports_[slot];
    const IcePaths::Noted n = t.paths.note(path, t.connected ? &t.remote : nullptr);
    if (n.evicted) {
        unindex_remote(slot, n.evicted_remote);
    }
    if (n.added) {
        // The index holds at most kMax paths per transport: room is reserved for all of them.
        (void)by_remote_.insert(hash32(endpoint_key(path.remote)), slot);
    }
}

void Sfu::select_path(Transport& t, const IcePath& path, uint64_t now_us) noexcept {
    const bool moved = !t.connected || !(t.remote == path.remote);
    t.remote = path.remote;
    t.local = path.local;
    t.remote_mac = path.mac;
    t.last_check_us = path.checked_us;  // consent is the new path's (RFC 7675: per pair)
    if (moved) {
        if (t.connected) {
            count(Counter::SfuPathMoves);
        }
        t.connected = true;
        t.selected_us = now_us;
        sink_.transport_up(t.id, path.remote);
    }
}

// ---- RTP from a publisher ---------------------------------------------------------------------

Sfu::Outcome Sfu::on_rtp(Transport& t, std::byte* p, std::size_t len, uint64_t now_us,
                         const IcePath* moved) noexcept {
    std::size_t n = 0;
    if (t.rx->unprotect_rtp(p, len, n) != srtp::Status::Ok) {
        count(Counter::SfuDropSrtp);
        return Outcome::Drop;
    }
    if (moved != nullptr) {
        select_path(t, *moved, now_us);  // the peer sends from there now: so do we
    }
    wire::RtpView v;
    wire::Error why{};
    if (!wire::parse_rtp(ByteSpan{p, n}, v, why)) {
        count(Counter::SfuDropUnknown);
        return Outcome::Drop;
    }
    if (t.twcc) {
        note_twcc(t, v, now_us);  // every packet counts, probes and unknown streams included
    }
    uint32_t pi = IndexTable::kNone;
    for (uint8_t i = 0; i < t.n_fast; ++i) {
        if (t.fast_ssrcs[i].first == v.ssrc) {
            pi = t.fast_ssrcs[i].second;
            break;
        }
    }
    if (pi == IndexTable::kNone) {
        pi = pub_by_ssrc(v.ssrc);
        if (pi == IndexTable::kNone && learn_ssrc(t, v)) {
            pi = pub_by_ssrc(v.ssrc);
        }
        if (pi == IndexTable::kNone || &t != transports_[pubs_[pi].transport].get()) {
            count(Counter::SfuDropUnknown);
            return Outcome::Drop;
        }
    }
    count(Counter::SfuRtpIn);
    ++t.stats.rtp_in;
    Publication& pub = pubs_[pi];
    pub.rx.note(v.seq, v.timestamp, pub.clock_hz, now_us);
    if (t.last_remb_us == 0) {
        t.last_remb_us = now_us;  // the first report goes half a second after the first packet
    } else if (now_us - t.last_remb_us >= 500'000) {
        // RR (loss, jitter, RTT) and REMB (its budget: the bandwidth estimate stays under it).
        report_to_publisher(t, now_us);
    }
    if (pub.codec == Codec::Opus && t.level_ext != 0) {
        note_level(t, pub, v, now_us);
    }
    if (v.extension) {
        // Subscribers get the elements they can use, with the ids tern offered them; the rest
        // (mid, rid, the publisher's transport-wide numbers...) is removed here, once.
        (void)wire::remap_rtp_extensions(p + (v.ext_data.data() - p), v.ext_data.size(),
                                         v.ext_profile, t.out_ext);
    }
    if (pub.store) {
        pub.store->put(v.seq, p, n, now_us);
    }
    // Audio has no keyframes: any packet is a place to start (or switch) a subscriber.
    const bool key = pub.codec == Codec::Opus || is_keyframe(pub.codec, v.payload);
    forward(pi, p, n, v.seq, v.timestamp, key, now_us);
    return Outcome::Consumed;
}

void Sfu::forward(uint32_t pub_slot, const std::byte* rtp, std::size_t len, uint16_t seq,
                  uint32_t ts, bool keyframe, uint64_t now_us) noexcept {
    Publication& pub = pubs_[pub_slot];
    if (keyframe) {
        pub.pli_sent = false;  // answered: whoever needs the next one may ask at once
    }
    const Track& track = tracks_[pub.track_slot];
    if (!track.relay.empty() && pub.transport != kRemote) {
        Relayed r;
        r.keyframe = keyframe ? 1 : 0;
        relay_out(pub, r, ByteSpan{rtp, len});
    }
    const std::vector<uint32_t>& list = track.subs;
    if (list.empty()) {
        return;
    }
    const std::size_t hl = rtp_header_len(rtp, len);
    if (hl > len) {
        count(Counter::SfuDropUnknown);
        return;
    }
    // Padding only (RFC 3550 §5.1: the last octet counts the padding, here the whole payload):
    // a publisher without RTX probing its own link, as Chromium does on a media stream. Nothing
    // for a subscriber, and no part of what the layer carries (layer selection would take the
    // probe's rate for the layer's).
    const bool padding_only = (std::to_integer<uint8_t>(rtp[0]) & 0x20) != 0 && len > hl &&
                              std::to_integer<std::size_t>(rtp[len - 1]) >= len - hl;
    if (padding_only) {
        count(Counter::SfuPaddingIn);
    }
    bool want_key = false;
    const uint32_t abs = wire::ext::abs_send_time(now_us);
    // VP8 temporal layers: read once per packet, filtered per subscription.
    const Vp8Temporal temporal =
        pub.codec == Codec::Vp8 ? vp8_temporal(ByteSpan{rtp + hl, len - hl}) : Vp8Temporal{};
    if (!padding_only) {
        pub.rate.note(temporal.tid, static_cast<uint32_t>(len), now_us);
    }
    // Each subscriber's state and keys are far apart and, with many small rooms, out of cache:
    // the next subscription's record is requested two sends ahead, its keys and SRTP stream one
    // send ahead, so the loads overlap the current send's encryption.
    const std::size_t n = list.size();
    if (n > 1) {
        __builtin_prefetch(subs_[list[1]].get());
    }
    for (std::size_t k = 0; k < n; ++k) {
        if (k + 2 < n) {
            __builtin_prefetch(subs_[list[k + 2]].get());
        }
        if (k + 1 < n) {
            const Subscription& next = *subs_[list[k + 1]];
            const Transport& nt = *transports_[next.transport];
            if (nt.tx) {
                nt.tx->prefetch_protect(next.out_ssrc);
            }
        }
        Subscription& s = *subs_[list[k]];
        Transport& st = *transports_[s.transport];
        if (!st.connected || !st.tx) {
            // Not reachable yet (ICE or DTLS still running) or any more: a keyframe passing now
            // would be lost to it, so it starts over and waits for one once it is reachable.
            s.layers.restart();
            continue;
        }
        const bool send = s.layers.accept(pub.layer, keyframe);
        want_key = want_key || s.layers.wants_keyframe();
        if (!send) {
            continue;
        }
        if (padding_only) {
            s.rewriter.drop(pub.ssrc, seq);  // not a loss: the numbering closes over it
            continue;
        }
        if (!s.temporal.accept(temporal, keyframe)) {
            s.rewriter.drop(pub.ssrc, seq);  // not a loss: the numbering closes over it
            continue;
        }
        const StreamRewriter::Out o = s.rewriter.forward(pub.ssrc, seq, ts, now_us);
        Egress::RtpOut ro{s.out_pt, s.out_ssrc, o.seq, o.ts, abs};
        stamp_twcc(st, ro);
        if (!out_.send_rtp(st, rtp, hl, len, ro)) {
            continue;
        }
        record_send(st, ro, len, now_us);
        ++s.packets;
        s.octets += static_cast<uint32_t>(len - hl);
        (void)s.sent.store(o.seq,
                           Subscription::SentRef{pub_slot, o.ts, abs, seq, ro.twcc_seq, pub.gen,
                                                 true, ro.twcc_id != 0},
                           now_us);
        count(Counter::SfuRtpOut);
        ++st.stats.rtp_out;
        if (st.cluster.id != kNoProbeCluster) [[unlikely]] {
            send_probes(st, now_us);  // paced by the media it goes with
        }
    }
    if (want_key) {
        // Some subscriber waits for a layer's keyframe: ask the publishers of the layers wanted.
        for (uint32_t si : list) {
            const Subscription& s = *subs_[si];
            const Transport& st = *transports_[s.transport];
            if (st.connected && st.tx && s.layers.wants_keyframe()) {
                request_keyframe(pub.track, s.layers.target(), now_us);
            }
        }
    }
}

// ---- RTCP from a subscriber (or a publisher's SR) -----------------------------------------------

Sfu::Outcome Sfu::on_rtcp(Transport& t, std::byte* p, std::size_t len, uint64_t now_us,
                          const IcePath* moved) noexcept {
    std::size_t n = 0;
    if (t.rx->unprotect_rtcp(p, len, n) != srtp::Status::Ok) {
        count(Counter::SfuDropSrtp);
        return Outcome::Drop;
    }
    if (moved != nullptr) {
        select_path(t, *moved, now_us);
    }
    count(Counter::SfuRtcpIn);
    auto sub_of = [&](uint32_t media_ssrc) -> Subscription* {
        const uint32_t s = sub_by_ssrc(t.slot, media_ssrc);
        return s == IndexTable::kNone ? nullptr : subs_[s].get();
    };
    wire::Error why{};
    const bool ok = wire::rtcp::for_each(
        ByteSpan{p, n},
        [&](const wire::rtcp::Packet& pkt) {
            wire::rtcp::for_each_nack(pkt, [&](uint32_t media, uint16_t seq) {
                if (Subscription* s = sub_of(media)) {
                    retransmit(*s, seq, now_us);
                }
            });
            wire::rtcp::for_each_keyframe_request(pkt, [&](uint32_t media) {
                if (Subscription* s = sub_of(media)) {
                    request_keyframe(s->track,
                                     s->layers.current() == LayerSwitch::kNone
                                         ? s->layers.target()
                                         : s->layers.current(),
                                     now_us);
                }
            });
            uint64_t bps = 0;
            uint32_t ssrcs[8];
            std::size_t k = 0;
            if (wire::rtcp::parse_remb(pkt, bps, ssrcs, 8, k)) {
                t.stats.remb_bps = bps;
                if (t.bwe) {
                    t.bwe->on_remb(bps);  // the receiver's own estimate caps ours
                    if (t.stats.twcc_in != 0) {
                        t.stats.bwe_bps = t.bwe->estimate_bps();
                        select_layers(t, now_us);
                        report_estimate(t, now_us);
                    }
                }
            }
            if (t.bwe && pkt.type == wire::rtcp::kRtpfb && pkt.count == wire::twcc::kFmt) {
                on_twcc_feedback(t, pkt, now_us);
            }
            if (pkt.type == 200 && pkt.body.size() >= 20) {
                // A publisher's SR: kept for our RR's LSR/DLSR, and passed on to its subscribers.
                const uint32_t pi = pub_by_ssrc(pkt.ssrc);
                if (pi != IndexTable::kNone && pubs_[pi].transport == t.slot) {
                    Publication& pub = pubs_[pi];
                    const uint64_t ntp = uint64_t{load_u32be(pkt.body.data())} << 32 |
                                         load_u32be(pkt.body.data() + 4);
                    const uint32_t rtp_ts = load_u32be(pkt.body.data() + 8);
                    pub.rx.note_sender_report(ntp, now_us);
                    relay_sender_report(pub, ntp, rtp_ts);
                    if (!tracks_[pub.track_slot].relay.empty()) {
                        Relayed r;
                        r.kind = Relayed::Kind::SenderReport;
                        r.ntp = ntp;
                        r.rtp_ts = rtp_ts;
                        relay_out(pub, r, {});
                    }
                }
            }
        },
        why);
    if (!ok) {
        count(Counter::SfuDropUnknown);
    }
    return Outcome::Consumed;
}

void Sfu::on_twcc_feedback(Transport& t, const wire::rtcp::Packet& pkt, uint64_t now_us) noexcept {
    // A report covers what arrived since the subscriber's last one (~100 ms): far fewer than
    // this; a longer one is read up to it and the rest counted as not reported.
    std::array<int64_t, 1024> arrivals;
    wire::twcc::Feedback fb;
    std::size_t n = 0;
    wire::Error why{};
    if (!wire::twcc::parse_feedback(pkt, fb, arrivals, n, why)) {
        count(Counter::SfuDropUnknown);
        return;
    }
    const BandwidthEstimator::Update u =
        t.bwe->on_feedback(fb, std::span<const int64_t>{arrivals.data(), n},
                           static_cast<int64_t>(now_us), std::span<PacketResult>{results_});
    judge_probe(t, std::span<const PacketResult>{results_.data(), u.results}, now_us);
    t.stats.bwe_bps = t.bwe->estimate_bps();
    t.bwe_congested = u.usage == BandwidthUsage::Overusing || u.loss > kCongestedLoss;
    t.bwe_loss = u.loss;
    ++t.stats.twcc_in;
    select_layers(t, now_us);
    report_estimate(t, now_us);
}

void Sfu::report_estimate(Transport& t, uint64_t now_us) noexcept {
    // The control plane shows it; once a second is plenty, and only when it moved.
    if (t.bwe_reported_us != 0 && now_us - t.bwe_reported_us < kEstimateReportUs) {
        return;
    }
    EstimateReport r;
    r.bps = t.stats.bwe_bps;
    r.budget_bps = t.layers_budget_bps;
    r.layers_bps = t.layers_bps;
    r.probing = t.probe && t.probe->in_flight();
    for (uint32_t si : t.subs) {
        const Subscription& s = *subs_[si];
        if (!s.video) {
            continue;
        }
        if (r.videos == 0) {
            r.spatial = static_cast<int8_t>(s.chosen.spatial);
            r.temporal = static_cast<uint8_t>(std::max(s.chosen.temporal, 0));
            r.flowing = static_cast<int8_t>(s.layers.current());
            for (uint32_t pi : tracks_[s.track_slot].pubs) {
                const Publication& pub = pubs_[pi];
                if (pub.layer >= 0 && pub.layer < static_cast<int>(r.layer_bps.size())) {
                    r.layer_bps[static_cast<std::size_t>(pub.layer)] =
                        pub.rate.bps(LayerRateMeter::kTemporal - 1, now_us);
                }
            }
        }
        r.videos = static_cast<uint8_t>(std::min(r.videos + 1, 255));
        if (s.allocated && s.chosen.spatial == LayerTarget::kPaused) {
            r.paused = static_cast<uint8_t>(std::min(r.paused + 1, 255));
        }
    }
    if (r == t.bwe_reported) {
        return;
    }
    t.bwe_reported = r;
    t.bwe_reported_us = now_us;
    sink_.estimate(t.id, r);
}

void Sfu::retransmit(Subscription& s, uint16_t out_seq, uint64_t now_us) noexcept {
    const Subscription::SentRef ref =
        s.sent.for_resend(out_seq, now_us, limits_.nack_resend_interval_us);
    if (!ref.valid || ref.pub >= pubs_.size()) {
        return;
    }
    const Publication& pub = pubs_[ref.pub];
    if (!pub.in_use || pub.gen != ref.pub_gen || !pub.store) {
        return;  // gone (its slot may serve another stream now)
    }
    const ByteSpan pkt = pub.store->get(ref.in_seq, now_us, 1'000'000);
    if (pkt.size() < wire::kRtpHeaderLen) {
        return;  // no longer held: the subscriber's jitter buffer moves on
    }
    // As RTX when negotiated (a packet of its own: the next transport-wide number); else rebuilt
    // exactly as first sent: same numbers, same plaintext, so the same SRTP bytes.
    Transport& st = *transports_[s.transport];
    bool sent = false;
    if (s.rtx_ssrc != 0) {
        Egress::RtpOut ro{s.rtx_pt, s.rtx_ssrc, 0, ref.out_ts, wire::ext::abs_send_time(now_us)};
        stamp_twcc(st, ro);
        sent = out_.send_rtx(st, pkt.data(), pkt.size(), ro, s.rtx_seq, out_seq);
        if (sent) {
            record_send(st, ro, pkt.size() + 2, now_us);
        }
    } else if (const std::size_t hl = rtp_header_len(pkt.data(), pkt.size()); hl <= pkt.size()) {
        // Its transport-wide number too: a new one would change the authenticated header under
        // the same SRTP index (with AES-GCM, the same nonce). Not a new send for the estimator:
        // the subscriber reports that number once, the copy that arrived first.
        const Egress::RtpOut ro{s.out_pt,    s.out_ssrc,
                                out_seq,     ref.out_ts,
                                ref.abs,     ref.twcc ? wire::ext::kOutTransportCc : uint8_t{0},
                                ref.twcc_seq};
        sent = out_.send_rtp(st, pkt.data(), hl, pkt.size(), ro);
        if (sent) {
            ++s.packets;
            s.octets += static_cast<uint32_t>(pkt.size() - hl);
        }
    }
    if (sent) {
        ++st.stats.nacks_answered;
        count(Counter::SfuNackResent);
    }
}

// ---- keyframe requests --------------------------------------------------------------------------

void Sfu::request_keyframe(uint32_t track, int layer, uint64_t now_us) noexcept {
    const uint32_t k = layer < 0 ? IndexTable::kNone : track_slot(track);
    if (k == IndexTable::kNone) {
        return;
    }
    for (uint32_t pi : tracks_[k].pubs) {
        Publication& pub = pubs_[pi];
        if (pub.layer != layer) {
            continue;
        }
        if (pub.transport == kRemote) {
            // Published on another lcore: the request goes there (throttled here as well).
            if (!pub.pli_sent || now_us - pub.last_pli_us >= limits_.pli_interval_us) {
                Relayed r;
                r.kind = Relayed::Kind::KeyframeRequest;
                r.port = port_index_;
                r.track = track;
                r.layer = layer;
                r.from = lcore_;
                if (sink_.relay(pub.remote_lcore, r, {})) {
                    pub.pli_sent = true;
                    pub.last_pli_us = now_us;
                }
            }
        } else {
            request_keyframe(pub, now_us);
        }
    }
}

void Sfu::request_keyframe(Publication& pub, uint64_t now_us) noexcept {
    if (pub.pli_sent && now_us - pub.last_pli_us < limits_.pli_interval_us) {
        return;  // one is outstanding: its keyframe serves this request too
    }
    if (pub.ssrc == 0) {
        return;  // a simulcast layer not seen yet
    }
    Transport& t = *transports_[pub.transport];
    if (!send_pli(out_, t, pub.ssrc)) {
        return;
    }
    pub.pli_sent = true;
    pub.last_pli_us = now_us;
    ++t.stats.plis_sent;
    count(Counter::SfuPliSent);
}

}  // namespace tern::sfu
