// What the SFU engine reports from what it receives: receiver reports (with REMB) to publishers,
// their sender reports translated for subscribers, transport-cc feedback, speech start and stop;
// and simulcast SSRCs learnt from rids. Called from the packet path (sfu.cpp), once per packet
// at most; the builders are in rtcp_out.cpp, the decisions in publication.hpp,
// twcc_receiver.hpp and speech_detector.hpp.
#include "dataplane/sfu/rtcp_out.hpp"
#include "dataplane/sfu/sfu.hpp"

#include <array>
#include <span>

namespace tern::sfu {

using shm::Counter;

void Sfu::report_to_publisher(Transport& t, uint64_t now_us) noexcept {
    t.last_remb_us = now_us;
    std::array<wire::rtcp::ReportBlock, 16> blocks{};
    std::size_t n = 0;
    for (uint32_t pi : t.pubs) {
        Publication& p = pubs_[pi];
        if (p.ssrc == 0 || !p.rx.started() || n == blocks.size()) {
            continue;
        }
        blocks[n++] = p.rx.report(p.ssrc, now_us);
    }
    if (n == 0 || !send_receiver_report(out_, t, std::span{blocks.data(), n})) {
        return;
    }
    ++t.stats.reports_sent;
    count(Counter::SfuReportsSent);
    if (t.max_bps != 0) {
        ++t.stats.rembs_sent;
        count(Counter::SfuRembSent);
    }
}

void Sfu::relay_sender_report(const Publication& pub, uint64_t ntp, uint32_t rtp_ts) noexcept {
    for (uint32_t si : tracks_[pub.track_slot].subs) {
        Subscription& s = *subs_[si];
        uint32_t out_ts = 0;
        if (s.layers.current() != pub.layer || !s.rewriter.map_ts(pub.ssrc, rtp_ts, out_ts)) {
            continue;  // not receiving this layer now: its clock would mislead the receiver
        }
        Transport& st = *transports_[s.transport];
        if (send_sender_report(out_, st, s.out_ssrc, ntp, out_ts, s.packets, s.octets)) {
            ++st.stats.reports_sent;
            count(Counter::SfuReportsSent);
        }
    }
}

void Sfu::note_twcc(Transport& t, const wire::RtpView& v, uint64_t now_us) noexcept {
    ByteSpan e;
    if (!wire::find_rtp_extension(v, t.twcc_ext, e) || e.size() != 2) {
        return;
    }
    t.twcc->note(load_u16be(e.data()), now_us, limits_.twcc_interval_us,
                 [&](uint16_t base, std::span<const int64_t> at, uint8_t fb_count) {
                     uint32_t media_ssrc = 0;
                     for (uint32_t pi : t.pubs) {
                         if (pubs_[pi].ssrc != 0) {
                             media_ssrc = pubs_[pi].ssrc;
                             break;
                         }
                     }
                     const TwccSent r = send_twcc_feedback(out_, t, media_ssrc, base, at, fb_count);
                     if (r.sent) {
                         ++t.stats.twcc_sent;
                         count(Counter::SfuTwccSent);
                     }
                     return TwccReceiver::Emitted{r.covered, r.sent};
                 });
}

void Sfu::note_level(Transport& t, Publication& pub, const wire::RtpView& v,
                     uint64_t now_us) noexcept {
    ByteSpan e;
    if (!wire::find_rtp_extension(v, t.level_ext, e) || e.empty()) {
        return;
    }
    // RFC 6464 §3: V (voice activity, the sender's VAD) and the level in -dBov, 0..127.
    const uint8_t level = std::to_integer<uint8_t>(e[0]) & 0x7f;
    if (pub.speech.note(level, now_us, limits_.speech)) {
        speech_changed(t, pub, pub.speech.judge(now_us, limits_.speech));
    }
}

void Sfu::speech_changed(const Transport& t, const Publication& pub,
                         const SpeechDetector::Change& c) noexcept {
    if (c.changed) {
        sink_.speaking(t.id, pub.track, c.speaking, c.level);
        count(Counter::SfuSpeakingChanges);
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
        if (p.ssrc == 0 && p.rid.view() == rid) {
            p.ssrc = v.ssrc;
            bind_ssrc(t, v.ssrc, pi);  // control work on the packet path, once per layer
            count(Counter::SfuSsrcLearned);
            return true;
        }
    }
    return false;
}

}  // namespace tern::sfu
