// The SFU behind tern's TURN relay: packets handed over inside the data plane (the SFU sees the
// relayed address as the client's, and its media goes back through the allocation), and across
// workers as UDP between our own addresses.
#include "common/srtp/srtp.hpp"
#include "common/turn/credentials.hpp"
#include "common/wire/rtp.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/turn/channel_data.hpp"
#include "common/wire/udp.hpp"
#include "dataplane/sfu/sfu.hpp"
#include "support/sfu_harness.hpp"
#include "support/turn_client.hpp"
#include "support/webrtc_client.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace tern;
using namespace tern::wire;
using namespace tern::test;
namespace attr = stun::attr;

namespace {

/// A TURN request numbered `txn`, signed with alice's credentials once `nonce` is known.
test::Bytes turn_request(uint16_t method, const std::string& nonce, uint8_t txn,
                         const std::function<void(stun::Builder&)>& fill) {
    test::TurnClient alice{"alice", "wonderland", "tern.test", nonce, txn - 1u};
    return alice.request(method, fill);
}

}  // namespace

TEST_CASE("SFU behind TURN: the relay hands packets to the SFU inside the data plane",
          "[sfu][stack][turn]") {
    SfuHarness h;
    WebRtcClient pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000),
                     test::mac("02:00:00:00:00:10"), "pub", 10};
    // A subscriber that can only use TURN (e.g. behind a firewall), from outside the subnet.
    WebRtcClient d{Endpoint::from_v4(test::ip4("198.18.0.40"), 40000),
                   test::mac("02:00:00:00:00:40"), "relayed", 40};
    h.add(1, pub);
    h.add(2, d);
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5004, 96, 0));
    connect(h, pub);

    // d allocates, permits the SFU's address (our own address, allowed on the media port only)
    // and binds a channel to it.
    test::Bytes out;
    auto alloc = [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); };
    REQUIRE(h.deliver(d, kTurn, turn_request(stun::method::kAllocate, "", 1, alloc), out) ==
            dp::Verdict::Transmit);
    Udp reply = udp_of(out);  // parsed messages point into it: keep it alive
    auto m = stun::Message::parse(reply.payload);
    REQUIRE(m);
    const std::string nonce(reinterpret_cast<const char*>(m->find(attr::kNonce)->value.data()), 32);
    REQUIRE(h.deliver(d, kTurn, turn_request(stun::method::kAllocate, nonce, 2, alloc), out) ==
            dp::Verdict::Transmit);
    reply = udp_of(out);
    m = stun::Message::parse(reply.payload);
    REQUIRE(m->cls() == stun::Class::Success);
    const Endpoint relayed = *m->xor_address(*m->find(attr::kXorRelayedAddress));
    REQUIRE(h.deliver(d, kTurn,
                      turn_request(stun::method::kChannelBind, nonce, 3,
                                   [](stun::Builder& b) {
                                       b.add_u32(attr::kChannelNumber, 0x4001u << 16)
                                           .add_xor_address(attr::kXorPeerAddress, kSfu);
                                   }),
                      out) == dp::Verdict::Transmit);
    reply = udp_of(out);
    REQUIRE(stun::Message::parse(reply.payload)->cls() == stun::Class::Success);
    // Any other port of our own address stays refused.
    REQUIRE(h.deliver(d, kTurn,
                      turn_request(stun::method::kCreatePermission, nonce, 4,
                                   [](stun::Builder& b) {
                                       b.add_xor_address(attr::kXorPeerAddress,
                                                         Endpoint::from_v4(kSfu.v4, 22));
                                   }),
                      out) == dp::Verdict::Transmit);
    reply = udp_of(out);
    m = stun::Message::parse(reply.payload);
    REQUIRE(m->cls() == stun::Class::Error);

    // The ICE check travels as ChannelData; the SFU answers the relayed address, and the answer
    // comes back to d as ChannelData on the same channel.
    auto cd = [](uint16_t ch, const test::Bytes& data) {
        test::Bytes p(4);
        store_u16be(p.data(), ch);
        store_u16be(p.data() + 2, static_cast<uint16_t>(data.size()));
        p.insert(p.end(), data.begin(), data.end());
        while (p.size() % 4 != 0) {
            p.push_back(std::byte{0});
        }
        return p;
    };
    REQUIRE(h.deliver(d, kTurn, cd(0x4001, d.ice_check(5)), out) == dp::Verdict::Transmit);
    Udp u = udp_of(out);
    CHECK(u.dst == d.at);
    CHECK(u.src == kTurn);
    auto view =
        tern::wire::turn::parse_channel_data(u.payload, tern::wire::turn::Framing::Datagram);
    REQUIRE(view);
    CHECK(view->channel == 0x4001);
    auto answer = stun::Message::parse(view->data);
    REQUIRE(answer);
    CHECK(answer->cls() == stun::Class::Success);
    CHECK(answer->xor_address(*answer->find(attr::kXorMappedAddress)) == relayed);
    sfu::Sfu::TransportInfo ti;
    REQUIRE(h.sfu->info(2, ti));
    CHECK(ti.connected);
    CHECK(ti.remote == relayed);

    // The publisher's media reaches d through the allocation, never leaving the data plane.
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 500, 9000, key), out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 1);
    u = udp_of(h.sink.sent[0]);
    CHECK(u.dst == d.at);
    CHECK(u.src == kTurn);
    view = tern::wire::turn::parse_channel_data(u.payload, tern::wire::turn::Framing::Datagram);
    REQUIRE(view);
    RtpView v;
    Error why{};
    const test::Bytes rtp = d.open_rtp(test::Bytes(view->data.begin(), view->data.end()));
    REQUIRE(parse_rtp(rtp, v, why));
    CHECK(v.ssrc == 0x5004);
    CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == key);
    CHECK(h.count(shm::Counter::SfuTurnHandoff) >= 2);

    // DTLS for d (from the control plane) also travels through its allocation.
    REQUIRE(h.sfu->send_datagram(2, test::hex("16fefd00000000000000aa")));
    REQUIRE(h.sink.sent.size() == 2);
    u = udp_of(h.sink.sent[1]);
    CHECK(u.dst == d.at);
    view = tern::wire::turn::parse_channel_data(u.payload, tern::wire::turn::Framing::Datagram);
    REQUIRE(view);
    CHECK(test::Bytes(view->data.begin(), view->data.end()) == test::hex("16fefd00000000000000aa"));
}

TEST_CASE("SFU behind another worker's TURN relay: datagrams cross as UDP between our addresses",
          "[sfu][stack][turn][steering]") {
    // Two workers; this is worker 0 (media port 20000, relay ports 50000-50049). A client relayed
    // by worker 1's allocation (50060) has its SFU transport here: what the SFU sends it is
    // framed from our media port to that relayed address and handed to worker 1, whose TURN
    // sends it on.
    SfuHarness h;
    h.turn = std::make_unique<dp::TurnServer>(h.turn_cfg, *h.policy, 0, 2, *h.counters,
                                              1'800'000'000, as_bytes("nonce-secret", 12));
    h.stack = std::make_unique<dp::PacketPath>(h.ifc, h.services, h.neighbors, *h.counters,
                                               h.turn.get(), 1'000'000);
    h.sink.stack = h.stack.get();
    h.stack->set_owner(0, 2);
    h.stack->set_sfu(h.sfu.get());
    const Endpoint relayed = Endpoint::from_v4(kSfu.v4, 50060);
    std::vector<std::byte> buf(2048);
    const test::Bytes dtls = test::hex("16fefd 0000000000000000 0003 aabbcc");
    std::memcpy(buf.data() + 256, dtls.data(), dtls.size());
    dp::Frame f{buf.data() + 256, static_cast<uint32_t>(dtls.size()), 2048 - 256, 256};
    REQUIRE(h.stack->emit_media(f, buf.data() + 256, dtls.size(), MacAddr{}, kSfu, relayed,
                                h.now) == dp::Verdict::Handoff);
    CHECK(h.stack->handoff_target() == 1);
    const Udp u = udp_of(test::Bytes(f.data, f.data + f.len));
    CHECK(u.src == kSfu);
    CHECK(u.dst == relayed);
    CHECK(u.payload == dtls);
    CHECK(parse_ethernet(test::Bytes(f.data, f.data + f.len))->dst ==
          kUs);  // as if from the wire, to us
    // Worker 0's own relayed addresses stay with it (no allocation there: dropped, counted).
    dp::Frame g{buf.data() + 256, static_cast<uint32_t>(dtls.size()), 2048 - 256, 256};
    std::memcpy(buf.data() + 256, dtls.data(), dtls.size());
    CHECK(h.stack->emit_media(g, buf.data() + 256, dtls.size(), MacAddr{}, kSfu,
                              Endpoint::from_v4(kSfu.v4, 50010), h.now) == dp::Verdict::Drop);
    CHECK(h.count(shm::Counter::TurnDropNoAllocation) == 1);
}
