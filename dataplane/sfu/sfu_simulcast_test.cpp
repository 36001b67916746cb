// Simulcast through the host stack: layers announced by rid, their SSRCs learnt from the first
// packets, a subscriber's layer switched at keyframes, REMB to the publisher.
#include "common/srtp/srtp.hpp"
#include "common/wire/rtcp.hpp"
#include "common/wire/rtp.hpp"
#include "common/wire/udp.hpp"
#include "dataplane/sfu/sfu.hpp"
#include "support/sfu_harness.hpp"
#include "support/webrtc_client.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

using namespace tern;
using namespace tern::wire;
using namespace tern::test;
namespace attr = stun::attr;

namespace {

/// An SRTP packet whose RTP stream id extension (element `ext_id`) names `rid`.
test::Bytes rid_packet(const WebRtcClient& c, uint32_t ssrc, uint16_t seq, uint32_t ts,
                       uint8_t ext_id, const std::string& rid, const test::Bytes& payload) {
    return c.srtp_ext(ssrc, seq, ts, {{ext_id, test::bytes_of(rid)}}, payload);
}

}  // namespace

TEST_CASE("SFU: simulcast by rid (SSRCs learnt), layer choice, REMB to the publisher",
          "[sfu][stack][simulcast]") {
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    WebRtcClient sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001),
                     test::mac("02:00:00:00:00:11"), "sub", 20};
    REQUIRE(h.sfu->add_transport(1, pub.sfu_ufrag, pub.pwd, 1'000'000));
    REQUIRE(h.sfu->set_keys(1, pub.to_sfu, pub.from_sfu));
    h.add(2, sub);
    // Three layers announced by rid only (what Chromium's simulcast offer carries); h is layer 2.
    REQUIRE(h.sfu->add_rid_publication(1, "h", 10, 7, 2, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_rid_publication(1, "m", 10, 7, 1, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_rid_publication(1, "l", 10, 7, 0, sfu::Codec::Vp8, 90000));
    CHECK_FALSE(h.sfu->add_rid_publication(1, "l", 10, 7, 0, sfu::Codec::Vp8, 90000));  // twice
    CHECK_FALSE(h.sfu->add_rid_publication(1, "", 10, 7, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5001, 96, 0));
    connect(h, pub);
    connect(h, sub);

    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    const test::Bytes inter = test::hex("90 80 8124 11 0102 0304");
    test::Bytes out;
    // Each layer's first packet teaches the SFU its SSRC; the subscriber wants layer 0 (l).
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA0, 100, 1000, 10, "h", key), out) ==
            dp::Verdict::Consumed);
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA1, 200, 1000, 10, "m", key), out) ==
            dp::Verdict::Consumed);
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA2, 300, 1000, 10, "l", key), out) ==
            dp::Verdict::Consumed);
    CHECK(h.count(shm::Counter::SfuSsrcLearned) == 3);
    // A rid nobody announced stays unknown.
    CHECK(h.deliver(pub, kSfu, rid_packet(pub, 0xA3, 1, 1, 10, "x", key), out) ==
          dp::Verdict::Drop);

    // The REMB went to the publisher with the learnt SSRCs and its budget (sent with the first
    // packet, then at most twice a second).
    // Frames are decrypted once each (a second time would be a replay).
    std::vector<std::pair<uint64_t, std::size_t>> found;
    std::size_t remb_seen = 0;
    auto rembs = [&] {
        for (; remb_seen < h.sink.sent.size(); ++remb_seen) {
            Udp u = udp_of(h.sink.sent[remb_seen]);
            if (!(u.dst == pub.at)) {
                continue;
            }
            test::Bytes p(u.payload.begin(), u.payload.end());
            std::size_t n = 0;
            REQUIRE(pub.rx->unprotect_rtcp(p.data(), p.size(), n) == srtp::Status::Ok);
            wire::Error why{};
            wire::rtcp::for_each(
                ByteSpan{p.data(), n},
                [&](const wire::rtcp::Packet& pk) {
                    uint64_t bps = 0;
                    std::array<uint32_t, 8> ssrcs{};
                    std::size_t k = 0;
                    if (wire::rtcp::parse_remb(pk, bps, ssrcs.data(), ssrcs.size(), k)) {
                        found.emplace_back(bps, k);
                    }
                },
                why);
        }
        return found;
    };
    auto r = rembs();
    CHECK(r.empty());  // the first report waits half a second
    h.now += 600'000;
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA2, 301, 4000, 10, "l", inter), out) ==
            dp::Verdict::Consumed);
    r = rembs();
    REQUIRE(r.size() == 1);
    CHECK(r[0].first >= 990'000);  // REMB's mantissa/exponent rounds down
    CHECK(r[0].first <= 1'000'000);
    CHECK(r[0].second == 3);  // every learnt layer
    CHECK(h.count(shm::Counter::SfuRembSent) == 1);

    // Only layer l reached the subscriber (its keyframe and the inter frame after it).
    std::vector<uint16_t> seqs;
    std::size_t sub_seen = 0;
    auto to_sub = [&] {
        for (; sub_seen < h.sink.sent.size(); ++sub_seen) {
            Udp u = udp_of(h.sink.sent[sub_seen]);
            if (u.dst == sub.at && std::to_integer<uint8_t>(u.payload[1]) < 200) {
                RtpView v;
                Error why{};
                const test::Bytes rtp =
                    sub.open_rtp(test::Bytes(u.payload.begin(), u.payload.end()));
                REQUIRE(parse_rtp(rtp, v, why));
                CHECK(v.ssrc == 0x5001);
                seqs.push_back(v.seq);
            }
        }
        return seqs;
    };
    CHECK(to_sub().size() == 2);
    // Switch to h: nothing changes until h's next keyframe; then h flows, l no longer does, and
    // sequence numbers continue without a jump.
    REQUIRE(h.sfu->set_target_layer(2, 0x5001, 2));
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA0, 101, 4000, 10, "h", inter), out) ==
            dp::Verdict::Consumed);
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA2, 302, 7000, 10, "l", inter), out) ==
            dp::Verdict::Consumed);
    CHECK(to_sub().size() == 3);  // l still, until h's keyframe
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA0, 102, 7000, 10, "h", key), out) ==
            dp::Verdict::Consumed);
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA2, 303, 10000, 10, "l", inter), out) ==
            dp::Verdict::Consumed);
    REQUIRE(to_sub().size() == 4);
    CHECK(static_cast<uint16_t>(seqs[3] - seqs[2]) == 1);
    CHECK_FALSE(h.sfu->set_target_layer(2, 0x9999, 1));  // no such subscription
}
