#include "dataplane/sfu/sfu.hpp"

#include "common/wire/rtcp.hpp"
#include "common/wire/rtp.hpp"
#include "common/wire/twcc.hpp"
#include "common/wire/stun/stun_builder.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace tern::sfu {

using shm::Counter;
namespace stun = wire::stun;

namespace {

constexpr std::size_t kMaxRtcpOut = 128;

uint8_t first(ByteSpan p) { return std::to_integer<uint8_t>(p[0]); }

/// The RTP header length (CSRCs and extension block included) of a packet parsed on arrival or
/// when stored; more than `len` if it does not fit.
std::size_t header_len(const std::byte* rtp, std::size_t len) {
    const auto b0 = std::to_integer<uint8_t>(rtp[0]);
    std::size_t hl = wire::kRtpHeaderLen + 4u * (b0 & 0x0f);
    if ((b0 & 0x10) != 0) {
        hl = hl + 4 <= len ? hl + 4 + 4u * load_u16be(rtp + hl + 2) : len + 1;
    }
    return hl;
}

}  // namespace

Sfu::PacketStore::PacketStore(uint32_t slots) {
    uint32_t n = 1;
    while (n < slots) {
        n <<= 1;
    }
    bytes.resize(std::size_t{n} * kSlotBytes);
    meta.resize(n);
}

void Sfu::PacketStore::put(uint16_t seq, const std::byte* p, std::size_t len, uint64_t now_us) noexcept {
    if (len > kSlotBytes) {
        return;
    }
    const std::size_t i = seq & (meta.size() - 1);
    std::memcpy(bytes.data() + i * kSlotBytes, p, len);
    meta[i] = Meta{seq, static_cast<uint16_t>(len), now_us == 0 ? 1 : now_us};
}

ByteSpan Sfu::PacketStore::get(uint16_t seq, uint64_t now_us, uint64_t max_age_us) const noexcept {
    const std::size_t i = seq & (meta.size() - 1);
    const Meta& m = meta[i];
    if (m.at_us == 0 || m.seq != seq || now_us - m.at_us > max_age_us) {
        return {};
    }
    return ByteSpan{bytes.data() + i * kSlotBytes, m.len};
}

Sfu::Sfu(uint16_t port, const SfuLimits& limits, shm::LcoreCounters& counters, MediaSink& sink, uint32_t lcore,
         uint16_t port_index) noexcept
    : port_(port), port_index_(port_index), limits_(limits), counters_(counters), sink_(sink), lcore_(lcore) {}

Sfu::~Sfu() {
    closing_ = true;
    srtp::tags::flush();
}

void Sfu::tag_done(void* token) noexcept {
    auto* p = static_cast<PendingSend*>(token);
    ++pending_tail_;
    if (closing_) {
        sink_.discard(p->buf);
        return;
    }
    sink_.send(p->buf, p->len, p->mac, p->local, p->remote);
}

// ---- control ----------------------------------------------------------------------------------

bool Sfu::add_transport(uint64_t id, std::string_view ufrag, std::string_view pwd, uint64_t max_bps,
                        uint16_t udp_port) {
    if (by_id_.count(id) != 0 || by_ufrag_.count(std::string(ufrag)) != 0 || ufrag.empty() || pwd.empty() ||
        by_id_.size() >= limits_.max_transports) {
        return false;
    }
    if (udp_port != 0 && (udp_port < own_lo_ || udp_port > own_hi_ || by_port_.count(udp_port) != 0)) {
        return false;  // not this lcore's, or taken
    }
    auto t = std::make_unique<Transport>();
    t->id = id;
    t->ufrag = std::string(ufrag);
    t->pwd = crypto::HmacSha1Key{as_bytes(pwd.data(), pwd.size())};
    t->rtcp_ssrc = static_cast<uint32_t>(id * 2654435761U) | 1;
    t->max_bps = max_bps;
    t->udp_port = udp_port;
    uint32_t slot = 0;
    while (slot < transports_.size() && transports_[slot]) {
        ++slot;
    }
    if (slot == transports_.size()) {
        transports_.emplace_back();
    }
    transports_[slot] = std::move(t);
    by_id_[id] = slot;
    by_ufrag_[std::string(ufrag)] = slot;
    if (udp_port != 0) {
        by_port_[udp_port] = slot;
    }
    return true;
}

bool Sfu::restart_ice(uint64_t id, std::string_view ufrag, std::string_view pwd) {
    auto it = by_id_.find(id);
    if (it == by_id_.end() || ufrag.empty() || pwd.empty()) {
        return false;
    }
    Transport& t = *transports_[it->second];
    if (t.ufrag == ufrag) {
        t.pwd = crypto::HmacSha1Key{as_bytes(pwd.data(), pwd.size())};
        return true;  // the same command again (a re-sync)
    }
    if (by_ufrag_.count(std::string(ufrag)) != 0) {
        return false;
    }
    end_prev_credentials(t);  // restarted again before the last restart's checks came
    t.prev_ufrag = std::move(t.ufrag);  // still mapped to this slot
    t.prev_pwd = t.pwd;
    t.ufrag = std::string(ufrag);
    t.pwd = crypto::HmacSha1Key{as_bytes(pwd.data(), pwd.size())};
    by_ufrag_[t.ufrag] = it->second;
    return true;
}

bool Sfu::set_keys(uint64_t id, const srtp::MasterKey& rx, const srtp::MasterKey& tx) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        return false;
    }
    Transport& t = *transports_[it->second];
    t.rx = std::make_unique<srtp::Context>(rx, srtp::Direction::Unprotect);
    t.tx = std::make_unique<srtp::Context>(tx, srtp::Direction::Protect);
    t.tx->reserve(2 * static_cast<uint32_t>(t.subs.size()) + 16);  // per subscription (and its RTX), and RTCP
    return true;
}

bool Sfu::remove_transport(uint64_t id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        return false;
    }
    const uint32_t slot = it->second;
    std::vector<uint32_t> tracks;  // that lost a subscription here
    for (auto& s : subs_) {
        if (s && s->transport == slot) {
            auto& list = tracks_[s->track].subs;
            list.erase(std::remove(list.begin(), list.end(), static_cast<uint32_t>(&s - subs_.data())), list.end());
            tracks.push_back(s->track);
            s.reset();
        }
    }
    // A relayed track with no subscription left on this lcore is no longer needed here; a
    // removed publisher's tracks are no longer relayed.
    for (uint32_t track : tracks) {
        if (!tracks_[track].subs.empty()) {
            continue;
        }
        for (auto p = pubs_by_layer_.begin(); p != pubs_by_layer_.end();) {
            Publication& pub = pubs_[p->second];
            if (pub.track == track && pub.transport == kRemote) {
                pub.transport = kGone;
                pub.store.reset();
                p = pubs_by_layer_.erase(p);
            } else {
                p = std::next(p);
            }
        }
    }
    for (uint32_t pi : transports_[slot]->pubs) {
        tracks_[pubs_[pi].track].relay_lcores = 0;
    }
    for (auto p = pub_by_ssrc_.begin(); p != pub_by_ssrc_.end();) {
        p = pubs_[p->second].transport == slot ? pub_by_ssrc_.erase(p) : std::next(p);
    }
    for (auto p = pubs_by_layer_.begin(); p != pubs_by_layer_.end();) {
        p = pubs_[p->second].transport == slot ? pubs_by_layer_.erase(p) : std::next(p);
    }
    for (Publication& p : pubs_) {
        if (p.transport == slot) {
            p.transport = kGone;  // the slot may serve another transport later
            p.store.reset();
        }
    }
    for (auto r = by_remote_.begin(); r != by_remote_.end();) {
        r = r->second == slot ? by_remote_.erase(r) : std::next(r);
    }
    by_ufrag_.erase(transports_[slot]->ufrag);
    end_prev_credentials(*transports_[slot]);
    if (transports_[slot]->udp_port != 0) {
        by_port_.erase(transports_[slot]->udp_port);
    }
    by_id_.erase(it);
    transports_[slot].reset();
    return true;
}

bool Sfu::add_publication(uint64_t id, uint32_t ssrc, uint32_t track, int layer, Codec codec, uint32_t clock_hz) {
    auto it = by_id_.find(id);
    if (it == by_id_.end() || pub_by_ssrc_.count(ssrc) != 0 || layer < 0) {
        return false;
    }
    Publication pub{it->second, ssrc, track, layer, codec, clock_hz, 0, false, nullptr};
    if (codec != Codec::Opus) {
        pub.store = std::make_unique<PacketStore>(limits_.nack_slots);
    }
    pubs_.push_back(std::move(pub));
    pubs_.back().fanout = &tracks_[track];
    bind_ssrc(*transports_[it->second], ssrc, static_cast<uint32_t>(pubs_.size() - 1));
    transports_[it->second]->pubs.push_back(static_cast<uint32_t>(pubs_.size() - 1));
    pubs_by_layer_.emplace(uint64_t{track} << 32 | static_cast<uint32_t>(layer), static_cast<uint32_t>(pubs_.size() - 1));
    return true;
}

bool Sfu::add_rid_publication(uint64_t id, std::string_view rid, uint8_t rid_ext, uint32_t track, int layer,
                              Codec codec, uint32_t clock_hz) {
    auto it = by_id_.find(id);
    if (it == by_id_.end() || rid.empty() || rid.size() > 16 || rid_ext == 0 || layer < 0) {
        return false;
    }
    Transport& t = *transports_[it->second];
    for (uint32_t pi : t.pubs) {
        if (pubs_[pi].rid == rid && pubs_[pi].track == track) {
            return false;
        }
    }
    Publication pub{it->second, 0, track, layer, codec, clock_hz, 0, false, nullptr, std::string(rid)};
    pub.fanout = &tracks_[track];
    if (codec != Codec::Opus) {
        pub.store = std::make_unique<PacketStore>(limits_.nack_slots);
    }
    pubs_.push_back(std::move(pub));
    pubs_by_layer_.emplace(uint64_t{track} << 32 | static_cast<uint32_t>(layer), static_cast<uint32_t>(pubs_.size() - 1));
    t.pubs.push_back(static_cast<uint32_t>(pubs_.size() - 1));
    t.rid_ext = rid_ext;
    return true;
}

void Sfu::bind_ssrc(Transport& t, uint32_t ssrc, uint32_t pi) {
    pub_by_ssrc_[ssrc] = pi;
    if (t.n_fast < Transport::kFastSsrcs) {
        t.fast_ssrcs[t.n_fast++] = {ssrc, pi};
    }
}

bool Sfu::learn_ssrc(Transport& t, const wire::RtpView& v) noexcept {
    if (t.rid_ext == 0 || !v.extension) {
        return false;
    }
    ByteSpan e;
    if (!wire::find_rtp_extension(v, t.rid_ext, e) || e.empty()) {
        return false;
    }
    const std::string_view rid(reinterpret_cast<const char*>(e.data()), e.size());
    for (uint32_t pi : t.pubs) {
        Publication& p = pubs_[pi];
        if (p.ssrc == 0 && p.rid == rid) {
            p.ssrc = v.ssrc;
            bind_ssrc(t, v.ssrc, pi);  // control work on the packet path, once per layer
            count(Counter::SfuSsrcLearned);
            return true;
        }
    }
    return false;
}

void Sfu::note_reception(Publication::Reception& r, uint16_t seq, uint32_t ts, uint32_t clock_hz,
                         uint64_t now_us) noexcept {
    const auto arrival = static_cast<uint32_t>(now_us * clock_hz / 1'000'000);
    const uint32_t transit = arrival - ts;
    if (!r.started) {
        r.started = true;
        r.max_seq = seq;
        r.base_seq = seq;
        r.last_transit = transit;
    } else if (seq_newer(seq, r.max_seq)) {
        if (seq < r.max_seq) {
            r.cycles += 65536;  // wrapped
        }
        r.max_seq = seq;
    }
    ++r.received;
    // RFC 3550 A.8: J += (|D| - J) / 16, kept times 16.
    const auto d = static_cast<int32_t>(transit - r.last_transit);
    r.last_transit = transit;
    const uint32_t ad = static_cast<uint32_t>(d < 0 ? -d : d);
    r.jitter16 += ad - ((r.jitter16 + 8) >> 4);
}

void Sfu::send_receiver_report(Transport& t, uint64_t now_us) noexcept {
    t.last_remb_us = now_us;
    std::array<uint32_t, 16> ssrcs{};
    std::array<wire::rtcp::ReportBlock, 16> blocks{};
    std::size_t n = 0;
    for (uint32_t pi : t.pubs) {
        Publication& p = pubs_[pi];
        if (p.ssrc == 0 || !p.rx.started || n == ssrcs.size()) {
            continue;
        }
        ssrcs[n] = p.ssrc;
        Publication::Reception& r = p.rx;
        const uint32_t extended = r.cycles + r.max_seq;
        const uint32_t expected = extended - r.base_seq + 1;
        const uint32_t expected_interval = expected - r.expected_prior;
        const uint32_t received_interval = r.received - r.received_prior;
        r.expected_prior = expected;
        r.received_prior = r.received;
        const int64_t lost_interval = int64_t{expected_interval} - received_interval;
        wire::rtcp::ReportBlock& b = blocks[n];
        b.ssrc = p.ssrc;
        b.fraction_lost = expected_interval == 0 || lost_interval <= 0
                              ? 0
                              : static_cast<uint8_t>((lost_interval << 8) / expected_interval);
        b.cumulative_lost = static_cast<int32_t>(std::clamp<int64_t>(int64_t{expected} - r.received, -0x800000, 0x7fffff));
        b.highest_seq = extended;
        b.jitter = r.jitter16 >> 4;
        b.lsr = r.last_sr;
        b.dlsr = r.last_sr_us == 0 ? 0 : static_cast<uint32_t>((now_us - r.last_sr_us) * 65536 / 1'000'000);
        ++n;
    }
    if (n == 0 || !t.connected || !t.tx) {
        return;
    }
    MediaSink::Buf buf;
    if (!sink_.alloc(buf) || buf.room < 512) {
        if (buf.handle != nullptr) {
            sink_.discard(buf);
        }
        return;
    }
    ByteWriter w{MutableByteSpan{buf.payload, 400}};
    wire::rtcp::write_rr(w, t.rtcp_ssrc, blocks.data(), n);
    if (t.max_bps != 0) {
        wire::rtcp::write_remb(w, t.rtcp_ssrc, t.max_bps, ssrcs.data(), n);
    }
    std::size_t sealed = 0;
    if (!w.ok() || t.tx->protect_rtcp(buf.payload, w.size(), buf.room, sealed) != srtp::Status::Ok) {
        sink_.discard(buf);
        return;
    }
    sink_.send(buf, sealed, t.remote_mac, t.local, t.remote);
    ++t.stats.reports_sent;
    if (t.max_bps != 0) {
        ++t.stats.rembs_sent;
        count(Counter::SfuRembSent);
    }
    count(Counter::SfuReportsSent);
}

void Sfu::relay_sender_report(const Publication& pub, uint64_t ntp, uint32_t rtp_ts, uint64_t now_us) noexcept {
    (void)now_us;
    if (pub.fanout == nullptr) {
        return;
    }
    for (uint32_t si : pub.fanout->subs) {
        Subscription& s = *subs_[si];
        uint32_t out_ts = 0;
        if (s.layers.current() != pub.layer || !s.rewriter.map_ts(pub.ssrc, rtp_ts, out_ts)) {
            continue;  // not receiving this layer now: its clock would mislead the receiver
        }
        Transport& st = *transports_[s.transport];
        if (!st.connected || !st.tx) {
            continue;
        }
        MediaSink::Buf buf;
        if (!sink_.alloc(buf) || buf.room < kMaxRtcpOut) {
            if (buf.handle != nullptr) {
                sink_.discard(buf);
            }
            continue;
        }
        ByteWriter w{MutableByteSpan{buf.payload, 64}};
        wire::rtcp::write_sr(w, s.out_ssrc, ntp, out_ts, s.packets, s.octets, nullptr, 0);
        std::size_t sealed = 0;
        if (!w.ok() || st.tx->protect_rtcp(buf.payload, w.size(), buf.room, sealed) != srtp::Status::Ok) {
            sink_.discard(buf);
            continue;
        }
        sink_.send(buf, sealed, st.remote_mac, st.local, st.remote);
        ++st.stats.reports_sent;
        count(Counter::SfuReportsSent);
    }
}

bool Sfu::add_subscription(uint64_t id, uint32_t track, uint32_t out_ssrc, uint8_t out_pt, int target_layer,
                           uint32_t rtx_ssrc, uint8_t rtx_pt) {
    auto it = by_id_.find(id);
    if (it == by_id_.end() || transports_[it->second]->subs.count(out_ssrc) != 0) {
        return false;
    }
    // The track's clock and kind come from its publications (control path: a scan is fine).
    uint32_t clock = 90000;
    bool video = true;
    for (const Publication& p : pubs_) {
        if (p.track == track) {
            clock = p.clock_hz;
            video = p.codec != Codec::Opus;
        }
    }
    auto s = std::make_unique<Subscription>(clock, video ? limits_.nack_slots : 16);
    s->transport = it->second;
    s->track = track;
    s->out_ssrc = out_ssrc;
    s->out_pt = out_pt;
    s->rtx_ssrc = rtx_ssrc;
    s->rtx_pt = rtx_pt;
    s->layers.set_target(target_layer);
    Transport& t = *transports_[it->second];
    subs_.push_back(std::move(s));
    const auto index = static_cast<uint32_t>(subs_.size() - 1);
    tracks_[track].subs.push_back(index);
    t.subs[out_ssrc] = index;
    if (t.tx) {
        t.tx->reserve(2 * static_cast<uint32_t>(t.subs.size()) + 16);  // sized now, not per packet
    }
    return true;
}

bool Sfu::set_target_layer(uint64_t id, uint32_t out_ssrc, int layer) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        return false;
    }
    const auto& subs = transports_[it->second]->subs;
    auto s = subs.find(out_ssrc);
    if (s == subs.end()) {
        return false;
    }
    Subscription& sub = *subs_[s->second];
    sub.layers.set_target(layer);
    if (layer == LayerSwitch::kNone) {
        sub.rewriter.pause();
    }
    return true;
}

bool Sfu::set_extensions(uint64_t id, const PublisherExtensions& ext) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        return false;
    }
    Transport& t = *transports_[it->second];
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

bool Sfu::send_datagram(uint64_t id, ByteSpan datagram) noexcept {
    auto it = by_id_.find(id);
    if (it == by_id_.end() || !transports_[it->second]->connected) {
        return false;
    }
    const Transport& t = *transports_[it->second];
    MediaSink::Buf buf;
    if (!sink_.alloc(buf)) {
        count(Counter::DropNoMbuf);
        return false;
    }
    if (datagram.size() > buf.room) {
        sink_.discard(buf);
        return false;
    }
    std::memcpy(buf.payload, datagram.data(), datagram.size());
    sink_.send(buf, datagram.size(), t.remote_mac, t.local, t.remote);
    return true;
}

bool Sfu::info(uint64_t id, TransportInfo& out) const noexcept {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        return false;
    }
    out = transports_[it->second]->stats;
    out.connected = transports_[it->second]->connected;
    out.remote = transports_[it->second]->remote;
    return true;
}

uint64_t Sfu::remote_key(const wire::Endpoint& e) noexcept {
    uint64_t h = e.port;
    if (e.is_v6) {
        uint64_t a = 0;
        uint64_t b = 0;
        std::memcpy(&a, e.v6.b.data(), 8);
        std::memcpy(&b, e.v6.b.data() + 8, 8);
        h ^= (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL) ^ 1;
    } else {
        h ^= uint64_t{e.v4.v} << 16;
    }
    return h;
}

Sfu::Transport* Sfu::by_remote(const wire::Endpoint& peer, const Transport::Path*& path) noexcept {
    auto [a, b] = by_remote_.equal_range(remote_key(peer));
    for (auto it = a; it != b; ++it) {
        Transport* t = transports_[it->second].get();
        if (t == nullptr || !t->connected) {
            continue;
        }
        for (uint8_t i = 0; i < t->n_paths; ++i) {
            if (t->paths[i].remote == peer) {
                path = &t->paths[i];
                return t;
            }
        }
    }
    return nullptr;
}

void Sfu::note_path(uint32_t slot, const Transport::Path& path) {
    Transport& t = *transports_[slot];
    for (uint8_t i = 0; i < t.n_paths; ++i) {
        if (t.paths[i].remote == path.remote) {
            t.paths[i] = path;
            return;
        }
    }
    uint8_t at = t.n_paths;
    if (at == Transport::kPaths) {
        // Full: the least recently checked path other than the selected one goes.
        at = UINT8_MAX;
        for (uint8_t i = 0; i < t.n_paths; ++i) {
            if (!(t.connected && t.paths[i].remote == t.remote) &&
                (at == UINT8_MAX || t.paths[i].checked_us < t.paths[at].checked_us)) {
                at = i;
            }
        }
        unindex_remote(slot, t.paths[at].remote);
    } else {
        ++t.n_paths;
    }
    t.paths[at] = path;
    by_remote_.emplace(remote_key(path.remote), slot);
}

void Sfu::select_path(Transport& t, const Transport::Path& path, uint64_t now_us) noexcept {
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

void Sfu::forget_paths(uint32_t slot) noexcept {
    Transport& t = *transports_[slot];
    for (uint8_t i = 0; i < t.n_paths; ++i) {
        unindex_remote(slot, t.paths[i].remote);
    }
    t.n_paths = 0;
}

void Sfu::end_prev_credentials(Transport& t) noexcept {
    if (!t.prev_ufrag.empty()) {
        by_ufrag_.erase(t.prev_ufrag);
        t.prev_ufrag.clear();
    }
}

void Sfu::unindex_remote(uint32_t slot, const wire::Endpoint& remote) noexcept {
    auto [a, b] = by_remote_.equal_range(remote_key(remote));
    for (auto r = a; r != b; ++r) {
        if (r->second == slot) {
            by_remote_.erase(r);
            return;
        }
    }
}

// ---- packets ----------------------------------------------------------------------------------

Sfu::Outcome Sfu::on_datagram(std::byte* p, std::size_t len, const wire::Endpoint& peer,
                              const wire::Endpoint& local, const wire::MacAddr& mac, uint64_t now_us) noexcept {
    reply_len_ = 0;
    if (len == 0) {
        count(Counter::SfuDropUnknown);
        return Outcome::Drop;
    }
    const uint8_t b = first(ByteSpan{p, len});
    if (b <= 3) {
        return on_stun(ByteSpan{p, len}, peer, local, mac, now_us);
    }
    const Transport::Path* path = nullptr;
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
    const Transport::Path* moved = nullptr;
    if (!(peer == t->remote)) {
        // Another valid path: its media counts; it moves the selection once authenticated.
        moved = now_us >= t->selected_us + Transport::kMediaSwitchHoldUs ? path : nullptr;
    } else {
        t->remote_mac = mac;
    }
    return wire::looks_like_rtcp(ByteSpan{p, len}) ? on_rtcp(*t, p, len, now_us, moved)
                                                   : on_rtp(*t, p, len, now_us, moved);
}

void Sfu::expire(uint64_t now_us) noexcept {
    for (auto& tp : transports_) {
        // (A check handled after the caller read its clock is newer than now_us: fresh.)
        if (!tp || !tp->connected || tp->last_check_us >= now_us ||
            now_us - tp->last_check_us < limits_.consent_timeout_us) {
            continue;
        }
        Transport& t = *tp;
        forget_paths(static_cast<uint32_t>(&tp - transports_.data()));
        t.connected = false;
        count(Counter::SfuConsentExpired);
        sink_.transport_up(t.id, t.remote, false);
    }
    // A speaker whose packets stopped (muted, or DTX sends nothing) stops speaking.
    for (Publication& pub : pubs_) {
        if (pub.speech.speaking && pub.transport < transports_.size() && now_us > pub.speech.since_us &&
            now_us - pub.speech.since_us >= 2 * limits_.speech_interval_us) {
            pub.speech.voiced = 0;
            judge_speech(*transports_[pub.transport], pub, now_us);
        }
    }
}

Sfu::Outcome Sfu::on_stun(ByteSpan msg, const wire::Endpoint& peer, const wire::Endpoint& local,
                          const wire::MacAddr& mac, uint64_t now_us) noexcept {
    auto m = stun::Message::parse(msg);
    if (!m || m->cls() != stun::Class::Request || m->method() != stun::method::kBinding) {
        count(Counter::SfuStunRejected);
        return m && m->cls() == stun::Class::Indication ? Outcome::Consumed : Outcome::Drop;
    }
    // RFC 8445 §7.3: USERNAME is "local-ufrag:remote-ufrag"; our ufrag picks the transport and
    // its password keys MESSAGE-INTEGRITY.
    auto user = m->find(stun::attr::kUsername);
    if (!user || !m->find(stun::attr::kMessageIntegrity)) {
        count(Counter::SfuStunRejected);
        return Outcome::Drop;
    }
    const std::string_view name{reinterpret_cast<const char*>(user->value.data()), user->value.size()};
    const std::size_t colon = name.find(':');
    auto it = by_ufrag_.find(std::string(name.substr(0, colon)));
    if (colon == std::string_view::npos || it == by_ufrag_.end()) {
        count(Counter::SfuStunRejected);
        return Outcome::Drop;
    }
    const uint32_t slot = it->second;
    Transport& t = *transports_[slot];
    if (local.port != (t.udp_port != 0 ? t.udp_port : port_)) {
        count(Counter::SfuStunRejected);  // its checks belong on its own port (or the shared one)
        return Outcome::Drop;
    }
    const bool current = name.substr(0, colon) == t.ufrag;  // else the credentials before a restart
    const crypto::HmacSha1Key& pwd = current ? t.pwd : t.prev_pwd;
    if (!m->check_integrity(pwd)) {
        count(Counter::SfuStunRejected);
        stun::Builder b{scratch_, stun::message_type(stun::method::kBinding, stun::Class::Error), m->transaction_id()};
        b.add_error_code(stun::error::kUnauthorized, "Unauthorized").add_fingerprint();
        auto n = b.finish();
        reply_len_ = n ? *n : 0;
        return n ? Outcome::Reply : Outcome::Drop;
    }
    if (current) {
        end_prev_credentials(t);  // the restart's checks arrive: the old credentials end
    }
    const Transport::Path path{peer, local, mac, now_us};
    note_path(slot, path);  // a valid pair: its media is taken from now on
    if (t.connected && peer == t.remote) {
        t.last_check_us = now_us;  // consent refreshed
    }
    if (m->find(stun::attr::kUseCandidate) || !t.connected) {
        // Nominated (or the first valid check of a lite agent's only pair): media flows here.
        select_path(t, path, now_us);
    }
    stun::Builder b{scratch_, stun::message_type(stun::method::kBinding, stun::Class::Success), m->transaction_id()};
    b.add_xor_address(stun::attr::kXorMappedAddress, peer).add_message_integrity(pwd).add_fingerprint();
    auto n = b.finish();
    if (!n) {
        return Outcome::Drop;
    }
    reply_len_ = *n;
    count(Counter::SfuStunAnswered);
    return Outcome::Reply;
}

Sfu::Outcome Sfu::on_rtp(Transport& t, std::byte* p, std::size_t len, uint64_t now_us,
                         const Transport::Path* moved) noexcept {
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
    uint32_t pi = UINT32_MAX;
    for (uint8_t i = 0; i < t.n_fast; ++i) {
        if (t.fast_ssrcs[i].first == v.ssrc) {
            pi = t.fast_ssrcs[i].second;
            break;
        }
    }
    if (pi == UINT32_MAX) {
        auto it = pub_by_ssrc_.find(v.ssrc);
        if (it == pub_by_ssrc_.end() && learn_ssrc(t, v)) {
            it = pub_by_ssrc_.find(v.ssrc);
        }
        if (it == pub_by_ssrc_.end() || &t != transports_[pubs_[it->second].transport].get()) {
            count(Counter::SfuDropUnknown);
            return Outcome::Drop;
        }
        pi = it->second;
    }
    count(Counter::SfuRtpIn);
    ++t.stats.rtp_in;
    Publication& pub = pubs_[pi];
    note_reception(pub.rx, v.seq, v.timestamp, pub.clock_hz, now_us);
    if (t.last_remb_us == 0) {
        t.last_remb_us = now_us;  // the first report goes half a second after the first packet
    } else if (now_us - t.last_remb_us >= 500'000) {
        // RR (loss, jitter, RTT) and REMB (its budget: the bandwidth estimate stays under it).
        send_receiver_report(t, now_us);
    }
    if (pub.codec == Codec::Opus && t.level_ext != 0) {
        note_level(t, pub, v, now_us);
    }
    if (v.extension) {
        // Subscribers get the elements they can use, with the ids tern offered them; the rest
        // (mid, rid, the publisher's transport-wide numbers...) is removed here, once.
        (void)wire::remap_rtp_extensions(p + (v.ext_data.data() - p), v.ext_data.size(), v.ext_profile, t.out_ext);
    }
    if (pub.store) {
        pub.store->put(v.seq, p, n, now_us);
    }
    // Audio has no keyframes: any packet is a place to start (or switch) a subscriber.
    const bool key = pub.codec == Codec::Opus || is_keyframe(pub.codec, v.payload);
    forward(pi, p, n, v.seq, v.timestamp, key, now_us);
    return Outcome::Consumed;
}

bool Sfu::send_to(Subscription& s, const std::byte* rtp, std::size_t len, uint16_t out_seq, uint32_t out_ts,
                  uint32_t abs) noexcept {
    Transport& st = *transports_[s.transport];
    const std::size_t hl = header_len(rtp, len);
    if (hl > len) {
        count(Counter::SfuDropUnknown);
        return false;
    }
    MediaSink::Buf buf;
    if (!sink_.alloc(buf) || buf.room < len + wire::kForwardHeaderGrowth + st.tx->rtp_overhead()) {
        if (buf.handle != nullptr) {
            sink_.discard(buf);
        }
        count(Counter::DropNoMbuf);
        return false;
    }
    // The header is copied with our abs-send-time added and rewritten (payload type with the
    // marker kept, sequence number, timestamp, SSRC); the payload is encrypted straight from
    // the publisher's plaintext.
    const std::size_t out_hl = wire::write_forward_header(buf.payload, buf.room, rtp, hl, wire::ext::kOutAbsSendTime, abs);
    if (out_hl == 0) {
        sink_.discard(buf);
        count(Counter::SfuDropUnknown);
        return false;
    }
    buf.payload[1] = std::byte((std::to_integer<uint8_t>(buf.payload[1]) & 0x80) | (s.out_pt & 0x7f));
    store_u16be(buf.payload + 2, out_seq);
    store_u32be(buf.payload + 4, out_ts);
    store_u32be(buf.payload + 8, s.out_ssrc);
    srtp::Status status;
    if (st.tx->defers_tags()) {
        // AES-CM: encrypted now, tagged with other packets' tags in one multi-buffer pass; sent
        // by tag_done() when the tag is there (at the latest at the end of this loop, flush()).
        if (pending_head_ - pending_tail_ == kPending) {
            flush();
        }
        PendingSend& p = pending_[pending_head_++ % kPending];
        p.buf = buf;
        p.mac = st.remote_mac;
        p.local = st.local;
        p.remote = st.remote;
        status = st.tx->protect_rtp_deferred(buf.payload, out_hl, s.out_ssrc, out_seq, rtp + hl, len - hl, buf.room,
                                             p.len, *this, &p);
        if (status != srtp::Status::Ok) {
            --pending_head_;  // nothing was queued
        }
    } else {
        std::size_t sealed = 0;
        status = st.tx->protect_rtp_at(buf.payload, out_hl, s.out_ssrc, out_seq, rtp + hl, len - hl, buf.room, sealed);
        if (status == srtp::Status::Ok) {
            sink_.send(buf, sealed, st.remote_mac, st.local, st.remote);
        }
    }
    if (status != srtp::Status::Ok) {
        sink_.discard(buf);
        count(Counter::SfuDropSrtp);
        return false;
    }
    ++s.packets;
    s.octets += static_cast<uint32_t>(len - hl);
    return true;
}

void Sfu::forward(uint32_t pub_index, const std::byte* rtp, std::size_t len, uint16_t seq, uint32_t ts,
                  bool keyframe, uint64_t now_us) noexcept {
    Publication& pub = pubs_[pub_index];
    if (keyframe) {
        pub.pli_sent = false;  // answered: whoever needs the next one may ask at once
    }
    if (pub.fanout == nullptr) {
        return;
    }
    if (pub.fanout->relay_lcores != 0 && pub.transport != kRemote) {
        Relayed r;
        r.keyframe = keyframe ? 1 : 0;
        relay_out(pub, r, ByteSpan{rtp, len});
    }
    const std::vector<uint32_t>& list = pub.fanout->subs;
    if (list.empty()) {
        return;
    }
    bool want_key = false;
    const uint32_t abs = wire::ext::abs_send_time(now_us);
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
        const StreamRewriter::Out out = s.rewriter.forward(pub.ssrc, seq, ts, now_us);
        if (!send_to(s, rtp, len, out.seq, out.ts, abs)) {
            continue;
        }
        (void)s.sent.store(out.seq, Subscription::SentRef{pub_index, out.ts, abs, seq, true}, now_us);
        count(Counter::SfuRtpOut);
        ++st.stats.rtp_out;
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

void Sfu::retransmit(Subscription& s, uint16_t out_seq, uint64_t now_us) noexcept {
    const Subscription::SentRef ref = s.sent.for_resend(out_seq, now_us, limits_.nack_resend_interval_us);
    if (!ref.valid || ref.pub >= pubs_.size() || !pubs_[ref.pub].store) {
        return;
    }
    const ByteSpan pkt = pubs_[ref.pub].store->get(ref.in_seq, now_us, 1'000'000);
    if (pkt.size() < wire::kRtpHeaderLen) {
        return;  // no longer held: the subscriber's jitter buffer moves on
    }
    // As RTX when negotiated; else rebuilt exactly as first sent: same numbers, same plaintext,
    // so the same SRTP bytes.
    const bool sent = s.rtx_ssrc != 0
                          ? send_rtx(s, pkt.data(), pkt.size(), out_seq, ref.out_ts, wire::ext::abs_send_time(now_us))
                          : send_to(s, pkt.data(), pkt.size(), out_seq, ref.out_ts, ref.abs);
    if (sent) {
        ++transports_[s.transport]->stats.nacks_answered;
        count(Counter::SfuNackResent);
    }
}

bool Sfu::send_rtx(Subscription& s, const std::byte* rtp, std::size_t len, uint16_t out_seq, uint32_t out_ts,
                   uint32_t abs) noexcept {
    Transport& st = *transports_[s.transport];
    const std::size_t hl = header_len(rtp, len);
    if (hl > len || (std::to_integer<uint8_t>(rtp[0]) & 0x20) != 0) {
        return false;  // (padding would have to move behind the OSN: not worth it for a resend)
    }
    MediaSink::Buf buf;
    if (!sink_.alloc(buf) || buf.room < len + 2 + wire::kForwardHeaderGrowth + st.tx->rtp_overhead()) {
        if (buf.handle != nullptr) {
            sink_.discard(buf);
        }
        count(Counter::DropNoMbuf);
        return false;
    }
    // RFC 4588 §4: the RTX stream's own SSRC and sequence number, the original's timestamp, and
    // the original sequence number (OSN) before the original payload.
    const std::size_t out_hl = wire::write_forward_header(buf.payload, buf.room, rtp, hl, wire::ext::kOutAbsSendTime, abs);
    if (out_hl == 0) {
        sink_.discard(buf);
        count(Counter::SfuDropUnknown);
        return false;
    }
    buf.payload[1] = std::byte((std::to_integer<uint8_t>(buf.payload[1]) & 0x80) | (s.rtx_pt & 0x7f));
    const uint16_t seq = s.rtx_seq++;
    store_u16be(buf.payload + 2, seq);
    store_u32be(buf.payload + 4, out_ts);
    store_u32be(buf.payload + 8, s.rtx_ssrc);
    store_u16be(buf.payload + out_hl, out_seq);
    std::memcpy(buf.payload + out_hl + 2, rtp + hl, len - hl);
    std::size_t sealed = 0;
    if (st.tx->protect_rtp_at(buf.payload, out_hl, s.rtx_ssrc, seq, buf.payload + out_hl, len - hl + 2, buf.room, sealed) !=
        srtp::Status::Ok) {
        sink_.discard(buf);
        count(Counter::SfuDropSrtp);
        return false;
    }
    sink_.send(buf, sealed, st.remote_mac, st.local, st.remote);
    return true;
}

void Sfu::request_keyframe(uint32_t track, int layer, uint64_t now_us) noexcept {
    if (layer < 0) {
        return;
    }
    auto [a, b] = pubs_by_layer_.equal_range(uint64_t{track} << 32 | static_cast<uint32_t>(layer));
    for (auto it = a; it != b; ++it) {
        Publication& pub = pubs_[it->second];
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
        } else if (pub_by_ssrc_.count(pub.ssrc) != 0) {  // not removed with its transport
            send_pli(pub, now_us);
        }
    }
}

void Sfu::send_pli(Publication& pub, uint64_t now_us) noexcept {
    if (pub.pli_sent && now_us - pub.last_pli_us < limits_.pli_interval_us) {
        return;  // one is outstanding: its keyframe serves this request too
    }
    if (pub.transport == kGone || pub.ssrc == 0) {
        return;  // gone, or a simulcast layer not seen yet
    }
    Transport* t = transports_[pub.transport].get();
    if (t == nullptr || !t->connected || !t->tx) {
        return;
    }
    MediaSink::Buf buf;
    if (!sink_.alloc(buf) || buf.room < kMaxRtcpOut) {
        if (buf.handle != nullptr) {
            sink_.discard(buf);
        }
        return;
    }
    ByteWriter w{MutableByteSpan{buf.payload, 64}};
    wire::rtcp::write_pli(w, t->rtcp_ssrc, pub.ssrc);
    std::size_t sealed = 0;
    if (!w.ok() || t->tx->protect_rtcp(buf.payload, w.size(), buf.room, sealed) != srtp::Status::Ok) {
        sink_.discard(buf);
        return;
    }
    sink_.send(buf, sealed, t->remote_mac, t->local, t->remote);
    pub.pli_sent = true;
    pub.last_pli_us = now_us;
    ++t->stats.plis_sent;
    count(Counter::SfuPliSent);
}

Sfu::Outcome Sfu::on_rtcp(Transport& t, std::byte* p, std::size_t len, uint64_t now_us,
                          const Transport::Path* moved) noexcept {
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
        auto it = t.subs.find(media_ssrc);
        return it == t.subs.end() ? nullptr : subs_[it->second].get();
    };
    wire::Error why{};
    const bool ok = wire::rtcp::for_each(ByteSpan{p, n}, [&](const wire::rtcp::Packet& pkt) {
        wire::rtcp::for_each_nack(pkt, [&](uint32_t media, uint16_t seq) {
            if (Subscription* s = sub_of(media)) {
                retransmit(*s, seq, now_us);
            }
        });
        wire::rtcp::for_each_keyframe_request(pkt, [&](uint32_t media) {
            if (Subscription* s = sub_of(media)) {
                request_keyframe(s->track, s->layers.current() == LayerSwitch::kNone ? s->layers.target()
                                                                                     : s->layers.current(),
                                 now_us);
            }
        });
        uint64_t bps = 0;
        uint32_t ssrcs[8];
        std::size_t k = 0;
        if (wire::rtcp::parse_remb(pkt, bps, ssrcs, 8, k)) {
            t.stats.remb_bps = bps;
        }
        if (pkt.type == 200 && pkt.body.size() >= 20) {
            // A publisher's SR: kept for our RR's LSR/DLSR, and passed on to its subscribers.
            auto pi = pub_by_ssrc_.find(pkt.ssrc);
            if (pi != pub_by_ssrc_.end() && transports_[pubs_[pi->second].transport].get() == &t) {
                Publication& pub = pubs_[pi->second];
                const uint64_t ntp = uint64_t{load_u32be(pkt.body.data())} << 32 | load_u32be(pkt.body.data() + 4);
                pub.rx.last_sr = static_cast<uint32_t>(ntp >> 16);
                pub.rx.last_sr_us = now_us == 0 ? 1 : now_us;
                relay_sender_report(pub, ntp, load_u32be(pkt.body.data() + 8), now_us);
                if (pub.fanout != nullptr && pub.fanout->relay_lcores != 0) {
                    Relayed r;
                    r.kind = Relayed::Kind::SenderReport;
                    r.ntp = ntp;
                    r.rtp_ts = load_u32be(pkt.body.data() + 8);
                    relay_out(pub, r, {});
                }
            }
        }
    }, why);
    if (!ok) {
        count(Counter::SfuDropUnknown);
    }
    return Outcome::Consumed;
}

// ---- transport-cc and audio levels ----------------------------------------------------------

bool Sfu::send_rtcp(Transport& t, ByteSpan plain) noexcept {
    if (!t.connected || !t.tx) {
        return false;
    }
    MediaSink::Buf buf;
    if (!sink_.alloc(buf) || buf.room < plain.size() + t.tx->rtcp_overhead()) {
        if (buf.handle != nullptr) {
            sink_.discard(buf);
        }
        count(Counter::DropNoMbuf);
        return false;
    }
    std::memcpy(buf.payload, plain.data(), plain.size());
    std::size_t sealed = 0;
    if (t.tx->protect_rtcp(buf.payload, plain.size(), buf.room, sealed) != srtp::Status::Ok) {
        sink_.discard(buf);
        return false;
    }
    sink_.send(buf, sealed, t.remote_mac, t.local, t.remote);
    return true;
}

void Sfu::note_twcc(Transport& t, const wire::RtpView& v, uint64_t now_us) noexcept {
    ByteSpan e;
    if (!wire::find_rtp_extension(v, t.twcc_ext, e) || e.size() != 2) {
        return;
    }
    TwccReceiver& r = *t.twcc;
    const uint16_t seq = load_u16be(e.data());
    if (!r.started) {
        r.started = true;
        r.next = seq;
        r.highest = seq;
        r.last_us = now_us;
    }
    if (static_cast<int16_t>(seq - r.next) < 0) {
        return;  // older than what was reported already
    }
    if (static_cast<uint16_t>(seq - r.next) >= TwccReceiver::kWindow) {
        send_twcc(t, now_us);  // report what is held, then move the window to this packet
        if (static_cast<uint16_t>(seq - r.next) >= TwccReceiver::kWindow) {
            for (uint16_t s = r.next; s != static_cast<uint16_t>(r.highest + 1); ++s) {
                r.at_us[s % TwccReceiver::kWindow] = -1;
            }
            r.next = seq;
            r.highest = seq;
        }
    }
    r.at_us[seq % TwccReceiver::kWindow] = static_cast<int64_t>(now_us);
    if (static_cast<int16_t>(seq - r.highest) > 0) {
        r.highest = seq;
    }
    if (now_us - r.last_us >= limits_.twcc_interval_us && now_us >= r.last_us) {
        send_twcc(t, now_us);
    }
}

void Sfu::send_twcc(Transport& t, uint64_t now_us) noexcept {
    TwccReceiver& r = *t.twcc;
    r.last_us = now_us;
    uint32_t media_ssrc = 0;
    for (uint32_t pi : t.pubs) {
        if (pubs_[pi].ssrc != 0) {
            media_ssrc = pubs_[pi].ssrc;
            break;
        }
    }
    const int pending_signed = static_cast<int16_t>(r.highest - r.next) + 1;
    if (pending_signed <= 0 || pending_signed > static_cast<int>(TwccReceiver::kWindow)) {
        return;  // everything up to the highest was reported
    }
    const auto pending = static_cast<std::size_t>(pending_signed);
    std::array<int64_t, TwccReceiver::kWindow> at;
    for (std::size_t i = 0; i < pending; ++i) {
        at[i] = r.at_us[static_cast<uint16_t>(r.next + i) % TwccReceiver::kWindow];
    }
    std::size_t done = 0;
    while (done < pending) {
        std::array<std::byte, 1200> out;
        ByteWriter w{out};
        const std::size_t k = wire::twcc::write_feedback(w, t.rtcp_ssrc, media_ssrc, static_cast<uint16_t>(r.next + done),
                                                         std::span<const int64_t>{at.data() + done, pending - done},
                                                         r.feedback_count);
        if (k == 0) {
            break;  // nothing received in what is left: reported as lost by the next feedback
        }
        if (send_rtcp(t, w.written())) {
            ++r.feedback_count;
            ++t.stats.twcc_sent;
            count(Counter::SfuTwccSent);
        }
        done += k;
    }
    for (std::size_t i = 0; i < done; ++i) {
        r.at_us[static_cast<uint16_t>(r.next + i) % TwccReceiver::kWindow] = -1;
    }
    r.next = static_cast<uint16_t>(r.next + done);
}

void Sfu::note_level(Transport& t, Publication& pub, const wire::RtpView& v, uint64_t now_us) noexcept {
    ByteSpan e;
    if (!wire::find_rtp_extension(v, t.level_ext, e) || e.empty()) {
        return;
    }
    // RFC 6464 §3: V (voice activity, the sender's VAD) and the level in -dBov, 0..127.
    const uint8_t level = std::to_integer<uint8_t>(e[0]) & 0x7f;
    Publication::Speech& sp = pub.speech;
    if (sp.since_us == 0) {
        sp.since_us = now_us;
    }
    ++sp.packets;
    if (level <= limits_.speech_level) {
        ++sp.voiced;
        sp.level_sum += level;
    }
    if (now_us - sp.since_us >= limits_.speech_interval_us && now_us >= sp.since_us) {
        judge_speech(t, pub, now_us);
    }
}

void Sfu::judge_speech(const Transport& t, Publication& pub, uint64_t now_us) noexcept {
    Publication::Speech& sp = pub.speech;
    const bool was = sp.speaking;
    if (!was && sp.voiced >= limits_.speech_start_packets) {
        sp.speaking = true;
    } else if (was && sp.voiced < limits_.speech_stop_packets) {
        sp.speaking = false;
    }
    if (sp.speaking != was) {
        const uint8_t level = sp.voiced == 0 ? 127 : static_cast<uint8_t>(sp.level_sum / sp.voiced);
        sink_.speaking(t.id, pub.track, sp.speaking, level);
        count(Counter::SfuSpeakingChanges);
    }
    sp.since_us = now_us;
    sp.packets = 0;
    sp.voiced = 0;
    sp.level_sum = 0;
}

// ---- rooms larger than one lcore ----------------------------------------------------------------

bool Sfu::set_relay(uint32_t track, uint32_t lcore, bool on) {
    if (lcore >= 64 || lcore == lcore_) {
        return false;
    }
    const uint64_t bit = uint64_t{1} << lcore;
    if (on) {
        tracks_[track].relay_lcores |= bit;
    } else if (auto it = tracks_.find(track); it != tracks_.end()) {
        it->second.relay_lcores &= ~bit;
    }
    return true;
}

uint32_t Sfu::remote_publication(uint32_t track, int layer) const noexcept {
    auto [a, b] = pubs_by_layer_.equal_range(uint64_t{track} << 32 | static_cast<uint32_t>(layer));
    for (auto it = a; it != b; ++it) {
        if (pubs_[it->second].transport == kRemote) {
            return it->second;
        }
    }
    return UINT32_MAX;
}

bool Sfu::add_remote_publication(uint32_t track, int layer, Codec codec, uint32_t clock_hz, uint32_t from_lcore) {
    if (layer < 0 || from_lcore >= 64 || from_lcore == lcore_) {
        return false;
    }
    if (const uint32_t pi = remote_publication(track, layer); pi != UINT32_MAX) {
        pubs_[pi].remote_lcore = from_lcore;  // the same command again (a re-sync)
        return true;
    }
    Publication pub{kRemote, 0, track, layer, codec, clock_hz, 0, false, nullptr};
    pub.remote_lcore = from_lcore;
    pub.fanout = &tracks_[track];
    if (codec != Codec::Opus) {
        pub.store = std::make_unique<PacketStore>(limits_.nack_slots);  // NACKs are answered here
    }
    pubs_.push_back(std::move(pub));
    pubs_by_layer_.emplace(uint64_t{track} << 32 | static_cast<uint32_t>(layer), static_cast<uint32_t>(pubs_.size() - 1));
    return true;
}

void Sfu::relay_out(const Publication& pub, const Relayed& proto, ByteSpan rtp) noexcept {
    if (pub.fanout == nullptr || pub.fanout->relay_lcores == 0) {
        return;
    }
    Relayed r = proto;
    r.port = port_index_;
    r.track = pub.track;
    r.layer = pub.layer;
    r.ssrc = pub.ssrc;
    r.from = lcore_;
    for (uint64_t mask = pub.fanout->relay_lcores; mask != 0; mask &= mask - 1) {
        const auto lcore = static_cast<uint32_t>(std::countr_zero(mask));
        if (sink_.relay(lcore, r, rtp)) {
            count(Counter::SfuRelayed);
        } else {
            count(Counter::SfuRelayDropped);
        }
    }
}

void Sfu::on_relayed(const Relayed& r, const std::byte* rtp, std::size_t len, uint64_t now_us) noexcept {
    switch (r.kind) {
    case Relayed::Kind::KeyframeRequest:
        request_keyframe(r.track, r.layer, now_us);
        return;
    case Relayed::Kind::SenderReport: {
        const uint32_t pi = remote_publication(r.track, r.layer);
        if (pi != UINT32_MAX && pubs_[pi].ssrc == r.ssrc) {
            relay_sender_report(pubs_[pi], r.ntp, r.rtp_ts, now_us);
        }
        return;
    }
    case Relayed::Kind::Rtp: break;
    }
    const uint32_t pi = remote_publication(r.track, r.layer);
    wire::RtpView v;
    wire::Error why{};
    if (pi == UINT32_MAX || !wire::parse_rtp(ByteSpan{rtp, len}, v, why)) {
        count(Counter::SfuDropUnknown);  // no subscriber here any more, or not RTP
        return;
    }
    Publication& pub = pubs_[pi];
    pub.ssrc = r.ssrc;
    pub.remote_lcore = r.from;
    if (pub.store) {
        pub.store->put(v.seq, rtp, len, now_us);
    }
    forward(pi, rtp, len, v.seq, v.timestamp, r.keyframe != 0, now_us);
}

}  // namespace tern::sfu
