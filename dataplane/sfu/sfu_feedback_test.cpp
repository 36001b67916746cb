// What the SFU reports: receiver reports to publishers and their sender reports translated for
// subscribers, transport-cc feedback, speech start and stop from audio levels.
#include "common/srtp/srtp.hpp"
#include "common/wire/rtcp.hpp"
#include "common/wire/rtp.hpp"
#include "common/wire/twcc.hpp"
#include "common/wire/udp.hpp"
#include "dataplane/sfu/sfu.hpp"
#include "support/sfu_harness.hpp"
#include "support/webrtc_client.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

using namespace tern;
using namespace tern::wire;
using namespace tern::test;
namespace attr = stun::attr;

TEST_CASE("SFU: RTCP generation — RR to publishers, publisher SRs translated for subscribers",
          "[sfu][stack][rtcp]") {
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    WebRtcClient sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001),
                     test::mac("02:00:00:00:00:11"), "sub", 20};
    opus_pair(h, pub, sub);

    // Six packets 20 ms apart at 48 kHz, seq 100..105 with 102 lost: jitter stays 0.
    test::Bytes out;
    const test::Bytes opus = test::hex("fcfffe");
    for (uint16_t seq = 100; seq <= 105; ++seq) {
        if (seq != 102) {
            REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, seq, 960u * seq, opus), out) ==
                    dp::Verdict::Consumed);
        }
        h.now += 20'000;
    }
    // The publisher's SR (NTP 0x11223344'55667788, RTP 960*105): passed on for the subscriber with
    // its SSRC, its timestamp and what was sent to it.
    {
        std::array<std::byte, 128> b{};
        ByteWriter w{MutableByteSpan{b.data(), 64}};
        REQUIRE(
            wire::rtcp::write_sr(w, 0x1111, 0x1122334455667788ULL, 960u * 105, 5, 15, nullptr, 0));
        std::size_t n = 0;
        REQUIRE(pub.tx->protect_rtcp(b.data(), w.size(), b.size(), n) == srtp::Status::Ok);
        REQUIRE(h.deliver(pub, kSfu,
                          test::Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)),
                          out) == dp::Verdict::Consumed);
    }
    Udp u = udp_of(h.sink.sent.back());
    REQUIRE(u.dst == sub.at);
    test::Bytes sr(u.payload.begin(), u.payload.end());
    std::size_t n = 0;
    REQUIRE(sub.rx->unprotect_rtcp(sr.data(), sr.size(), n) == srtp::Status::Ok);
    int srs = 0;
    wire::Error why{};
    REQUIRE(wire::rtcp::for_each(
        ByteSpan{sr.data(), n},
        [&](const wire::rtcp::Packet& p) {
            REQUIRE(p.type == 200);
            CHECK(p.ssrc == 0x5001);
            CHECK(load_u32be(p.body.data()) == 0x11223344u);
            CHECK(load_u32be(p.body.data() + 4) == 0x55667788u);
            CHECK(load_u32be(p.body.data() + 8) == 960u * 105);  // the first packet set no offset
            CHECK(load_u32be(p.body.data() + 12) == 5);          // packets sent to this subscriber
            CHECK(load_u32be(p.body.data() + 16) == 5 * 3);  // their payload octets (3 bytes each)
            ++srs;
        },
        why));
    CHECK(srs == 1);

    // Half a second after the first packet, the next one brings our RR to the publisher.
    h.now += 500'000;
    // (its timestamp keeps pace with the clock: 0.5 s more is 24000 ticks, so no jitter)
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 106, 960u * 106 + 24000, opus), out) ==
            dp::Verdict::Consumed);
    bool seen = false;
    for (const auto& frame : h.sink.sent) {
        Udp f = udp_of(frame);
        if (!(f.dst == pub.at)) {
            continue;
        }
        test::Bytes rr(f.payload.begin(), f.payload.end());
        std::size_t k = 0;
        REQUIRE(pub.rx->unprotect_rtcp(rr.data(), rr.size(), k) == srtp::Status::Ok);
        REQUIRE(wire::rtcp::for_each(
            ByteSpan{rr.data(), k},
            [&](const wire::rtcp::Packet& p) {
                if (p.type != 201) {
                    return;
                }
                wire::rtcp::for_each_report(p, [&](const wire::rtcp::ReportBlock& b) {
                    CHECK(b.ssrc == 0x1111);
                    CHECK(b.highest_seq == 106);
                    CHECK(b.cumulative_lost == 1);
                    CHECK(b.fraction_lost == (1 << 8) / 7);  // 1 of 7 expected
                    CHECK(b.jitter <= 1);
                    CHECK(b.lsr == 0x33445566u);  // the middle of the SR's NTP time
                    CHECK(b.dlsr >= 65536 / 2);   // ~0.52 s since, in 1/65536 s
                    CHECK(b.dlsr <= 65536);
                    seen = true;
                });
            },
            why));
    }
    CHECK(seen);
    CHECK(h.count(shm::Counter::SfuReportsSent) == 2);
}

TEST_CASE("SFU: transport-cc feedback to a publisher", "[sfu][stack][twcc]") {
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    h.add(1, pub);
    REQUIRE(h.sfu->add_publication(1, 0xB0, 1, 0, sfu::Codec::Vp8, 90000));
    CHECK_FALSE(h.sfu->set_extensions(99, {3, 1}));  // no such transport
    REQUIRE(h.sfu->set_extensions(1, {3, 0}));
    connect(h, pub);

    const test::Bytes body = test::hex("90 80 8123 11 0102 0304");
    test::Bytes out;
    auto send = [&](uint16_t seq, uint16_t twcc, uint32_t ssrc = 0xB0) {
        return h.deliver(pub, kSfu, pub.srtp_ext(ssrc, seq, seq * 3000u, {{3, u16(twcc)}}, body),
                         out);
    };
    const uint64_t t0 = h.now;
    REQUIRE(send(100, 65532) == dp::Verdict::Consumed);
    h.now = t0 + 1'000;
    REQUIRE(send(101, 65533) == dp::Verdict::Consumed);
    h.now = t0 + 5'000;  // 65534 is lost
    REQUIRE(send(103, 65535) == dp::Verdict::Consumed);
    // A probe on an SSRC tern does not forward still counts for the estimate.
    h.now = t0 + 7'000;
    CHECK(send(1, 0, 0xDEAD) == dp::Verdict::Drop);
    CHECK(h.count(shm::Counter::SfuTwccSent) == 0);  // feedback goes every 100 ms
    h.now = t0 + 105'000;
    REQUIRE(send(104, 1) == dp::Verdict::Consumed);
    REQUIRE(h.count(shm::Counter::SfuTwccSent) == 1);

    // What the publisher reads back, decrypted and parsed as transport-cc.
    std::vector<std::pair<twcc::Feedback, std::vector<int64_t>>> feedback;
    std::size_t seen = 0;
    auto collect = [&] {
        for (; seen < h.sink.sent.size(); ++seen) {
            Udp u = udp_of(h.sink.sent[seen]);
            REQUIRE(u.dst == pub.at);
            test::Bytes p(u.payload.begin(), u.payload.end());
            std::size_t n = 0;
            REQUIRE(pub.rx->unprotect_rtcp(p.data(), p.size(), n) == srtp::Status::Ok);
            Error why{};
            REQUIRE(rtcp::for_each(
                ByteSpan{p.data(), n},
                [&](const rtcp::Packet& pk) {
                    twcc::Feedback fb;
                    std::vector<int64_t> at(64);
                    std::size_t k = 0;
                    Error fb_why{};
                    if (twcc::parse_feedback(pk, fb, at, k, fb_why)) {
                        at.resize(k);
                        feedback.emplace_back(fb, at);
                    }
                },
                why));
        }
    };
    collect();
    REQUIRE(feedback.size() == 1);
    const auto& [fb, at] = feedback[0];
    CHECK(fb.base_seq == 65532);  // the numbers wrap inside it
    CHECK(fb.status_count == 6);
    CHECK(fb.feedback_count == 0);
    CHECK(fb.media_ssrc == 0xB0);
    REQUIRE(at.size() == 6);
    CHECK(at[2] == twcc::kNotReceived);
    // Arrival times keep their spacing (to the 250 µs tick).
    CHECK(at[1] - at[0] == 1'000);
    CHECK(at[3] - at[0] == 5'000);
    CHECK(at[4] - at[0] == 7'000);
    CHECK(at[5] - at[0] == 105'000);

    // A straggler already reported is not reported again; the next feedback starts after 1,
    // and counts on.
    h.now = t0 + 110'000;
    REQUIRE(send(102, 65534) == dp::Verdict::Consumed);
    h.now = t0 + 230'000;
    REQUIRE(send(105, 2) == dp::Verdict::Consumed);
    collect();
    REQUIRE(feedback.size() == 2);
    CHECK(feedback[1].first.base_seq == 2);
    CHECK(feedback[1].first.status_count == 1);
    CHECK(feedback[1].first.feedback_count == 1);

    // A jump past the window (a long gap) moves the window there.
    h.now = t0 + 400'000;
    REQUIRE(send(106, 30000) == dp::Verdict::Consumed);
    h.now = t0 + 401'000;
    REQUIRE(send(107, 30001) == dp::Verdict::Consumed);
    h.now = t0 + 520'000;
    REQUIRE(send(108, 30002) == dp::Verdict::Consumed);
    collect();
    REQUIRE(feedback.size() == 3);
    CHECK(feedback[2].first.base_seq == 30000);
    CHECK(feedback[2].first.status_count == 3);
    CHECK(feedback[2].second[1] - feedback[2].second[0] == 1'000);

    // Turned off (a renegotiation without it): no more feedback.
    REQUIRE(h.sfu->set_extensions(1, {}));
    h.now = t0 + 700'000;
    REQUIRE(send(109, 30003) == dp::Verdict::Consumed);
    h.now = t0 + 900'000;
    REQUIRE(send(110, 30004) == dp::Verdict::Consumed);
    CHECK(h.count(shm::Counter::SfuTwccSent) == 3);
}

TEST_CASE("SFU: speech start and stop from a publisher's audio levels (RFC 6464)",
          "[sfu][stack][audio-level]") {
    SfuHarness h;
    auto& sink = h.sink;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    h.add(1, pub);
    REQUIRE(h.sfu->add_publication(1, 0xA0, 4, 0, sfu::Codec::Opus, 48000));
    REQUIRE(h.sfu->set_extensions(1, {0, 1}));
    connect(h, pub);

    uint16_t seq = 1;
    test::Bytes out;
    // 20 ms packets for `ms` milliseconds at `level` (-dBov), voice activity flag set.
    auto talk = [&](uint8_t level, int ms) {
        for (int t = 0; t < ms; t += 20) {
            h.now += 20'000;
            const test::Bytes lvl{std::byte(static_cast<uint8_t>(0x80 | level))};
            REQUIRE(
                h.deliver(pub, kSfu,
                          pub.srtp_ext(0xA0, seq, seq * 960u, {{1, lvl}}, test::hex("fc ff fe")),
                          out) == dp::Verdict::Consumed);
            ++seq;
        }
    };
    talk(127, 600);  // silence: nothing
    CHECK(sink.speech.empty());
    talk(30, 1200);  // speech at -30 dBov
    REQUIRE(sink.speech.size() == 1);
    CHECK(std::get<0>(sink.speech[0]) == 1);
    CHECK(std::get<1>(sink.speech[0]) == 4);
    CHECK(std::get<2>(sink.speech[0]));
    CHECK(std::get<3>(sink.speech[0]) == 30);
    talk(45, 300);  // quieter speech, then a short pause: still speaking (hysteresis)
    talk(127, 100);
    CHECK(sink.speech.size() == 1);
    talk(127, 1200);  // silence
    REQUIRE(sink.speech.size() == 2);
    CHECK_FALSE(std::get<2>(sink.speech[1]));
    talk(20, 1200);
    REQUIRE(sink.speech.size() == 3);
    CHECK(std::get<2>(sink.speech[2]));
    // Packets stop (muted, or DTX): the sweep ends the speech.
    h.now += 2'000'000;
    h.sfu->expire(h.now);
    REQUIRE(sink.speech.size() == 4);
    CHECK_FALSE(std::get<2>(sink.speech[3]));
    CHECK(h.count(shm::Counter::SfuSpeakingChanges) == 4);
}

TEST_CASE("SFU: a subscriber with transport-cc gets transport-wide numbers, its feedback an "
          "estimate",
          "[sfu][stack][twcc][bwe]") {
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    WebRtcClient sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001),
                     test::mac("02:00:00:00:00:11"), "sub", 20};
    WebRtcClient plain{Endpoint::from_v4(test::ip4("198.18.0.12"), 5002),
                       test::mac("02:00:00:00:00:12"), "plain", 30};
    h.add(1, pub);
    h.add(2, sub);
    h.add(3, plain);
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5001, 97, 0, 0x6001, 98));  // with RTX
    REQUIRE(h.sfu->add_subscription(3, 7, 0x5002, 97, 0));              // resends as they were
    connect(h, pub);
    connect(h, sub);
    connect(h, plain);
    REQUIRE(h.sfu->estimate_bandwidth(3));
    CHECK_FALSE(h.sfu->estimate_bandwidth(99));  // no such transport
    sfu::Sfu::TransportInfo info;
    REQUIRE(h.sfu->info(2, info));
    CHECK(info.bwe_bps == 0);  // none without transport-cc
    REQUIRE(h.sfu->estimate_bandwidth(2));
    REQUIRE(h.sfu->estimate_bandwidth(2));  // again: the same estimator
    REQUIRE(h.sfu->info(2, info));
    CHECK(info.bwe_bps == 0);  // nothing to say before the first feedback

    // What the subscriber receives: each packet with the next transport-wide number (id 5)
    // beside abs-send-time (id 2).
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    const test::Bytes inter = test::hex("90 80 8124 11 0102 0304");
    test::Bytes out;
    std::vector<uint16_t> twcc_seqs;
    std::vector<uint16_t> rtp_seqs;
    std::vector<test::Bytes> to_plain;  // the SRTP packets the other subscriber got
    auto take = [&] {
        for (const auto& frame : h.sink.sent) {
            Udp u = udp_of(frame);
            if (u.dst == plain.at && !looks_like_rtcp(u.payload)) {
                to_plain.emplace_back(u.payload.begin(), u.payload.end());
            }
            if (!(u.dst == sub.at) || looks_like_rtcp(u.payload)) {
                continue;
            }
            const test::Bytes rtp = sub.open_rtp(test::Bytes(u.payload.begin(), u.payload.end()));
            RtpView v;
            Error why{};
            REQUIRE(parse_rtp(rtp, v, why));
            ByteSpan e;
            REQUIRE(find_rtp_extension(v, ext::kOutTransportCc, e));
            REQUIRE(e.size() == 2);
            twcc_seqs.push_back(load_u16be(e.data()));
            rtp_seqs.push_back(v.seq);
            CHECK(find_rtp_extension(v, ext::kOutAbsSendTime, e));
        }
        h.sink.sent.clear();
    };
    const uint64_t t0 = h.now;
    for (uint16_t i = 0; i < 50; ++i) {
        h.now = t0 + i * 20'000ULL;
        REQUIRE(h.deliver(pub, kSfu,
                          pub.srtp(0x1111, static_cast<uint16_t>(100 + i), 3000u * i,
                                   i == 0 ? key : inter),
                          out) == dp::Verdict::Consumed);
    }
    take();
    REQUIRE(twcc_seqs.size() == 50);
    for (uint16_t i = 0; i < 50; ++i) {
        CHECK(twcc_seqs[i] == i);
    }

    // The subscriber's feedback: all 50 arrived, each 5 ms later after its send than the one
    // before (a queue growing on its link): overuse, so the estimate falls to a fraction of
    // what got through, here the floor.
    std::vector<int64_t> arrivals;
    for (uint16_t i = 0; i < 50; ++i) {
        arrivals.push_back(static_cast<int64_t>(t0 + i * 25'000ULL + 30'000));
    }
    h.now = t0 + 50 * 25'000ULL + 40'000;
    REQUIRE(h.deliver(sub, kSfu, sub.srtcp([&](ByteWriter& w) {
        REQUIRE(twcc::write_feedback(w, 0x2222, 0x5001, 0, arrivals, 0) == 50);
    }),
                      out) == dp::Verdict::Consumed);
    REQUIRE(h.sfu->info(2, info));
    CHECK(info.twcc_in == 1);
    CHECK(info.bwe_bps == sfu::RateLimits{}.min_bps);
    // Reported to the control plane.
    REQUIRE(h.sink.estimates.size() == 1);
    CHECK(h.sink.estimates[0] == std::pair<uint64_t, uint64_t>{2, sfu::RateLimits{}.min_bps});

    // A NACKed packet goes again as RTX with a transport-wide number of its own...
    h.now += 10'000;
    REQUIRE(h.deliver(sub, kSfu, sub.srtcp([&](ByteWriter& w) {
        const uint16_t s = rtp_seqs[45];
        REQUIRE(rtcp::write_nack(w, 0x2222, 0x5001, &s, 1));
    }),
                      out) == dp::Verdict::Consumed);
    twcc_seqs.clear();
    take();
    REQUIRE(twcc_seqs.size() == 1);
    CHECK(twcc_seqs[0] == 50);
    // ...and without RTX as the very bytes first sent (its transport-wide number included: a
    // new one under the same SRTP index would reuse an AES-GCM nonce).
    REQUIRE(to_plain.size() == 50);
    const test::Bytes first_45 = to_plain[45];
    const uint16_t plain_45 = load_u16be(first_45.data() + 2);  // the header is clear
    REQUIRE(h.deliver(plain, kSfu, plain.srtcp([&](ByteWriter& w) {
        REQUIRE(rtcp::write_nack(w, 0x3333, 0x5002, &plain_45, 1));
    }),
                      out) == dp::Verdict::Consumed);
    to_plain.clear();
    take();
    REQUIRE(to_plain.size() == 1);
    CHECK(to_plain[0] == first_45);

    // The subscriber's REMB caps the estimate.
    REQUIRE(h.sfu->estimate_bandwidth(2));
    REQUIRE(h.deliver(sub, kSfu, sub.srtcp([&](ByteWriter& w) {
        const uint32_t media = 0x5001;
        REQUIRE(rtcp::write_remb(w, 0x2222, 20'000, &media, 1));
    }),
                      out) == dp::Verdict::Consumed);
    REQUIRE(h.sfu->info(2, info));
    CHECK(info.remb_bps == 20'000);
    CHECK(info.bwe_bps == sfu::RateLimits{}.min_bps);  // never under the floor
    // A malformed feedback changes nothing.
    REQUIRE(h.deliver(sub, kSfu, sub.srtcp([&](ByteWriter& w) {
        w.u8(0x8f);
        w.u8(rtcp::kRtpfb);
        w.u16be(4);
        w.u32be(0x2222);
        w.u32be(0x5001);
        w.u32be(0x00000005);  // base 0, 5 statuses
        w.u32be(0x00000000);  // reference time, and no chunks
    }),
                      out) == dp::Verdict::Consumed);
    REQUIRE(h.sfu->info(2, info));
    CHECK(info.twcc_in == 1);
}
