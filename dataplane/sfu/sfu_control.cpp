// The SFU engine's set-up, applied by the lcore between bursts: transports, publications,
// subscriptions and relays into the fixed pools and their indexes; consent and speech timeouts;
// the control plane's DTLS out. May allocate (a transport's SRTP contexts, a stream's packet
// store, a subscription's records); never on the packet path.
#include "dataplane/sfu/sfu.hpp"

#include <algorithm>

namespace tern::sfu {

using shm::Counter;

namespace {

/// Removes the first `v` from `list` (order kept: fan-out order stays the order of subscribing).
void erase_value(std::vector<uint32_t>& list, uint32_t v) noexcept {
    auto it = std::find(list.begin(), list.end(), v);
    if (it != list.end()) {
        list.erase(it);
    }
}

/// Slots 0..n-1 as a stack that hands out 0 first.
std::vector<uint32_t> free_stack(uint32_t n) {
    std::vector<uint32_t> v(n);
    for (uint32_t i = 0; i < n; ++i) {
        v[i] = n - 1 - i;
    }
    return v;
}

}  // namespace

Sfu::Sfu(uint16_t port, const SfuLimits& limits, shm::LcoreCounters& counters, MediaSink& sink,
         uint32_t lcore, uint16_t port_index)
    : port_(port), port_index_(port_index), lcore_(lcore), limits_(limits), counters_(counters),
      sink_(sink), out_(sink, counters), allocator_(limits.caps),
      transports_(limits.max_transports), pubs_(limits.max_publications),
      subs_(limits.max_subscriptions), tracks_(limits.max_tracks),
      free_pubs_(free_stack(limits.max_publications)),
      free_subs_(free_stack(limits.max_subscriptions)), free_tracks_(free_stack(limits.max_tracks)),
      by_id_(limits.max_transports),
      by_ufrag_(2 * limits.max_transports),  // current and previous credentials
      by_port_(limits.max_transports),
      by_remote_(static_cast<uint32_t>(IcePaths::kMax) * limits.max_transports),
      pub_by_ssrc_(limits.max_publications), sub_by_ssrc_(limits.max_subscriptions),
      by_track_(limits.max_tracks) {}

// Every index below is sized for its pool (or for the paths and credentials each pool entry can
// have), so an insert for an entry the pool just gave out cannot fail.

// ---- transports ---------------------------------------------------------------------------------

uint32_t Sfu::by_ufrag(std::string_view u, bool* prev) const noexcept {
    const uint32_t e = by_ufrag_.find(hash32(u), [&](uint32_t entry) {
        const IceCredentials& c = transports_[entry >> 1]->ice;
        return ((entry & 1) != 0 ? c.prev_ufrag : c.ufrag).view() == u;
    });
    if (e == IndexTable::kNone) {
        return IndexTable::kNone;
    }
    if (prev != nullptr) {
        *prev = (e & 1) != 0;
    }
    return e >> 1;
}

bool Sfu::add_transport(uint64_t id, std::string_view ufrag, std::string_view pwd, uint64_t max_bps,
                        uint16_t udp_port) {
    if (ufrag.empty() || ufrag.size() > Ufrag::kMax || pwd.empty() ||
        by_id(id) != IndexTable::kNone || by_ufrag(ufrag) != IndexTable::kNone ||
        by_id_.size() >= limits_.max_transports) {
        return false;
    }
    if (udp_port != 0 &&
        (udp_port < own_lo_ || udp_port > own_hi_ || by_port(udp_port) != IndexTable::kNone)) {
        return false;  // not this lcore's, or taken
    }
    const auto free = std::find(transports_.begin(), transports_.end(), nullptr);
    const auto slot = static_cast<uint32_t>(free - transports_.begin());
    auto t = std::make_unique<Transport>();
    t->id = id;
    t->slot = slot;
    (void)t->ice.ufrag.assign(ufrag);
    t->ice.pwd = crypto::HmacSha1Key{as_bytes(pwd.data(), pwd.size())};
    t->rtcp_ssrc = static_cast<uint32_t>(id * 2654435761U) | 1;
    t->max_bps = max_bps;
    t->udp_port = udp_port;
    *free = std::move(t);
    (void)by_id_.insert(hash32(id), slot);
    (void)by_ufrag_.insert(hash32(ufrag), ufrag_entry(slot, false));
    if (udp_port != 0) {
        (void)by_port_.insert(hash32(udp_port), slot);
    }
    return true;
}

bool Sfu::restart_ice(uint64_t id, std::string_view ufrag, std::string_view pwd) {
    const uint32_t slot = by_id(id);
    if (slot == IndexTable::kNone || ufrag.empty() || ufrag.size() > Ufrag::kMax || pwd.empty()) {
        return false;
    }
    IceCredentials& c = transports_[slot]->ice;
    if (c.ufrag.view() == ufrag) {
        c.pwd = crypto::HmacSha1Key{as_bytes(pwd.data(), pwd.size())};
        return true;  // the same command again (a re-sync)
    }
    if (by_ufrag(ufrag) != IndexTable::kNone) {
        return false;
    }
    end_prev_credentials(slot);  // restarted again before the last restart's checks came
    const uint32_t old_hash = hash32(c.ufrag.view());
    (void)by_ufrag_.erase(old_hash, ufrag_entry(slot, false));
    c.prev_ufrag = c.ufrag;
    c.prev_pwd = c.pwd;
    (void)by_ufrag_.insert(old_hash, ufrag_entry(slot, true));
    (void)c.ufrag.assign(ufrag);
    c.pwd = crypto::HmacSha1Key{as_bytes(pwd.data(), pwd.size())};
    (void)by_ufrag_.insert(hash32(ufrag), ufrag_entry(slot, false));
    return true;
}

void Sfu::end_prev_credentials(uint32_t slot) noexcept {
    IceCredentials& c = transports_[slot]->ice;
    if (!c.prev_ufrag.empty()) {
        (void)by_ufrag_.erase(hash32(c.prev_ufrag.view()), ufrag_entry(slot, true));
        c.prev_ufrag.clear();
    }
}

bool Sfu::set_keys(uint64_t id, const srtp::MasterKey& rx, const srtp::MasterKey& tx) {
    const uint32_t slot = by_id(id);
    if (slot == IndexTable::kNone) {
        return false;
    }
    Transport& t = *transports_[slot];
    if (t.tx) {
        // New keys for a keyed transport: a new DTLS association (a new peer connection on
        // the same subscriber). Its decoder is new too, so each stream starts over at a
        // keyframe, which the next packet of its track asks for.
        for (uint32_t si : t.subs) {
            subs_[si]->layers.restart();
        }
    }
    t.rx = std::make_unique<srtp::Context>(rx, srtp::Direction::Unprotect);
    t.tx = std::make_unique<srtp::Context>(tx, srtp::Direction::Protect);
    t.tx->reserve(2 * static_cast<uint32_t>(t.subs.size()) +
                  16);  // per subscription (and its RTX), and RTCP
    return true;
}

bool Sfu::remove_transport(uint64_t id) {
    const uint32_t slot = by_id(id);
    if (slot == IndexTable::kNone) {
        return false;
    }
    Transport& t = *transports_[slot];
    // Its subscriptions. A relayed track with no subscription left on this lcore is no longer
    // needed here.
    const std::vector<uint32_t> subs = t.subs;
    for (uint32_t si : subs) {
        const uint32_t k = subs_[si]->track_slot;
        free_subscription(si);
        if (tracks_[k].in_use && tracks_[k].subs.empty()) {
            const std::vector<uint32_t> pubs = tracks_[k].pubs;
            for (uint32_t pi : pubs) {
                if (pubs_[pi].transport == kRemote) {
                    free_publication(pi);
                }
            }
        }
    }
    // Its publications; their tracks are no longer relayed.
    const std::vector<uint32_t> pubs = t.pubs;
    for (uint32_t pi : pubs) {
        tracks_[pubs_[pi].track_slot].relay.clear();
        free_publication(pi);
    }
    forget_paths(slot);
    end_prev_credentials(slot);
    (void)by_ufrag_.erase(hash32(t.ice.ufrag.view()), ufrag_entry(slot, false));
    if (t.udp_port != 0) {
        (void)by_port_.erase(hash32(t.udp_port), slot);
    }
    (void)by_id_.erase(hash32(id), slot);
    transports_[slot].reset();
    return true;
}

// ---- publications -------------------------------------------------------------------------------

uint32_t Sfu::track_for(uint32_t track) {
    const uint32_t found = track_slot(track);
    if (found != IndexTable::kNone || free_tracks_.empty()) {
        return found;
    }
    const uint32_t k = free_tracks_.back();
    free_tracks_.pop_back();
    Track& tr = tracks_[k];
    tr.in_use = true;
    tr.id = track;
    (void)by_track_.insert(hash32(track), k);
    return k;
}

void Sfu::release_track(uint32_t k) noexcept {
    Track& tr = tracks_[k];
    if (!tr.in_use || !tr.subs.empty() || !tr.pubs.empty() || !tr.relay.empty()) {
        return;
    }
    (void)by_track_.erase(hash32(tr.id), k);
    tr.in_use = false;
    free_tracks_.push_back(k);  // (the stack has room for every slot)
}

uint32_t Sfu::new_publication(uint32_t transport, uint32_t track, int layer, Codec codec,
                              uint32_t clock_hz) {
    const uint32_t k = track_for(track);
    if (k == IndexTable::kNone) {
        return IndexTable::kNone;
    }
    if (free_pubs_.empty()) {
        release_track(k);
        return IndexTable::kNone;
    }
    const uint32_t p = free_pubs_.back();
    free_pubs_.pop_back();
    Publication& pub = pubs_[p];
    const uint8_t gen = pub.gen;
    pub = Publication{};
    pub.gen = gen;
    pub.in_use = true;
    pub.transport = transport;
    pub.track = track;
    pub.track_slot = k;
    pub.layer = layer;
    pub.codec = codec;
    pub.clock_hz = clock_hz;
    if (codec != Codec::Opus) {
        pub.store = std::make_unique<PacketStore>(limits_.nack_slots);  // NACKs are answered here
    }
    tracks_[k].pubs.push_back(p);
    return p;
}

void Sfu::free_publication(uint32_t p) noexcept {
    Publication& pub = pubs_[p];
    if (pub.transport != kRemote) {
        if (pub.ssrc != 0) {
            (void)pub_by_ssrc_.erase(hash32(pub.ssrc), p);
        }
        erase_value(transports_[pub.transport]->pubs, p);
    }
    erase_value(tracks_[pub.track_slot].pubs, p);
    release_track(pub.track_slot);
    pub.store.reset();
    pub.in_use = false;
    ++pub.gen;  // what subscribers' NACK records say about this slot is stale now
    free_pubs_.push_back(p);
}

void Sfu::bind_ssrc(Transport& t, uint32_t ssrc, uint32_t p) noexcept {
    (void)pub_by_ssrc_.insert(hash32(ssrc), p);
    if (t.n_fast < Transport::kFastSsrcs) {
        t.fast_ssrcs[t.n_fast++] = {ssrc, p};
    }
}

bool Sfu::add_publication(uint64_t id, uint32_t ssrc, uint32_t track, int layer, Codec codec,
                          uint32_t clock_hz) {
    const uint32_t slot = by_id(id);
    if (slot == IndexTable::kNone || pub_by_ssrc(ssrc) != IndexTable::kNone || layer < 0) {
        return false;
    }
    const uint32_t p = new_publication(slot, track, layer, codec, clock_hz);
    if (p == IndexTable::kNone) {
        return false;
    }
    Transport& t = *transports_[slot];
    pubs_[p].ssrc = ssrc;
    t.pubs.push_back(p);
    bind_ssrc(t, ssrc, p);
    return true;
}

bool Sfu::add_rid_publication(uint64_t id, std::string_view rid, uint8_t rid_ext, uint32_t track,
                              int layer, Codec codec, uint32_t clock_hz) {
    const uint32_t slot = by_id(id);
    if (slot == IndexTable::kNone || rid.empty() || rid.size() > Rid::kMax || rid_ext == 0 ||
        layer < 0) {
        return false;
    }
    Transport& t = *transports_[slot];
    for (uint32_t pi : t.pubs) {
        if (pubs_[pi].rid.view() == rid && pubs_[pi].track == track) {
            return false;
        }
    }
    const uint32_t p = new_publication(slot, track, layer, codec, clock_hz);
    if (p == IndexTable::kNone) {
        return false;
    }
    (void)pubs_[p].rid.assign(rid);
    t.pubs.push_back(p);
    t.rid_ext = rid_ext;
    return true;
}

bool Sfu::set_extensions(uint64_t id, const PublisherExtensions& ext) {
    const uint32_t slot = by_id(id);
    if (slot == IndexTable::kNone) {
        return false;
    }
    Transport& t = *transports_[slot];
    if (ext.twcc == 0) {
        t.twcc.reset();
    } else if (!t.twcc || t.twcc_ext != ext.twcc) {
        t.twcc = std::make_unique<TwccReceiver>();
    }
    t.twcc_ext = ext.twcc;
    t.level_ext = ext.level;
    t.out_ext = {};
    (void)t.out_ext.add(ext.level, wire::ext::kOutAudioLevel);
    (void)t.out_ext.add(ext.cvo, wire::ext::kOutVideoOrientation);
    (void)t.out_ext.add(ext.capture, wire::ext::kOutAbsCaptureTime);
    return true;
}

// ---- subscriptions ------------------------------------------------------------------------------

bool Sfu::add_subscription(uint64_t id, uint32_t track, uint32_t out_ssrc, uint8_t out_pt,
                           int target_layer, uint32_t rtx_ssrc, uint8_t rtx_pt, VideoKind kind) {
    const uint32_t slot = by_id(id);
    if (slot == IndexTable::kNone || sub_by_ssrc(slot, out_ssrc) != IndexTable::kNone) {
        return false;
    }
    const uint32_t k = track_for(track);
    if (k == IndexTable::kNone) {
        return false;
    }
    if (free_subs_.empty()) {
        release_track(k);
        return false;
    }
    // The track's clock and kind come from its publications.
    uint32_t clock = 90000;
    bool video = true;
    for (uint32_t pi : tracks_[k].pubs) {
        clock = pubs_[pi].clock_hz;
        video = pubs_[pi].codec != Codec::Opus;
    }
    const uint32_t si = free_subs_.back();
    free_subs_.pop_back();
    auto s = std::make_unique<Subscription>(clock, video ? limits_.nack_slots : 16);
    s->transport = slot;
    s->track = track;
    s->track_slot = k;
    s->out_ssrc = out_ssrc;
    s->out_pt = out_pt;
    s->rtx_ssrc = rtx_ssrc;
    s->rtx_pt = rtx_pt;
    s->layers.set_target(target_layer);
    s->video = video;
    s->kind = kind;
    s->max_layer = target_layer;
    s->chosen = LayerTarget{target_layer, TemporalFilter::kAll};
    subs_[si] = std::move(s);
    (void)sub_by_ssrc_.insert(sub_key(slot, out_ssrc), si);
    tracks_[k].subs.push_back(si);
    Transport& t = *transports_[slot];
    t.subs.push_back(si);
    if (t.tx) {
        t.tx->reserve(2 * static_cast<uint32_t>(t.subs.size()) + 16);  // sized now, not per packet
    }
    return true;
}

void Sfu::free_subscription(uint32_t si) noexcept {
    const Subscription& s = *subs_[si];
    (void)sub_by_ssrc_.erase(sub_key(s.transport, s.out_ssrc), si);
    erase_value(tracks_[s.track_slot].subs, si);
    erase_value(transports_[s.transport]->subs, si);
    const uint32_t k = s.track_slot;
    subs_[si].reset();
    free_subs_.push_back(si);
    release_track(k);
}

bool Sfu::set_target_layer(uint64_t id, uint32_t out_ssrc, int layer, int temporal) {
    const uint32_t slot = by_id(id);
    const uint32_t si = slot == IndexTable::kNone ? IndexTable::kNone : sub_by_ssrc(slot, out_ssrc);
    if (si == IndexTable::kNone) {
        return false;
    }
    Subscription& sub = *subs_[si];
    sub.max_layer = layer;
    sub.max_temporal =
        temporal < 0 || temporal > TemporalFilter::kAll ? TemporalFilter::kAll : temporal;
    const LayerTarget asked{layer, sub.max_temporal};
    // With an estimate, a request above what the estimate gives waits for the next feedback
    // (which tries it unless the link shows congestion: select_layers); one at or below it
    // applies at once.
    sub.asked_up = false;
    if (!sub.allocated || layer < sub.chosen.spatial ||
        (layer == sub.chosen.spatial && asked.temporal <= sub.chosen.temporal)) {
        apply_layers(sub, asked, 0);
        if (sub.allocated) {
            // What the layers needed before is no shortage to hold on to (select_layers):
            // the next feedback counts them afresh.
            Transport& t = *transports_[slot];
            t.layers_bps = 0;
            t.short_since_us = 0;
        }
    } else {
        sub.asked_up = true;  // tried at the next feedback where the link shows no congestion
    }
    return true;
}

// ---- rooms larger than one lcore ----------------------------------------------------------------

bool Sfu::set_relay(uint32_t track, uint32_t lcore, bool on) {
    if (lcore >= RelayTargets::kMaxLcore || lcore == lcore_) {
        return false;
    }
    if (on) {
        const uint32_t k = track_for(track);
        if (k == IndexTable::kNone) {
            return false;
        }
        tracks_[k].relay.set(lcore, true);
    } else if (const uint32_t k = track_slot(track); k != IndexTable::kNone) {
        tracks_[k].relay.set(lcore, false);
        release_track(k);
    }
    return true;
}

bool Sfu::add_remote_publication(uint32_t track, int layer, Codec codec, uint32_t clock_hz,
                                 uint32_t from_lcore) {
    if (layer < 0 || from_lcore >= RelayTargets::kMaxLcore || from_lcore == lcore_) {
        return false;
    }
    if (const uint32_t pi = remote_publication(track, layer); pi != IndexTable::kNone) {
        pubs_[pi].remote_lcore = from_lcore;  // the same command again (a re-sync)
        return true;
    }
    const uint32_t p = new_publication(kRemote, track, layer, codec, clock_hz);
    if (p == IndexTable::kNone) {
        return false;
    }
    pubs_[p].remote_lcore = from_lcore;
    return true;
}

// ---- paths, consent, the control plane's datagrams
// ------------------------------------------------

void Sfu::unindex_remote(uint32_t slot, const wire::Endpoint& remote) noexcept {
    (void)by_remote_.erase(hash32(endpoint_key(remote)), slot);
}

void Sfu::forget_paths(uint32_t slot) noexcept {
    Transport& t = *transports_[slot];
    for (uint8_t i = 0; i < t.paths.size(); ++i) {
        unindex_remote(slot, t.paths[i].remote);
    }
    t.paths.clear();
}

void Sfu::expire(uint64_t now_us) noexcept {
    for (auto& tp : transports_) {
        // (A check handled after the caller read its clock is newer than now_us: fresh.)
        if (!tp || !tp->connected || tp->last_check_us >= now_us ||
            now_us - tp->last_check_us < limits_.consent_timeout_us) {
            continue;
        }
        forget_paths(tp->slot);
        tp->connected = false;
        count(Counter::SfuConsentExpired);
        sink_.transport_up(tp->id, tp->remote, false);
    }
    // A speaker whose packets stopped (muted, or DTX sends nothing) stops speaking.
    for (Publication& pub : pubs_) {
        if (pub.in_use && pub.transport != kRemote && pub.speech.speaking()) {
            speech_changed(*transports_[pub.transport], pub,
                           pub.speech.silence(now_us, limits_.speech));
        }
    }
}

bool Sfu::send_datagram(uint64_t id, ByteSpan datagram) noexcept {
    const uint32_t slot = by_id(id);
    if (slot == IndexTable::kNone || !transports_[slot]->connected) {
        return false;
    }
    return out_.send_datagram(*transports_[slot], datagram);
}

bool Sfu::estimate_bandwidth(uint64_t id) {
    const uint32_t slot = by_id(id);
    if (slot == IndexTable::kNone) {
        return false;
    }
    Transport& t = *transports_[slot];
    if (!t.bwe) {
        t.bwe = std::make_unique<BandwidthEstimator>(RateLimits{});
        t.probe = std::make_unique<ProbeController>();
    }
    return true;
}

bool Sfu::info(uint64_t id, TransportInfo& out) const noexcept {
    const uint32_t slot = by_id(id);
    if (slot == IndexTable::kNone) {
        return false;
    }
    const Transport& t = *transports_[slot];
    out = t.stats;
    out.connected = t.connected;
    out.remote = t.remote;
    return true;
}

}  // namespace tern::sfu
