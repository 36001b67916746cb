// Rooms larger than one lcore, on the packet path: a publication's packets (and sender reports)
// handed to the lcores with subscribers of its track, and what arrives from other lcores
// forwarded like a local publication's packets. The message is in relay.hpp; the set-up
// (set_relay, add_remote_publication) in sfu_control.cpp.
#include "common/wire/rtp.hpp"
#include "dataplane/sfu/sfu.hpp"

namespace tern::sfu {

using shm::Counter;

void Sfu::relay_out(const Publication& pub, const Relayed& proto, ByteSpan rtp) noexcept {
    Relayed r = proto;
    r.port = port_index_;
    r.track = pub.track;
    r.layer = pub.layer;
    r.ssrc = pub.ssrc;
    r.from = lcore_;
    tracks_[pub.track_slot].relay.for_each([&](uint32_t lcore) {
        count(sink_.relay(lcore, r, rtp) ? Counter::SfuRelayed : Counter::SfuRelayDropped);
    });
}

uint32_t Sfu::remote_publication(uint32_t track, int layer) const noexcept {
    const uint32_t k = track_slot(track);
    if (k == IndexTable::kNone) {
        return IndexTable::kNone;
    }
    for (uint32_t pi : tracks_[k].pubs) {
        if (pubs_[pi].transport == kRemote && pubs_[pi].layer == layer) {
            return pi;
        }
    }
    return IndexTable::kNone;
}

void Sfu::on_relayed(const Relayed& r, const std::byte* rtp, std::size_t len,
                     uint64_t now_us) noexcept {
    switch (r.kind) {
    case Relayed::Kind::KeyframeRequest: request_keyframe(r.track, r.layer, now_us); return;
    case Relayed::Kind::SenderReport: {
        const uint32_t pi = remote_publication(r.track, r.layer);
        if (pi != IndexTable::kNone && pubs_[pi].ssrc == r.ssrc) {
            relay_sender_report(pubs_[pi], r.ntp, r.rtp_ts);
        }
        return;
    }
    case Relayed::Kind::Rtp: break;
    }
    const uint32_t pi = remote_publication(r.track, r.layer);
    wire::RtpView v;
    wire::Error why{};
    if (pi == IndexTable::kNone || !wire::parse_rtp(ByteSpan{rtp, len}, v, why)) {
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
