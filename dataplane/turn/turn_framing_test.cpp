// TURN's framing through the packet path, frame by frame: ChannelData and Data indications
// written in place in front of relayed data, the hairpin between two allocations, and clients
// over TCP/TLS streams whose messages go to the stream sink padded to four bytes.
#include "common/turn/credentials.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/turn/channel_data.hpp"
#include "dataplane/lcore/packet_path.hpp"
#include "dataplane/turn/turn_framing.hpp"
#include "dataplane/turn/turn_test_fixture.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

using namespace tern;
using namespace tern::dp;
using namespace tern::wire;
namespace attr = stun::attr;

using namespace turn_fixture;

TEST_CASE("PacketPath+TURN: relayed frames are well-formed, headers prepended in place",
          "[turn][dataplane]") {
    Fixture fx;
    Client alice{"alice", "wonderland"};
    const Endpoint relayed = fx.allocate(alice);
    fx.request(alice, stun::method::kCreatePermission,
               [](stun::Builder& b) { b.add_xor_address(attr::kXorPeerAddress, kPeer); });

    Interface ifc;
    ifc.mac = test::mac("02:00:00:00:01:02");
    ifc.ipv4 = Prefix<Ipv4Addr>{kServer.v4, 24};
    ifc.link_local = Ipv6Addr::link_local_from_mac(ifc.mac);
    ServicesConfig services;
    NeighborTable neighbors{64, 1000, 100};
    const MacAddr peer_mac = test::mac("02:00:00:00:00:50");
    neighbors.learn(NeighborTable::key(kPeer.v4), peer_mac, 1);
    PacketPath stack{ifc, services, neighbors, *fx.counters, &fx.srv(), 1};

    auto run = [&](const test::Bytes& frame, test::Bytes& out) {
        std::vector<std::byte> buf(128 + 2048);
        std::memcpy(buf.data() + 128, frame.data(), frame.size());
        Frame f{buf.data() + 128, static_cast<uint32_t>(frame.size()), 2048, 128};
        const Verdict v = stack.handle(f, fx.now);
        out.assign(f.data, f.data + f.len);
        return v;
    };
    // Client -> peer via a Send indication.
    test::Bytes out;
    const auto ind = send_indication(kPeer, "to the peer");
    REQUIRE(
        run(test::udp4_frame(ifc.mac, kClientMac, kClient.v4, kServer.v4, kClient.port, 3478, ind),
            out) == Verdict::Transmit);
    auto e = parse_ethernet(out);
    REQUIRE(e);
    CHECK(e->dst == peer_mac);
    auto ip = parse_ipv4(e->payload);
    REQUIRE(ip);
    CHECK(ip->src == kServer.v4);
    CHECK(ip->dst == kPeer.v4);
    auto u = parse_udp(ip->payload);
    REQUIRE(u);
    CHECK(udp_checksum_ok_v4(*u, ip->src, ip->dst));
    CHECK(u->src_port == relayed.port);
    CHECK(u->dst_port == kPeer.port);
    CHECK(std::string(reinterpret_cast<const char*>(u->payload.data()), u->payload.size()) ==
          "to the peer");

    // Peer -> client as a Data indication (needs headroom: the prefix is longer than the peer's).
    REQUIRE(run(test::udp4_frame(ifc.mac, peer_mac, kPeer.v4, kServer.v4, kPeer.port, relayed.port,
                                 test::bytes_of("reply!")),
                out) == Verdict::Transmit);
    e = parse_ethernet(out);
    CHECK(e->dst == kClientMac);
    ip = parse_ipv4(e->payload);
    REQUIRE(ip);
    CHECK(ip->dst == kClient.v4);
    u = parse_udp(ip->payload);
    REQUIRE(u);
    CHECK(udp_checksum_ok_v4(*u, ip->src, ip->dst));
    CHECK(u->src_port == 3478);
    auto m = stun::Message::parse(u->payload);
    REQUIRE(m);
    CHECK(m->method() == stun::method::kData);
    CHECK(m->cls() == stun::Class::Indication);
    CHECK(m->xor_address(*m->find(attr::kXorPeerAddress)) == kPeer);
    auto data = m->find(attr::kData);
    REQUIRE(data);
    CHECK(std::string(reinterpret_cast<const char*>(data->value.data()), data->value.size()) ==
          "reply!");

    // ChannelData both ways, odd lengths and padding: the relay derives checksums from the incoming
    // ones without reading the data, and they must come out right; a corrupt datagram stays
    // corrupt.
    fx.request(alice, stun::method::kChannelBind, [](stun::Builder& b) {
        b.add_u32(attr::kChannelNumber, 0x4005u << 16)
            .add_xor_address(attr::kXorPeerAddress, kPeer);
    });
    for (const char* body :
         {"4005 0005 68656c6c6f 000000", "4005 0004 74657374", "4005 0001 21 00"}) {
        auto cdf = test::udp4_frame(ifc.mac, kClientMac, kClient.v4, kServer.v4, kClient.port, 3478,
                                    test::hex(body));
        REQUIRE(run(cdf, out) == Verdict::Transmit);
        auto e2 = parse_ethernet(out);
        auto ip2 = parse_ipv4(e2->payload);
        auto u2 = parse_udp(ip2->payload);
        REQUIRE(u2);
        CHECK(u2->payload.size() == load_u16be(test::hex(body).data() + 2));
        CHECK(udp_checksum_ok_v4(*u2, ip2->src, ip2->dst));
        cdf.back() ^= std::byte{0x40};  // corrupt the last byte (data or padding)
        REQUIRE(run(cdf, out) == Verdict::Transmit);
        auto u3 = parse_udp(parse_ipv4(parse_ethernet(out)->payload)->payload);
        CHECK_FALSE(udp_checksum_ok_v4(*u3, ip2->src, ip2->dst));  // the receiver will drop it
    }
    for (const char* body : {"odd", "even", "x", "a longer body of 31 characters!"}) {
        auto pf = test::udp4_frame(ifc.mac, peer_mac, kPeer.v4, kServer.v4, kPeer.port,
                                   relayed.port, test::bytes_of(body));
        REQUIRE(run(pf, out) == Verdict::Transmit);
        auto ip3 = parse_ipv4(parse_ethernet(out)->payload);
        auto u4 = parse_udp(ip3->payload);
        REQUIRE(u4);
        CHECK(udp_checksum_ok_v4(*u4, ip3->src, ip3->dst));
        auto cd = wire::turn::parse_channel_data(u4->payload, wire::turn::Framing::Datagram);
        REQUIRE(cd);
        CHECK(cd->channel == 0x4005);
        CHECK(std::string(reinterpret_cast<const char*>(cd->data.data()), cd->data.size()) == body);
    }

    // An unresolved next hop: dropped, counted, and an ARP request is queued.
    fx.request(alice, stun::method::kCreatePermission, [](stun::Builder& b) {
        b.add_xor_address(attr::kXorPeerAddress, Endpoint::from_v4(test::ip4("198.18.0.77"), 9));
    });
    const auto ind2 = send_indication(Endpoint::from_v4(test::ip4("198.18.0.77"), 9), "x");
    CHECK(
        run(test::udp4_frame(ifc.mac, kClientMac, kClient.v4, kServer.v4, kClient.port, 3478, ind2),
            out) == Verdict::Drop);
    CHECK(fx.count(shm::Counter::TurnDropUnresolved) == 1);
    std::array<std::byte, 128> sol{};
    const std::size_t n = stack.take_solicitation(sol, fx.now);
    REQUIRE(n == 42);
    CHECK(parse_arp(parse_ethernet(ByteSpan{sol}.first(n))->payload)->tpa ==
          test::ip4("198.18.0.77"));
}

TEST_CASE("PacketPath+TURN: two relayed clients reach each other through the hairpin",
          "[turn][dataplane]") {
    Fixture fx;
    fx.cfg.allowed_peers.clear();  // default policy: our own address is denied but for relay ports
    Client alice{"alice", "wonderland"};
    const Endpoint bob_addr = Endpoint::from_v4(test::ip4("203.0.113.20"), 41000);
    const Endpoint alice_relay = fx.allocate(alice);
    Client bob{"alice", "wonderland"};  // a second client of the same user, from another address
    const Endpoint bob_relay = fx.allocate(bob, bob_addr);
    // Each permits the other's relayed address (our own IP, on relay ports).
    auto m = fx.request(alice, stun::method::kCreatePermission, [&](stun::Builder& b) {
        b.add_xor_address(attr::kXorPeerAddress, bob_relay);
    });
    REQUIRE(m.cls() == stun::Class::Success);
    m = fx.request(
        bob, stun::method::kCreatePermission,
        [&](stun::Builder& b) { b.add_xor_address(attr::kXorPeerAddress, alice_relay); }, bob_addr);
    REQUIRE(m.cls() == stun::Class::Success);
    // Our own address on a service port stays refused.
    m = fx.request(alice, stun::method::kCreatePermission, [&](stun::Builder& b) {
        b.add_xor_address(attr::kXorPeerAddress, Endpoint::from_v4(kServer.v4, 3478));
    });
    CHECK(fx.error_of(m) == 403);

    Interface ifc;
    ifc.mac = test::mac("02:00:00:00:01:02");
    ifc.ipv4 = Prefix<Ipv4Addr>{kServer.v4, 24};
    ServicesConfig services;
    NeighborTable neighbors{64, 1000, 100};
    PacketPath stack{ifc, services, neighbors, *fx.counters, &fx.srv(), 1};
    const MacAddr bob_mac = test::mac("02:00:00:00:00:20");
    // Bob's client MAC is learned from his traffic: send him a keepalive first.
    std::vector<std::byte> buf(128 + 2048);
    auto run = [&](const test::Bytes& frame, test::Bytes& out) {
        std::memcpy(buf.data() + 128, frame.data(), frame.size());
        Frame f{buf.data() + 128, static_cast<uint32_t>(frame.size()), 2048, 128};
        const Verdict v = stack.handle(f, fx.now);
        out.assign(f.data, f.data + f.len);
        return v;
    };
    test::Bytes out;
    (void)run(test::udp4_frame(ifc.mac, bob_mac, bob_addr.v4, kServer.v4, bob_addr.port, 3478,
                               send_indication(alice_relay, "hello alice")),
              out);  // bob -> alice

    // Alice -> Bob: a ChannelData-free Send indication to Bob's relayed address.
    REQUIRE(run(test::udp4_frame(ifc.mac, kClientMac, kClient.v4, kServer.v4, kClient.port, 3478,
                                 send_indication(bob_relay, "hello bob")),
                out) == Verdict::Transmit);
    auto e = parse_ethernet(out);
    REQUIRE(e);
    CHECK(e->dst == bob_mac);
    auto ip = parse_ipv4(e->payload);
    REQUIRE(ip);
    CHECK(ip->dst == bob_addr.v4);
    auto u = parse_udp(ip->payload);
    REQUIRE(u);
    CHECK(udp_checksum_ok_v4(*u, ip->src, ip->dst));
    CHECK(u->dst_port == bob_addr.port);
    auto ind = stun::Message::parse(u->payload);
    REQUIRE(ind);
    CHECK(ind->method() == stun::method::kData);
    CHECK(ind->xor_address(*ind->find(attr::kXorPeerAddress)) == alice_relay);
    auto data = ind->find(attr::kData);
    REQUIRE(data);
    CHECK(std::string(reinterpret_cast<const char*>(data->value.data()), data->value.size()) ==
          "hello bob");
    CHECK(fx.count(shm::Counter::TurnHairpinPackets) == 2);
}

namespace {

/// Collects what the stack hands to the control plane for TCP/TLS clients.
struct CollectSink final : StreamSink {
    std::vector<std::pair<uint64_t, test::Bytes>> out;
    bool full = false;
    bool write(uint64_t stream, ByteSpan message) noexcept override {
        if (full) {
            return false;
        }
        out.emplace_back(stream, test::Bytes{message.begin(), message.end()});
        return true;
    }
};

}  // namespace

TEST_CASE("PacketPath+TURN: clients over TCP/TLS streams allocate, relay and lose it on close",
          "[turn][dataplane]") {
    Fixture fx;
    Interface ifc;
    ifc.mac = test::mac("02:00:00:00:01:02");
    ifc.ipv4 = Prefix<Ipv4Addr>{kServer.v4, 24};
    ServicesConfig services;
    NeighborTable neighbors{64, 1000, 100};
    const MacAddr peer_mac = test::mac("02:00:00:00:00:50");
    neighbors.learn(NeighborTable::key(kPeer.v4), peer_mac, 1);
    PacketPath stack{ifc, services, neighbors, *fx.counters, &fx.srv(), 1};
    CollectSink sink;
    stack.set_stream_sink(&sink);
    constexpr uint64_t kConn = 7;
    // The same client address and port as a UDP client: the connection id keeps them apart.
    const Endpoint tcp_client = kClient;

    std::vector<std::byte> buf(128 + 2048);
    test::Bytes out;
    auto stream_in = [&](const test::Bytes& msg) {
        std::memcpy(buf.data() + 128, msg.data(), msg.size());
        Frame f{buf.data() + 128, static_cast<uint32_t>(msg.size()), 2048, 128};
        const Verdict v = stack.handle_stream(f, kConn, tcp_client, kServer, fx.now);
        out.assign(f.data, f.data + f.len);
        return v;
    };
    Client alice{"alice", "wonderland"};
    auto request = [&](uint16_t method, const std::function<void(stun::Builder&)>& fill) {
        sink.out.clear();
        REQUIRE(stream_in(alice.request(method, fill)) == Verdict::Consumed);
        REQUIRE(sink.out.size() == 1);
        CHECK(sink.out[0].first == kConn);
        auto m = stun::Message::parse(sink.out[0].second);
        REQUIRE(m);
        return test::Bytes{sink.out[0].second};
    };
    auto alloc = [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); };
    auto raw = request(stun::method::kAllocate, alloc);
    auto m = stun::Message::parse(raw);
    REQUIRE(fx.error_of(*m) == 401);
    alice.realm = "tern.test";
    alice.nonce.assign(reinterpret_cast<const char*>(m->find(attr::kNonce)->value.data()), 32);
    raw = request(stun::method::kAllocate, alloc);
    m = stun::Message::parse(raw);
    REQUIRE(m->cls() == stun::Class::Success);
    CHECK(m->xor_address(*m->find(attr::kXorMappedAddress)) == tcp_client);
    const Endpoint relayed = *m->xor_address(*m->find(attr::kXorRelayedAddress));
    CHECK(fx.srv().allocations().find(tcp_client, kServer, kConn) != kNoAllocation);
    CHECK(fx.srv().allocations().find(tcp_client, kServer, 0) ==
          kNoAllocation);  // not the UDP 5-tuple

    raw = request(stun::method::kChannelBind, [](stun::Builder& b) {
        b.add_u32(attr::kChannelNumber, 0x4001u << 16)
            .add_xor_address(attr::kXorPeerAddress, kPeer);
    });
    REQUIRE(stun::Message::parse(raw)->cls() == stun::Class::Success);

    // Client -> peer: ChannelData from the stream leaves as a UDP datagram from the relayed
    // address.
    sink.out.clear();
    REQUIRE(stream_in(test::hex("4001 0005 68656c6c6f")) == Verdict::Transmit);
    CHECK(sink.out.empty());
    auto ip = parse_ipv4(parse_ethernet(out)->payload);
    REQUIRE(ip);
    CHECK(ip->dst == kPeer.v4);
    auto u = parse_udp(ip->payload);
    REQUIRE(u);
    CHECK(u->src_port == relayed.port);
    CHECK(udp_checksum_ok_v4(*u, ip->src, ip->dst));
    CHECK(std::string(reinterpret_cast<const char*>(u->payload.data()), u->payload.size()) ==
          "hello");

    // Peer -> client: ChannelData padded to four bytes (§12.5) goes to the connection.
    auto pf = test::udp4_frame(ifc.mac, peer_mac, kPeer.v4, kServer.v4, kPeer.port, relayed.port,
                               test::bytes_of("odd"));
    std::memcpy(buf.data() + 128, pf.data(), pf.size());
    Frame f{buf.data() + 128, static_cast<uint32_t>(pf.size()), 2048, 128};
    REQUIRE(stack.handle(f, fx.now) == Verdict::Consumed);
    REQUIRE(sink.out.size() == 1);
    CHECK(sink.out[0].first == kConn);
    CHECK(sink.out[0].second == test::hex("4001 0003 6f6464 00"));
    CHECK(fx.count(shm::Counter::TurnToClientPackets) == 1);

    // A Binding request over the stream is answered there too.
    {
        std::array<std::byte, 64> b{};
        stun::Builder bl{b, stun::message_type(stun::method::kBinding, stun::Class::Request), {3}};
        sink.out.clear();
        REQUIRE(stream_in(test::Bytes(b.begin(),
                                      b.begin() + static_cast<std::ptrdiff_t>(*bl.finish()))) ==
                Verdict::Consumed);
        REQUIRE(sink.out.size() == 1);
        auto bm = stun::Message::parse(sink.out[0].second);
        REQUIRE(bm);
        CHECK(bm->xor_address(*bm->find(attr::kXorMappedAddress)) == tcp_client);
    }

    // A full punt ring drops and counts; the data plane never blocks.
    sink.full = true;
    std::memcpy(buf.data() + 128, pf.data(), pf.size());
    Frame f2{buf.data() + 128, static_cast<uint32_t>(pf.size()), 2048, 128};
    CHECK(stack.handle(f2, fx.now) == Verdict::Drop);
    CHECK(fx.count(shm::Counter::TurnStreamPuntFull) == 1);
    sink.full = false;

    // The connection closes: the allocation goes, its relay port no longer relays.
    fx.srv().close_stream(kConn, tcp_client, kServer);
    CHECK(fx.srv().allocations().active() == 0);
    std::memcpy(buf.data() + 128, pf.data(), pf.size());
    Frame f3{buf.data() + 128, static_cast<uint32_t>(pf.size()), 2048, 128};
    CHECK(stack.handle(f3, fx.now) == Verdict::Drop);

    // A restarted control plane resets every connection's allocation, and only those.
    Client bob{"alice", "wonderland"};
    (void)fx.allocate(bob, Endpoint::from_v4(test::ip4("203.0.113.20"), 41000));  // over UDP
    alice.nonce.clear();
    raw = request(stun::method::kAllocate, alloc);
    alice.nonce.assign(
        reinterpret_cast<const char*>(stun::Message::parse(raw)->find(attr::kNonce)->value.data()),
        32);
    REQUIRE(stun::Message::parse(request(stun::method::kAllocate, alloc))->cls() ==
            stun::Class::Success);
    CHECK(fx.srv().allocations().active() == 2);
    CHECK(fx.srv().reset_streams() == 1);
    CHECK(fx.srv().allocations().active() == 1);
}
