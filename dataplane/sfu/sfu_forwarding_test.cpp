// The SFU through the host stack: a publisher fanned out to subscribers with rewritten headers,
// NACKs answered from the packet store (also as RTX), PLIs to the publisher (throttled), the
// first frame of a late subscriber, header extensions, AES-CM tags computed many at a time.
#include "common/srtp/srtp.hpp"
#include "common/wire/rtcp.hpp"
#include "common/wire/rtp.hpp"
#include "common/wire/udp.hpp"
#include "dataplane/sfu/sfu.hpp"
#include "support/sfu_harness.hpp"
#include "support/webrtc_client.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

using namespace tern;
using namespace tern::wire;
using namespace tern::test;
namespace attr = stun::attr;

TEST_CASE("SFU: one publisher, two subscribers, NACK and PLI, through the stack", "[sfu][stack]") {
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    WebRtcClient s1{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001),
                    test::mac("02:00:00:00:00:11"), "sub1", 20};
    WebRtcClient s2{Endpoint::from_v4(test::ip4("198.18.0.12"), 5002),
                    test::mac("02:00:00:00:00:12"), "sub2", 30};
    uint64_t id = 1;
    for (WebRtcClient* c : {&pub, &s1, &s2}) {
        h.add(id, *c);
        ++id;
    }
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5001, 97, 0));
    REQUIRE(h.sfu->add_subscription(3, 7, 0x5002, 98, 0));

    // ICE: a wrong password gets 401 and connects nothing; the right one nominates the address.
    {
        WebRtcClient bad{pub.at, pub.mac, pub.sfu_ufrag, 10};
        bad.pwd = "not-the-password";
        test::Bytes out;
        REQUIRE(h.deliver(bad, kSfu, bad.ice_check(9), out) == dp::Verdict::Transmit);
        const Udp reply = udp_of(out);  // the message's spans point into it
        auto m = stun::Message::parse(reply.payload);
        REQUIRE(m);
        CHECK(m->cls() == stun::Class::Error);
    }
    for (WebRtcClient* c : {&pub, &s1, &s2}) {
        connect(h, *c);
    }
    CHECK(h.count(shm::Counter::SfuStunAnswered) == 3);

    // A VP8 keyframe, then an inter frame, then a loss (seq 103 without 102).
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    const test::Bytes inter = test::hex("90 80 8124 11 0102 0304");
    test::Bytes out;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 100, 9000, key), out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 2);
    h.now += 33'000;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 101, 12000, inter), out) ==
            dp::Verdict::Consumed);
    h.now += 33'000;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 103, 18000, inter), out) ==
            dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 6);
    uint16_t expect_seq[] = {100, 101, 103};
    for (std::size_t i = 0; i < 6; ++i) {
        const Udp u = udp_of(h.sink.sent[i]);
        const WebRtcClient& c = u.dst == s1.at ? s1 : s2;
        REQUIRE((u.dst == s1.at || u.dst == s2.at));
        CHECK(u.src == kSfu);
        const test::Bytes rtp = c.open_rtp(u.payload);
        RtpView v;
        Error why{};
        REQUIRE(parse_rtp(rtp, v, why));
        CHECK(v.ssrc == (&c == &s1 ? 0x5001U : 0x5002U));
        CHECK(v.payload_type == (&c == &s1 ? 97 : 98));
        CHECK(v.seq == expect_seq[i / 2]);  // the publisher's gap stays a gap
        CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == (i < 2 ? key : inter));
    }
    const test::Bytes first_to_s1 =
        udp_of(h.sink.sent[2]).dst == s1.at ? h.sink.sent[2] : h.sink.sent[3];

    // Subscriber 1 NACKs 101: the cached frame goes out again, unchanged.
    const uint16_t lost[] = {101};
    const auto nack =
        s1.srtcp([&](ByteWriter& w) { rtcp::write_nack(w, 0xaaaa, 0x5001, lost, 1); });
    const std::size_t before = h.sink.sent.size();
    REQUIRE(h.deliver(s1, kSfu, nack, out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == before + 1);
    CHECK(h.sink.sent.back() == first_to_s1);
    CHECK(h.count(shm::Counter::SfuNackResent) == 1);

    // Subscriber 2 asks for a keyframe: the publisher gets a PLI for its SSRC, once per interval.
    const auto pli = s2.srtcp([&](ByteWriter& w) { rtcp::write_pli(w, 0xbbbb, 0x5002); });
    REQUIRE(h.deliver(s2, kSfu, pli, out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == before + 2);
    Udp to_pub = udp_of(h.sink.sent.back());
    CHECK(to_pub.dst == pub.at);
    std::size_t n = 0;
    REQUIRE(pub.rx->unprotect_rtcp(to_pub.payload.data(), to_pub.payload.size(), n) ==
            srtp::Status::Ok);
    std::vector<uint32_t> asked;
    Error why{};
    REQUIRE(rtcp::for_each(
        ByteSpan{to_pub.payload}.first(n),
        [&](const rtcp::Packet& p) {
            rtcp::for_each_keyframe_request(p, [&](uint32_t m) { asked.push_back(m); });
        },
        why));
    CHECK(asked == std::vector<uint32_t>{0x1111});
    REQUIRE(h.deliver(s2, kSfu,
                      s2.srtcp([&](ByteWriter& w) { rtcp::write_pli(w, 0xbbbb, 0x5002); }),
                      out) == dp::Verdict::Consumed);
    CHECK(h.sink.sent.size() == before + 2);  // throttled
    CHECK(h.count(shm::Counter::SfuPliSent) == 1);

    // Audio has no keyframes: a subscription to an Opus track starts with any packet.
    REQUIRE(h.sfu->add_publication(1, 0x2222, 8, 0, sfu::Codec::Opus, 48000));
    REQUIRE(h.sfu->add_subscription(2, 8, 0x6001, 111, 0));
    const std::size_t before_audio = h.sink.sent.size();
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x2222, 7, 960, test::hex("fcfffe")), out) ==
            dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == before_audio + 1);
    CHECK(udp_of(h.sink.sent.back()).dst == s1.at);

    // Tampered SRTP is dropped and counted; unknown senders too.
    auto bad = pub.srtp(0x1111, 104, 21000, inter);
    bad[20] ^= std::byte{1};
    CHECK(h.deliver(pub, kSfu, bad, out) == dp::Verdict::Drop);
    CHECK(h.count(shm::Counter::SfuDropSrtp) == 1);
    WebRtcClient stranger{Endpoint::from_v4(test::ip4("198.18.0.99"), 9),
                          test::mac("02:00:00:00:00:99"), "x", 1};
    CHECK(h.deliver(stranger, kSfu, stranger.srtp(1, 1, 1, inter), out) == dp::Verdict::Drop);
    // DTLS from a connected client goes to the control plane with its transport id, and the
    // control plane's DTLS goes back out from the media port to the client.
    const test::Bytes hello = test::hex("16fefd0000000000000000");
    CHECK(h.deliver(pub, kSfu, hello, out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.punted.size() == 1);
    CHECK(h.sink.punted[0].first == 1);
    CHECK(h.sink.punted[0].second == hello);
    const std::size_t before_dtls = h.sink.sent.size();
    REQUIRE(h.sfu->send_datagram(1, test::hex("16fefd0000000000000001")));
    REQUIRE(h.sink.sent.size() == before_dtls + 1);
    Udp dtls = udp_of(h.sink.sent.back());
    CHECK(dtls.src == kSfu);
    CHECK(dtls.dst == pub.at);
    CHECK(test::Bytes(dtls.payload.begin(), dtls.payload.end()) ==
          test::hex("16fefd0000000000000001"));
    CHECK_FALSE(h.sfu->send_datagram(99, hello));  // unknown transport
    // Each transport was reported up once, with the address its checks came from.
    REQUIRE(h.sink.up.size() == 3);
    CHECK(h.sink.up[0] == std::pair<uint64_t, Endpoint>{1, pub.at});
}

TEST_CASE(
    "SFU: a subscriber reached after a keyframe passed starts at the next one, asked for at once",
    "[sfu][stack][keyframe]") {
    // What a new subscriber's first frame waits for: its ICE check and its DTLS keys come after
    // the publisher's media has been flowing. A keyframe that passes before the subscriber can be
    // reached is of no use to it; the first packet after it can be reached asks the publisher
    // for a keyframe (one PLI), and its media starts with that keyframe.
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    WebRtcClient sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001),
                     test::mac("02:00:00:00:00:11"), "sub", 20};
    h.add(1, pub);
    REQUIRE(h.sfu->add_transport(2, sub.sfu_ufrag, sub.pwd));  // keys come with DTLS, later
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5001, 97, 0));
    connect(h, pub);

    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    const test::Bytes inter = test::hex("90 80 8124 11 0102 0304");
    test::Bytes out;
    uint16_t seq = 100;
    auto send = [&](const test::Bytes& payload) {
        h.now += 33'000;
        REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, seq, seq * 3000U, payload), out) ==
                dp::Verdict::Consumed);
        ++seq;
    };
    // Not reachable at all: nothing is sent and nobody asks the publisher for anything.
    send(key);
    send(inter);
    // ICE connected, DTLS still running: the keyframe passing now is not taken for it.
    connect(h, sub);
    const std::size_t after_check = h.sink.sent.size();
    send(key);
    send(inter);
    CHECK(h.sink.sent.size() == after_check);
    CHECK(h.count(shm::Counter::SfuPliSent) == 0);
    CHECK(h.count(shm::Counter::SfuRtpOut) == 0);

    // Keys installed: the next packet (an inter frame, not sent) asks for a keyframe.
    REQUIRE(h.sfu->set_keys(2, sub.to_sfu, sub.from_sfu));
    send(inter);
    CHECK(h.count(shm::Counter::SfuPliSent) == 1);
    CHECK(h.count(shm::Counter::SfuRtpOut) == 0);
    REQUIRE_FALSE(h.sink.sent.empty());
    CHECK(udp_of(h.sink.sent.back()).dst == pub.at);  // the PLI
    // The keyframe answering it is the subscriber's first packet, then the stream continues.
    send(key);
    send(inter);
    CHECK(h.count(shm::Counter::SfuRtpOut) == 2);
    std::vector<uint16_t> got;
    for (const test::Bytes& f : h.sink.sent) {
        const Udp u = udp_of(f);
        if (u.dst != sub.at) {
            continue;
        }
        const test::Bytes rtp = sub.open_rtp(u.payload);
        RtpView v;
        Error why{};
        REQUIRE(parse_rtp(rtp, v, why));
        CHECK(v.ssrc == 0x5001U);
        got.push_back(v.seq);
        if (got.size() == 1) {
            CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == key);
        }
    }
    CHECK(got.size() == 2);
    CHECK(h.count(shm::Counter::SfuPliSent) == 1);  // no more requests once it has one

    // The request was answered, so the next subscriber that becomes reachable asks at once
    // (66 ms after the first request: no waiting out an interval), and only once while its
    // request is outstanding.
    WebRtcClient late{Endpoint::from_v4(test::ip4("198.18.0.12"), 5002),
                      test::mac("02:00:00:00:00:12"), "late", 30};
    h.add(3, late);
    REQUIRE(h.sfu->add_subscription(3, 7, 0x5002, 97, 0));
    connect(h, late);
    send(inter);
    CHECK(h.count(shm::Counter::SfuPliSent) == 2);
    send(inter);
    CHECK(h.count(shm::Counter::SfuPliSent) == 2);
    // Unanswered for pli_interval_us: asked again.
    h.now += sfu::SfuLimits{}.pli_interval_us;
    send(inter);
    CHECK(h.count(shm::Counter::SfuPliSent) == 3);
}

TEST_CASE("SFU: NACKs answered as RTX (RFC 4588) when negotiated", "[sfu][stack][rtx]") {
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    WebRtcClient sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001),
                     test::mac("02:00:00:00:00:11"), "sub", 20};
    h.add(1, pub);
    h.add(2, sub);
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5001, 96, 0, 0x5002, 97));
    connect(h, pub);
    connect(h, sub);
    test::Bytes out;
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    const test::Bytes inter = test::hex("90 80 8124 11 0102 0304");
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 100, 9000, key), out) == dp::Verdict::Consumed);
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 101, 12000, inter), out) ==
            dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        const Udp u = udp_of(h.sink.sent[i]);  // (the SRTP receiver learns the stream)
        (void)sub.open_rtp(test::Bytes(u.payload.begin(), u.payload.end()));
    }
    // Two NACKs: each comes back on the RTX stream with its own numbering and the OSN in front.
    for (uint16_t round = 0; round < 2; ++round) {
        const uint16_t lost[] = {static_cast<uint16_t>(100 + round)};
        h.now += 200'000;  // past the resend interval
        REQUIRE(h.deliver(sub, kSfu, sub.srtcp([&](ByteWriter& w) {
            rtcp::write_nack(w, 0xaaaa, 0x5001, lost, 1);
        }),
                          out) == dp::Verdict::Consumed);
        Udp u = udp_of(h.sink.sent.back());
        REQUIRE(u.dst == sub.at);
        const test::Bytes rtx = sub.open_rtp(test::Bytes(u.payload.begin(), u.payload.end()));
        RtpView v;
        Error why{};
        REQUIRE(parse_rtp(rtx, v, why));
        CHECK(v.ssrc == 0x5002);
        CHECK(v.payload_type == 97);
        CHECK(v.seq == round);  // the RTX stream's own sequence
        CHECK(v.timestamp == (round == 0 ? 9000u : 12000u));
        REQUIRE(v.payload.size() >= 2);
        CHECK(load_u16be(v.payload.data()) == 100 + round);  // OSN
        const test::Bytes& orig = round == 0 ? key : inter;
        CHECK(test::Bytes(v.payload.begin() + 2, v.payload.end()) == orig);
    }
    CHECK(h.count(shm::Counter::SfuNackResent) == 2);
}

TEST_CASE("SFU: header extensions reach subscribers with tern's ids, plus its own send time",
          "[sfu][stack][extensions]") {
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    WebRtcClient sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001),
                     test::mac("02:00:00:00:00:11"), "sub", 20};
    h.add(1, pub);
    h.add(2, sub);
    REQUIRE(h.sfu->add_publication(1, 0xA0, 4, 0, sfu::Codec::Opus, 48000));
    REQUIRE(h.sfu->add_publication(1, 0xB0, 5, 0, sfu::Codec::Vp8, 90000));
    // The publisher's ids: audio level 1, transport-wide 3, mid 4, video orientation 13,
    // capture time 5.
    REQUIRE(h.sfu->set_extensions(1, {3, 1, 13, 5}));
    REQUIRE(h.sfu->add_subscription(2, 4, 0x6001, 111, 0));
    REQUIRE(h.sfu->add_subscription(2, 5, 0x6002, 96, 0, 0x6003, 97));
    connect(h, pub);
    connect(h, sub);

    // What subscriber got last: its extension elements by id.
    auto received = [&](RtpView& v, test::Bytes& rtp) {
        const Udp u = udp_of(h.sink.sent.back());
        REQUIRE(u.dst == sub.at);
        rtp = sub.open_rtp(u.payload);
        Error why{};
        REQUIRE(parse_rtp(rtp, v, why));
        REQUIRE(v.ext_profile == kRtpExtOneByte);
    };
    auto element = [](const RtpView& v, uint8_t id) {
        ByteSpan e;
        return find_rtp_extension(v, id, e) ? test::Bytes(e.begin(), e.end()) : test::Bytes{};
    };
    auto present = [](const RtpView& v) {  // the ids in the block
        std::vector<int> ids;
        ByteSpan e;
        for (uint8_t id = 1; id < 15; ++id) {
            if (find_rtp_extension(v, id, e)) {
                ids.push_back(id);
            }
        }
        return ids;
    };
    auto abs_bytes = [](uint64_t now) {
        const uint32_t a = wire::ext::abs_send_time(now);
        return test::Bytes{std::byte(static_cast<uint8_t>(a >> 16)),
                           std::byte(static_cast<uint8_t>(a >> 8)),
                           std::byte(static_cast<uint8_t>(a))};
    };
    test::Bytes out, rtp;
    RtpView v;
    // Audio: the level moves to id 1 (here the same), mid and the transport-wide number are gone.
    const test::Bytes capture = test::hex("e5c4a1b2 00010000");
    REQUIRE(h.deliver(pub, kSfu,
                      pub.srtp_ext(
                          0xA0, 7, 960,
                          {{4, test::hex("30")}, {1, test::hex("a8")}, {3, u16(77)}, {5, capture}},
                          test::hex("fcfffe")),
                      out) == dp::Verdict::Consumed);
    received(v, rtp);
    CHECK(v.ssrc == 0x6001);
    CHECK(element(v, wire::ext::kOutAudioLevel) == test::hex("a8"));
    CHECK(element(v, wire::ext::kOutAbsCaptureTime) == capture);  // end to end, unchanged
    CHECK(element(v, wire::ext::kOutAbsSendTime) == abs_bytes(h.now));
    CHECK(present(v) ==
          std::vector<int>{1, 2, 4});  // mid (4) and the transport-wide number (3) gone
    CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == test::hex("fcfffe"));

    // Video: orientation 13 becomes 3; a NACK is answered as RTX with the send time of the resend.
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    h.now += 10'000;
    REQUIRE(
        h.deliver(pub, kSfu,
                  pub.srtp_ext(0xB0, 500, 9000, {{13, test::hex("01")}, {4, test::hex("31")}}, key),
                  out) == dp::Verdict::Consumed);
    received(v, rtp);
    CHECK(v.ssrc == 0x6002);
    CHECK(element(v, wire::ext::kOutVideoOrientation) == test::hex("01"));
    CHECK(element(v, wire::ext::kOutAbsSendTime) == abs_bytes(h.now));
    CHECK(present(v) == std::vector<int>{2, 3});  // mid gone
    CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == key);
    const uint16_t sent_seq = v.seq;
    h.now += 200'000;
    REQUIRE(h.deliver(sub, kSfu, sub.srtcp([&](ByteWriter& w) {
        rtcp::write_nack(w, 0xaaaa, 0x6002, &sent_seq, 1);
    }),
                      out) == dp::Verdict::Consumed);
    received(v, rtp);
    CHECK(v.ssrc == 0x6003);
    CHECK(present(v) == std::vector<int>{2, 3});
    CHECK(element(v, wire::ext::kOutVideoOrientation) == test::hex("01"));
    CHECK(element(v, wire::ext::kOutAbsSendTime) == abs_bytes(h.now));
    REQUIRE(v.payload.size() == key.size() + 2);
    CHECK(load_u16be(v.payload.data()) == sent_seq);
    CHECK(test::Bytes(v.payload.begin() + 2, v.payload.end()) == key);
}

TEST_CASE("SFU: AES-CM subscribers' tags computed many at a time, sent by the end of the loop",
          "[sfu][stack][srtp]") {
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    h.add(1, pub);
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Vp8, 90000));
    connect(h, pub);
    std::vector<std::unique_ptr<WebRtcClient>> subs;
    constexpr std::size_t kSubs = 20;  // more than one pass of 16 lanes
    for (std::size_t i = 0; i < kSubs; ++i) {
        subs.push_back(std::make_unique<WebRtcClient>(
            Endpoint::from_v4(test::ip4("198.18.0.11"), static_cast<uint16_t>(6000 + i)),
            test::mac("02:00:00:00:00:11"), "sub" + std::to_string(i), static_cast<uint8_t>(20 + i),
            srtp::Suite::AesCm128HmacSha1_80));
        const uint64_t id = 2 + i;
        h.add(id, *subs.back());
        REQUIRE(h.sfu->add_subscription(id, 7, 0x5000 + static_cast<uint32_t>(i), 96, 0));
        connect(h, *subs.back());
    }
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    test::Bytes out;
    for (uint16_t seq = 100; seq < 103; ++seq) {
        h.flush = false;
        const std::size_t before = h.sink.sent.size();
        REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, seq, 9000u * seq, key), out) ==
                dp::Verdict::Consumed);
        if (srtp::tags::available()) {
            CHECK(h.sink.sent.size() - before < kSubs);  // some wait for their tags
        }
        sfu::Sfu::flush();
        REQUIRE(h.sink.sent.size() - before == kSubs);
        // Each subscriber's packet opens with its keys (the tag is right) and is its own.
        for (std::size_t k = before; k < h.sink.sent.size(); ++k) {
            const Udp u = udp_of(h.sink.sent[k]);
            const std::size_t i = u.dst.port - 6000u;
            REQUIRE(i < kSubs);
            const test::Bytes rtp = subs[i]->open_rtp(u.payload);
            RtpView v;
            Error why{};
            REQUIRE(parse_rtp(rtp, v, why));
            CHECK(v.ssrc == 0x5000 + i);
            CHECK(v.seq == seq);
            CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == key);
        }
    }
    CHECK(h.count(shm::Counter::SfuRtpOut) == 3 * kSubs);
    // A subscriber removed with packets waiting: they still go out (its context completes them).
    h.flush = false;
    const std::size_t before = h.sink.sent.size();
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 103, 9000u * 103, key), out) ==
            dp::Verdict::Consumed);
    REQUIRE(h.sfu->remove_transport(2));
    sfu::Sfu::flush();
    CHECK(h.sink.sent.size() - before == kSubs);
}

TEST_CASE("SFU: a subscriber's new keys (a new DTLS association) start it over at a keyframe",
          "[sfu][stack]") {
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    WebRtcClient sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001),
                     test::mac("02:00:00:00:00:11"), "sub", 20};
    h.add(1, pub);
    h.add(2, sub);
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5001, 96, 0));
    connect(h, pub);
    connect(h, sub);
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    const test::Bytes inter = test::hex("90 80 8124 11 0102 0304");
    std::size_t seen = 0;
    std::vector<uint16_t> seqs;
    auto to_sub = [&] {
        for (; seen < h.sink.sent.size(); ++seen) {
            const Udp u = udp_of(h.sink.sent[seen]);
            if (u.dst == sub.at && std::to_integer<uint8_t>(u.payload[1]) < 200) {
                RtpView v;
                Error why{};
                const test::Bytes rtp = sub.open_rtp(u.payload);
                REQUIRE(parse_rtp(rtp, v, why));
                seqs.push_back(v.seq);
            }
        }
        return seqs.size();
    };
    test::Bytes out;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 100, 9000, key), out) == dp::Verdict::Consumed);
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 101, 12000, inter), out) ==
            dp::Verdict::Consumed);
    REQUIRE(to_sub() == 2);
    CHECK(h.count(shm::Counter::SfuPliSent) == 0);

    // The subscriber's browser came back on a new peer connection: new keys, a new decoder.
    // An inter frame would be undecodable there: it waits for a keyframe and asks for one.
    REQUIRE(h.sfu->set_keys(2, sub.to_sfu, sub.from_sfu));
    h.now += 33'000;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 102, 15000, inter), out) ==
            dp::Verdict::Consumed);
    CHECK(to_sub() == 2);
    CHECK(h.count(shm::Counter::SfuPliSent) == 1);
    h.now += 33'000;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 103, 18000, key), out) == dp::Verdict::Consumed);
    REQUIRE(to_sub() == 3);
    CHECK(sfu::seq_newer(seqs[2], seqs[1]));
}
