// Rooms larger than one lcore: two engines, the publisher's relaying its decrypted packets to the
// other once, NACKs, PLIs and sender reports across.
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

TEST_CASE("SFU across lcores: plaintext relayed once, NACK, PLI and SR across",
          "[sfu][stack][relay]") {
    // Lcore 0 holds the publisher and a local subscriber; lcore 1 a subscriber of the same track.
    SfuHarness a;
    SfuHarness b;
    SfuTestSink& sink_a = a.sink;
    SfuTestSink& sink_b = b.sink;
    b.sfu = std::make_unique<sfu::Sfu>(kSfu.port, sfu::SfuLimits{}, *b.counters, sink_b, 1);
    b.stack->set_sfu(b.sfu.get());
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    WebRtcClient local{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001),
                       test::mac("02:00:00:00:00:11"), "local", 20};
    WebRtcClient far{Endpoint::from_v4(test::ip4("198.18.0.12"), 5002),
                     test::mac("02:00:00:00:00:12"), "far", 30};
    a.add(1, pub);
    a.add(3, local);
    b.add(2, far);
    REQUIRE(a.sfu->add_publication(1, 0xC0, 9, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(a.sfu->add_subscription(3, 9, 0x6001, 96, 0));
    CHECK_FALSE(a.sfu->set_relay(9, 0, true));  // not to itself
    CHECK_FALSE(b.sfu->add_remote_publication(9, 0, sfu::Codec::Vp8, 90000, 1));
    REQUIRE(a.sfu->set_relay(9, 1, true));
    REQUIRE(b.sfu->add_remote_publication(9, 0, sfu::Codec::Vp8, 90000, 0));
    REQUIRE(b.sfu->add_remote_publication(9, 0, sfu::Codec::Vp8, 90000, 0));  // idempotent
    REQUIRE(b.sfu->add_subscription(2, 9, 0x7001, 98, 0));
    connect(a, pub);
    connect(a, local);
    connect(b, far);

    // Hand lcore 0's relayed messages to lcore 1 and the other way round.
    auto pump = [&] {
        for (auto* pair : {&sink_a, &sink_b}) {
            SfuHarness& to = pair == &sink_a ? b : a;
            auto msgs = std::move(pair->relayed);
            pair->relayed.clear();
            for (const auto& m : msgs) {
                CHECK(m.lcore == (pair == &sink_a ? 1u : 0u));
                to.sink.now = to.now;
                to.sfu->on_relayed(m.r, m.rtp.data(), m.rtp.size(), to.now);
            }
        }
    };
    auto received = [&](SfuHarness& h, const WebRtcClient& c, std::size_t& seen) {
        std::vector<test::Bytes> rtp;
        for (; seen < h.sink.sent.size(); ++seen) {
            Udp u = udp_of(h.sink.sent[seen]);
            if (u.dst == c.at && std::to_integer<uint8_t>(u.payload[1]) < 200) {
                rtp.push_back(c.open_rtp(u.payload));
            }
        }
        return rtp;
    };
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    const test::Bytes inter = test::hex("90 80 8124 11 0102 0304");
    test::Bytes out;
    REQUIRE(a.deliver(pub, kSfu, pub.srtp(0xC0, 500, 9000, key), out) == dp::Verdict::Consumed);
    a.now += 33'000;
    REQUIRE(a.deliver(pub, kSfu, pub.srtp(0xC0, 501, 12000, inter), out) == dp::Verdict::Consumed);
    a.now += 33'000;
    REQUIRE(a.deliver(pub, kSfu, pub.srtp(0xC0, 503, 18000, inter), out) ==
            dp::Verdict::Consumed);  // 502 lost
    // Decrypted once on lcore 0: one plaintext copy per packet for lcore 1, whatever its
    // subscribers.
    REQUIRE(sink_a.relayed.size() == 3);
    CHECK(sink_a.relayed[0].r.kind == sfu::Relayed::Kind::Rtp);
    CHECK(sink_a.relayed[0].r.keyframe == 1);
    CHECK(sink_a.relayed[1].r.keyframe == 0);
    CHECK(sink_a.relayed[0].r.track == 9);
    CHECK(sink_a.relayed[0].r.ssrc == 0xC0);
    CHECK(sink_a.relayed[0].r.from == 0);
    CHECK(std::equal(key.begin(), key.end(),
                     sink_a.relayed[0].rtp.end() - static_cast<std::ptrdiff_t>(key.size())));
    CHECK(a.count(shm::Counter::SfuRelayed) == 3);
    b.now = a.now;
    pump();
    std::size_t seen_local = 0;
    std::size_t seen_far = 0;
    const auto at_local = received(a, local, seen_local);
    const auto at_far = received(b, far, seen_far);
    REQUIRE(at_local.size() == 3);
    REQUIRE(at_far.size() == 3);
    std::vector<uint16_t> far_seqs;
    for (const auto& p : at_far) {
        RtpView v;
        Error why{};
        REQUIRE(parse_rtp(p, v, why));
        CHECK(v.ssrc == 0x7001);  // the far subscriber's own SSRC and payload type
        CHECK(v.payload_type == 98);
        far_seqs.push_back(v.seq);
    }
    CHECK(static_cast<uint16_t>(far_seqs[2] - far_seqs[1]) == 2);  // the loss stays a gap
    CHECK(test::Bytes(at_far[0].end() - static_cast<std::ptrdiff_t>(key.size()), at_far[0].end()) ==
          key);

    // The far subscriber NACKs a packet (as if lost on its way): lcore 1 answers from its own
    // copy of the relayed plaintext, byte for byte what it sent the first time.
    const uint16_t nacked = far_seqs[1];
    test::Bytes first_time;
    for (const auto& f : b.sink.sent) {
        Udp u = udp_of(f);
        if (u.dst == far.at && load_u16be(u.payload.data() + 2) == nacked) {
            first_time = u.payload;
        }
    }
    REQUIRE_FALSE(first_time.empty());
    b.now += 10'000;
    REQUIRE(b.deliver(far, kSfu, far.srtcp([&](ByteWriter& w) {
        rtcp::write_nack(w, 0x99, 0x7001, &nacked, 1);
    }),
                      out) == dp::Verdict::Consumed);
    REQUIRE(b.sink.sent.size() == seen_far + 1);
    CHECK(udp_of(b.sink.sent.back()).payload == first_time);
    seen_far = b.sink.sent.size();
    CHECK(b.count(shm::Counter::SfuNackResent) == 1);
    CHECK(a.count(shm::Counter::SfuNackResent) == 0);

    // Its PLI goes back to lcore 0, which asks the publisher for a keyframe.
    const std::size_t sent_before = a.sink.sent.size();
    REQUIRE(b.deliver(far, kSfu,
                      far.srtcp([&](ByteWriter& w) { rtcp::write_pli(w, 0x99, 0x7001); }),
                      out) == dp::Verdict::Consumed);
    REQUIRE(sink_b.relayed.size() == 1);
    CHECK(sink_b.relayed[0].r.kind == sfu::Relayed::Kind::KeyframeRequest);
    pump();
    REQUIRE(a.sink.sent.size() == sent_before + 1);
    CHECK(udp_of(a.sink.sent.back()).dst == pub.at);
    CHECK(a.count(shm::Counter::SfuPliSent) == 1);
    // A second PLI right after is throttled on lcore 1 already.
    REQUIRE(b.deliver(far, kSfu,
                      far.srtcp([&](ByteWriter& w) { rtcp::write_pli(w, 0x99, 0x7001); }),
                      out) == dp::Verdict::Consumed);
    CHECK(sink_b.relayed.empty());

    // The publisher's sender report reaches the far subscriber translated.
    REQUIRE(a.deliver(pub, kSfu, pub.srtcp([&](ByteWriter& w) {
        rtcp::write_sr(w, 0xC0, 0x0102030405060708ULL, 18000, 3, 30, nullptr, 0);
    }),
                      out) == dp::Verdict::Consumed);
    REQUIRE(sink_a.relayed.size() == 1);
    CHECK(sink_a.relayed[0].r.kind == sfu::Relayed::Kind::SenderReport);
    const std::size_t far_frames = b.sink.sent.size();
    pump();
    REQUIRE(b.sink.sent.size() == far_frames + 1);
    {
        Udp u = udp_of(b.sink.sent.back());
        CHECK(u.dst == far.at);
        test::Bytes p(u.payload.begin(), u.payload.end());
        std::size_t n = 0;
        REQUIRE(far.rx->unprotect_rtcp(p.data(), p.size(), n) == srtp::Status::Ok);
        CHECK(load_u32be(p.data() + 4) == 0x7001);  // as the far subscriber's stream
        CHECK(load_u32be(p.data() + 8) == 0x01020304U);
    }

    // A full ring drops (counted); the subscriber leaving lcore 1 ends its relayed track there.
    sink_a.refuse_relay = true;
    a.now += 33'000;
    REQUIRE(a.deliver(pub, kSfu, pub.srtp(0xC0, 504, 21000, inter), out) == dp::Verdict::Consumed);
    CHECK(a.count(shm::Counter::SfuRelayDropped) == 1);
    sink_a.refuse_relay = false;
    REQUIRE(b.sfu->remove_transport(2));
    a.now += 33'000;
    REQUIRE(a.deliver(pub, kSfu, pub.srtp(0xC0, 505, 24000, inter), out) == dp::Verdict::Consumed);
    const uint64_t unknown = b.count(shm::Counter::SfuDropUnknown);
    pump();
    CHECK(b.count(shm::Counter::SfuDropUnknown) == unknown + 1);
    // Turned off: nothing more crosses.
    REQUIRE(a.sfu->set_relay(9, 1, false));
    a.now += 33'000;
    REQUIRE(a.deliver(pub, kSfu, pub.srtp(0xC0, 506, 27000, inter), out) == dp::Verdict::Consumed);
    CHECK(sink_a.relayed.empty());
}
