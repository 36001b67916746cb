// ICE-lite through the host stack: ICE restarts, a full agent's new path carrying media before
// its nomination, a transport on a UDP port of its own.
#include "common/srtp/srtp.hpp"
#include "common/wire/rtcp.hpp"
#include "common/wire/rtp.hpp"
#include "common/wire/udp.hpp"
#include "dataplane/sfu/sfu.hpp"
#include "support/sfu_harness.hpp"
#include "support/webrtc_client.hpp"

#include <catch2/catch.hpp>

using namespace tern;
using namespace tern::wire;
using namespace tern::test;
namespace attr = stun::attr;

TEST_CASE("SFU: ICE restart keeps media flowing and answers the new credentials",
          "[sfu][stack][ice]") {
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    WebRtcClient sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001),
                     test::mac("02:00:00:00:00:11"), "sub", 20};
    opus_pair(h, pub, sub);
    test::Bytes out;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 1, 960, test::hex("fcff")), out) ==
            dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 1);

    // The subscriber restarts ICE: new credentials. Media keeps flowing, and the old ones are
    // still answered (the old pair's consent) until the peer uses the new ones.
    REQUIRE(h.sfu->restart_ice(2, "sub2", "pwd-of-sub2-0123456789"));
    CHECK(h.sfu->restart_ice(2, "sub2", "pwd-of-sub2-0123456789"));  // repeated: a no-op
    CHECK_FALSE(h.sfu->restart_ice(2, "pub", "taken"));              // another transport's ufrag
    CHECK_FALSE(h.sfu->restart_ice(2, "sub", "its own old one"));    // still in use
    CHECK_FALSE(h.sfu->restart_ice(9, "x", "y"));
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 2, 1920, test::hex("fcff")), out) ==
            dp::Verdict::Consumed);
    CHECK(h.sink.sent.size() == 2);
    WebRtcClient old_creds = WebRtcClient{sub.at, sub.mac, "sub", 20};
    connect(h, old_creds);
    // From a new address (the restart's reason, often), with the new credentials: the old ones end.
    WebRtcClient moved{Endpoint::from_v4(test::ip4("198.18.0.21"), 6001),
                       test::mac("02:00:00:00:00:21"), "sub2", 20};
    moved.pwd = "pwd-of-sub2-0123456789";
    connect(h, moved);
    CHECK(h.deliver(old_creds, kSfu, old_creds.ice_check(3), out) == dp::Verdict::Drop);
    sfu::Sfu::TransportInfo ti;
    REQUIRE(h.sfu->info(2, ti));
    CHECK(ti.remote == moved.at);
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 3, 2880, test::hex("fcff")), out) ==
            dp::Verdict::Consumed);
    CHECK(udp_of(h.sink.sent.back()).dst == moved.at);

    // Consent (RFC 7675): checks keep it; 30 s without one and the transport is reported down
    // and sends nothing more.
    h.now += 20'000'000;
    connect(h, pub);  // the publisher keeps checking
    h.sfu->expire(h.now);
    CHECK(h.sink.down.empty());
    h.sfu->expire(h.now - 1'000);  // a clock read before the last check: still fresh, not wrapped
    CHECK(h.sink.down.empty());
    h.now += 15'000'000;  // the subscriber's last check is 35 s old, the publisher's 15 s
    h.sfu->expire(h.now);
    REQUIRE(h.sink.down.size() == 1);
    CHECK(h.sink.down[0].first == 2);
    CHECK(h.count(shm::Counter::SfuConsentExpired) == 1);
    auto to_moved = [&] {
        return std::count_if(h.sink.sent.begin(), h.sink.sent.end(),
                             [&](const test::Bytes& f) { return udp_of(f).dst == moved.at; });
    };
    const auto before = to_moved();
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 4, 3840, test::hex("fcff")), out) ==
            dp::Verdict::Consumed);
    CHECK(to_moved() == before);
    h.sfu->expire(h.now + 1'000'000);
    CHECK(h.sink.down.size() == 1);  // reported once
}

TEST_CASE("SFU: a full agent's new path carries media before its nomination", "[sfu][stack][ice]") {
    // libwebrtc, controlling against a lite agent, sends on a pair it selected and nominates that
    // pair only with a later check; after an ICE restart its old pair's packets trail the new
    // ones. Neither may be lost, and the SFU follows the peer to the path it sends on.
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    WebRtcClient sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001),
                     test::mac("02:00:00:00:00:11"), "sub", 20};
    opus_pair(h, pub, sub);
    test::Bytes out;
    const test::Bytes opus = test::hex("fcff");
    auto sent_to = [&](const Endpoint& e) {
        return std::count_if(h.sink.sent.begin(), h.sink.sent.end(),
                             [&](const test::Bytes& f) { return udp_of(f).dst == e; });
    };
    auto remote_of = [&](uint64_t id) {
        sfu::Sfu::TransportInfo ti;
        REQUIRE(h.sfu->info(id, ti));
        return ti.remote;
    };
    const Endpoint pub_a = pub.at;
    const Endpoint pub_b = Endpoint::from_v4(test::ip4("198.18.0.10"), 5100);
    const Endpoint sub_a = sub.at;
    const Endpoint sub_b = Endpoint::from_v4(test::ip4("198.18.0.31"), 5101);
    h.now += 2'000'000;

    // Unchecked addresses stay unknown, even with the right keys.
    pub.at = pub_b;
    CHECK(h.deliver(pub, kSfu, pub.srtp(0x1111, 1, 960, opus), out) == dp::Verdict::Drop);
    CHECK(h.count(shm::Counter::SfuDropUnknown) == 1);
    CHECK(h.sink.sent.empty());

    // A valid check without USE-CANDIDATE: answered; the selection stays.
    test::Bytes reply;
    REQUIRE(h.deliver(pub, kSfu, pub.ice_check(2, false), reply) == dp::Verdict::Transmit);
    CHECK(udp_of(reply).dst == pub_b);
    CHECK(remote_of(1) == pub_a);
    // Media from there is forwarded, and moves the publisher's selection.
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 2, 1920, opus), out) == dp::Verdict::Consumed);
    CHECK(sent_to(sub_a) == 1);
    CHECK(remote_of(1) == pub_b);
    CHECK(h.count(shm::Counter::SfuPathMoves) == 1);
    REQUIRE(h.sink.up.size() >= 3);
    CHECK(h.sink.up.back() == std::make_pair(uint64_t{1}, pub_b));
    // A straggler of the old path: forwarded, and it does not move the selection back.
    pub.at = pub_a;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 3, 2880, opus), out) == dp::Verdict::Consumed);
    CHECK(sent_to(sub_a) == 2);
    CHECK(remote_of(1) == pub_b);

    // The subscriber's side: its checked new path sends only RTCP; a forged packet from there
    // (bad tag) changes nothing, its authenticated receiver report moves our media there.
    sub.at = sub_b;
    REQUIRE(h.deliver(sub, kSfu, sub.ice_check(4, false), reply) == dp::Verdict::Transmit);
    test::Bytes rr =
        sub.srtcp([](ByteWriter& w) { REQUIRE(wire::rtcp::write_rr(w, 0x7777, nullptr, 0)); });
    test::Bytes forged = rr;
    forged[forged.size() - 20] ^= std::byte{1};
    CHECK(h.deliver(sub, kSfu, forged, out) == dp::Verdict::Drop);
    CHECK(h.count(shm::Counter::SfuDropSrtp) == 1);
    CHECK(remote_of(2) == sub_a);
    REQUIRE(h.deliver(sub, kSfu, rr, out) == dp::Verdict::Consumed);
    CHECK(remote_of(2) == sub_b);
    pub.at = pub_b;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 4, 3840, opus), out) == dp::Verdict::Consumed);
    CHECK(sent_to(sub_b) >= 1);
    CHECK(udp_of(h.sink.sent.back()).dst == sub_b);

    // Within a second of that move, only a nomination moves it again (at once).
    sub.at = sub_a;
    REQUIRE(h.deliver(sub, kSfu, sub.srtcp([](ByteWriter& w) {
        REQUIRE(wire::rtcp::write_rr(w, 0x7777, nullptr, 0));
    }),
                      out) == dp::Verdict::Consumed);
    CHECK(remote_of(2) == sub_b);
    connect(h, sub);
    CHECK(remote_of(2) == sub_a);
    CHECK(h.count(shm::Counter::SfuPathMoves) == 3);

    // At most four paths per transport: a fifth evicts the least recently checked unselected one.
    for (uint16_t k = 0; k < 4; ++k) {
        h.now += 1'000;
        pub.at = Endpoint::from_v4(test::ip4("198.18.0.10"), static_cast<uint16_t>(5200 + k));
        REQUIRE(h.deliver(pub, kSfu, pub.ice_check(10 + k, false), reply) == dp::Verdict::Transmit);
    }
    pub.at = pub_a;  // checked before the four new ones: evicted
    CHECK(h.deliver(pub, kSfu, pub.srtp(0x1111, 5, 4800, opus), out) == dp::Verdict::Drop);
    pub.at = pub_b;  // the selected one stays
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 6, 5760, opus), out) == dp::Verdict::Consumed);
    pub.at = Endpoint::from_v4(test::ip4("198.18.0.10"), 5203);
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 7, 6720, opus), out) == dp::Verdict::Consumed);

    // Consent expiry forgets every path.
    h.now += 40'000'000;
    h.sfu->expire(h.now);
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 8, 7680, opus), out) == dp::Verdict::Drop);
}

TEST_CASE("SFU: a transport on a UDP port of its own (services.transport_ports)",
          "[sfu][stack][ports]") {
    SfuHarness h;
    h.sfu->set_transport_ports(30000, 30099);
    WebRtcClient own{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "own", 10};
    WebRtcClient shared{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001),
                        test::mac("02:00:00:00:00:11"), "shared", 20};
    CHECK_FALSE(h.sfu->add_transport(9, "x", "y", 0, 31000));  // not this lcore's slice
    REQUIRE(h.sfu->add_transport(1, own.sfu_ufrag, own.pwd, 0, 30007));
    CHECK_FALSE(h.sfu->add_transport(8, "z", "w", 0, 30007));  // taken
    REQUIRE(h.sfu->add_transport(2, shared.sfu_ufrag, shared.pwd));
    REQUIRE(h.sfu->set_keys(1, own.to_sfu, own.from_sfu));
    REQUIRE(h.sfu->set_keys(2, shared.to_sfu, shared.from_sfu));
    CHECK(h.sfu->serves(20000));
    CHECK(h.sfu->serves(30007));
    CHECK_FALSE(h.sfu->serves(30008));  // in the range, nobody's
    const Endpoint own_port = Endpoint::from_v4(kSfu.v4, 30007);
    test::Bytes out;
    // Its checks count on its own port only; the shared transport's on the shared port only.
    CHECK(h.deliver(own, kSfu, own.ice_check(1), out) == dp::Verdict::Drop);
    REQUIRE(h.deliver(own, own_port, own.ice_check(2), out) == dp::Verdict::Transmit);
    {
        const Udp u = udp_of(out);
        CHECK(u.src == own_port);  // answered from the port it was asked on
        CHECK(u.dst == own.at);
    }
    CHECK(h.deliver(shared, own_port, shared.ice_check(3), out) == dp::Verdict::Drop);
    connect(h, shared);
    CHECK(h.count(shm::Counter::SfuStunRejected) == 2);
    // Media both ways: the publisher on its own port, the subscriber on the shared one.
    REQUIRE(h.sfu->add_publication(1, 0xE0, 3, 0, sfu::Codec::Opus, 48000));
    REQUIRE(h.sfu->add_subscription(2, 3, 0x7E0, 111, 0));
    REQUIRE(h.deliver(own, own_port, own.srtp(0xE0, 1, 960, test::hex("fcff")), out) ==
            dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 1);
    CHECK(udp_of(h.sink.sent[0]).src == kSfu);
    CHECK(udp_of(h.sink.sent[0]).dst == shared.at);
    // A subscriber on its own port gets media from that port.
    REQUIRE(h.sfu->add_subscription(1, 3, 0x7E1, 111, 0));
    REQUIRE(h.deliver(own, own_port, own.srtp(0xE0, 2, 1920, test::hex("fcff")), out) ==
            dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 3);
    bool from_own = false;
    for (std::size_t i = 1; i < 3; ++i) {
        const Udp u = udp_of(h.sink.sent[i]);
        from_own = from_own || (u.dst == own.at && u.src == own_port);
    }
    CHECK(from_own);
    // Removed: its port is free again and no longer served.
    REQUIRE(h.sfu->remove_transport(1));
    CHECK_FALSE(h.sfu->serves(30007));
    CHECK(h.sfu->add_transport(7, "again", "pwd-again-0123456789", 0, 30007));
}
