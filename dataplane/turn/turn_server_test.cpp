// TURN server protocol behaviour (RFC 8656), driven message by message. The frames around
// relayed data: turn_framing_test.cpp.
#include "common/turn/credentials.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/turn/channel_data.hpp"
#include "dataplane/turn/turn_server.hpp"
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

TEST_CASE("TURN: 401 with realm and nonce, then a static user allocates", "[turn]") {
    Fixture fx;
    Client alice{"alice", "wonderland"};
    const Endpoint relayed = fx.allocate(alice);
    CHECK(relayed.v4 == kServer.v4);
    CHECK(relayed.port >= 50000);
    CHECK(relayed.port <= 50099);
    CHECK(fx.count(shm::Counter::TurnAllocationsCreated) == 1);
    CHECK(fx.srv().allocations().active() == 1);
}

TEST_CASE("TURN: REST API credentials with secret rotation and expiry", "[turn]") {
    Fixture fx;
    const std::string user = tern::turn::rest_username(kStartUnix + 1000, "bob");
    Client bob{user, tern::turn::rest_password("rotated-old-secret", user)};
    fx.allocate(bob);  // signed with the older of two configured secrets

    const std::string expired_user =
        tern::turn::rest_username(kStartUnix + 50, "carol");  // before now
    Client carol{expired_user, tern::turn::rest_password("current-secret", expired_user)};
    fx.challenge(carol, Endpoint::from_v4(test::ip4("203.0.113.8"), 1));
    auto m = fx.request(
        carol, stun::method::kAllocate,
        [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); },
        Endpoint::from_v4(test::ip4("203.0.113.8"), 1));
    CHECK(fx.error_of(m) == 401);
    CHECK(fx.count(shm::Counter::TurnAuthFailures) == 1);

    Client mallory{user, "guessed-password"};
    fx.challenge(mallory, Endpoint::from_v4(test::ip4("203.0.113.9"), 1));
    m = fx.request(
        mallory, stun::method::kAllocate,
        [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); },
        Endpoint::from_v4(test::ip4("203.0.113.9"), 1));
    CHECK(fx.error_of(m) == 401);
}

TEST_CASE("TURN: stale and forged nonces get 438", "[turn]") {
    Fixture fx;
    fx.cfg.nonce_lifetime_s = 60;
    Client alice{"alice", "wonderland"};
    fx.challenge(alice);
    fx.now += 61;
    auto m = fx.request(alice, stun::method::kAllocate,
                        [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); });
    CHECK(fx.error_of(m) == 438);
    REQUIRE(m.find(attr::kNonce));  // a fresh one to retry with
    alice.nonce = "0000000000000000ffffffffffffffff";
    m = fx.request(alice, stun::method::kAllocate,
                   [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); });
    CHECK(fx.error_of(m) == 438);
    // A nonce is bound to the client address that got it.
    Client eve{"alice", "wonderland"};
    fx.challenge(eve);
    m = fx.request(
        eve, stun::method::kAllocate,
        [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); },
        Endpoint::from_v4(test::ip4("203.0.113.99"), 1));
    CHECK(fx.error_of(m) == 438);
}

TEST_CASE("TURN: Allocate errors (437, 442, 400, 508 reservations, 486 quota)", "[turn]") {
    Fixture fx;
    Client alice{"alice", "wonderland"};
    fx.allocate(alice);
    // A second Allocate on the same 5-tuple with a new transaction: 437.
    auto m = fx.request(alice, stun::method::kAllocate,
                        [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); });
    CHECK(fx.error_of(m) == 437);

    const Endpoint other = Endpoint::from_v4(test::ip4("203.0.113.7"), 40001);
    m = fx.request(
        alice, stun::method::kAllocate,
        [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 6u << 24); }, other);
    CHECK(fx.error_of(m) == 442);  // TCP relaying is not offered
    m = fx.request(
        alice, stun::method::kAllocate, [](stun::Builder&) {}, other);
    CHECK(fx.error_of(m) == 400);  // no REQUESTED-TRANSPORT
    m = fx.request(
        alice, stun::method::kAllocate,
        [](stun::Builder& b) {
            b.add_u32(attr::kRequestedTransport, 17u << 24);
            const std::array<std::byte, 1> r{std::byte{0x80}};
            b.add(attr::kEvenPort, r);
        },
        other);
    CHECK(fx.error_of(m) == 508);  // EVEN-PORT with R: reservations are not offered

    // EVEN-PORT without R gives an even relay port.
    m = fx.request(
        alice, stun::method::kAllocate,
        [](stun::Builder& b) {
            b.add_u32(attr::kRequestedTransport, 17u << 24);
            const std::array<std::byte, 1> r{std::byte{0}};
            b.add(attr::kEvenPort, r);
        },
        other);
    REQUIRE(m.cls() == stun::Class::Success);
    CHECK(m.xor_address(*m.find(attr::kXorRelayedAddress))->port % 2 == 0);

    // user_quota = 2: the third allocation of "alice" is refused.
    m = fx.request(
        alice, stun::method::kAllocate,
        [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); },
        Endpoint::from_v4(test::ip4("203.0.113.7"), 40002));
    CHECK(fx.error_of(m) == 486);
    CHECK(fx.count(shm::Counter::TurnQuotaRefusals) == 1);
}

TEST_CASE("TURN: permissions gate relaying both ways; denied peers get 403", "[turn]") {
    Fixture fx;
    Client alice{"alice", "wonderland"};
    const Endpoint relayed = fx.allocate(alice);
    const auto ind = send_indication(kPeer, "hello peer");

    // No permission yet: a Send indication is dropped, and so is peer data.
    CHECK(fx.srv().on_client(ind, kClient, kServer, kClientMac, fx.now).kind ==
          TurnAction::Kind::None);
    CHECK(fx.srv().on_peer(test::bytes_of("hi"), kPeer, relayed, fx.now).kind ==
          TurnAction::Kind::None);
    CHECK(fx.count(shm::Counter::TurnDropNoPermission) == 2);

    auto m = fx.request(alice, stun::method::kCreatePermission,
                        [](stun::Builder& b) { b.add_xor_address(attr::kXorPeerAddress, kPeer); });
    REQUIRE(m.cls() == stun::Class::Success);

    auto out = fx.srv().on_client(ind, kClient, kServer, kClientMac, fx.now);
    REQUIRE(out.kind == TurnAction::Kind::ToPeer);
    CHECK(out.dst == kPeer);
    CHECK(out.src == relayed);
    CHECK(std::string(reinterpret_cast<const char*>(out.data.data()), out.data.size()) ==
          "hello peer");

    const Endpoint other_port = Endpoint::from_v4(kPeer.v4, 6000);  // permissions are per IP
    auto back = fx.srv().on_peer(test::bytes_of("hi"), other_port, relayed, fx.now);
    REQUIRE(back.kind == TurnAction::Kind::ToClientIndication);
    CHECK(back.dst == kClient);
    CHECK(back.dst_mac == kClientMac);
    CHECK(back.xor_peer == other_port);

    // Permissions expire after 300 s.
    fx.now += 301;
    CHECK(fx.srv().on_peer(test::bytes_of("hi"), kPeer, relayed, fx.now).kind ==
          TurnAction::Kind::None);

    // Loopback and our own address are refused even though the allow list is narrow.
    m = fx.request(alice, stun::method::kCreatePermission, [](stun::Builder& b) {
        b.add_xor_address(attr::kXorPeerAddress, Endpoint::from_v4(test::ip4("127.0.0.1"), 1));
    });
    CHECK(fx.error_of(m) == 403);
    m = fx.request(alice, stun::method::kCreatePermission, [](stun::Builder& b) {
        b.add_xor_address(attr::kXorPeerAddress, Endpoint::from_v6(test::ip6("2001:db8::1"), 1));
    });
    CHECK(fx.error_of(m) == 443);
    CHECK(fx.count(shm::Counter::TurnDeniedPeer) == 1);
}

TEST_CASE("TURN: RFC 5766's channel numbers only when the operator allows them", "[turn]") {
    Fixture fx;
    fx.cfg.rfc5766_channels = true;  // for clients that pick 0x5000-0x7fff (coturn's uclient)
    Client alice{"alice", "wonderland"};
    const Endpoint relayed = fx.allocate(alice);
    auto m = fx.request(alice, stun::method::kChannelBind, [](stun::Builder& b) {
        b.add_u32(attr::kChannelNumber, 0x7001u << 16)
            .add_xor_address(attr::kXorPeerAddress, kPeer);
    });
    REQUIRE(m.cls() == stun::Class::Success);
    auto out =
        fx.srv().on_client(test::hex("7001 0003 616263 00"), kClient, kServer, kClientMac, fx.now);
    REQUIRE(out.kind == TurnAction::Kind::ToPeer);
    CHECK(out.data.size() == 3);
    auto back = fx.srv().on_peer(test::bytes_of("xyz"), kPeer, relayed, fx.now);
    REQUIRE(back.kind == TurnAction::Kind::ToClientChannel);
    CHECK(back.channel == 0x7001);
    m = fx.request(alice, stun::method::kChannelBind, [](stun::Builder& b) {
        b.add_u32(attr::kChannelNumber, 0x8000u << 16)
            .add_xor_address(attr::kXorPeerAddress, kPeer);
    });
    CHECK(fx.error_of(m) == 400);  // never a channel
}

TEST_CASE("TURN: channels carry ChannelData both ways", "[turn]") {
    Fixture fx;
    Client alice{"alice", "wonderland"};
    const Endpoint relayed = fx.allocate(alice);
    auto m = fx.request(alice, stun::method::kChannelBind, [](stun::Builder& b) {
        b.add_u32(attr::kChannelNumber, 0x4001u << 16)
            .add_xor_address(attr::kXorPeerAddress, kPeer);
    });
    REQUIRE(m.cls() == stun::Class::Success);
    // Rebinding the same channel to another peer, or the peer to another channel: 400.
    m = fx.request(alice, stun::method::kChannelBind, [](stun::Builder& b) {
        b.add_u32(attr::kChannelNumber, 0x4002u << 16)
            .add_xor_address(attr::kXorPeerAddress, kPeer);
    });
    CHECK(fx.error_of(m) == 400);
    // Channel numbers outside RFC 8656's 0x4000-0x4fff: 400 (0x5000 and up were RFC 5766's and
    // collide with RFC 7983 demultiplexing).
    for (const uint32_t number : {0x3000u, 0x3fffu, 0x5000u, 0x7fffu, 0x8000u}) {
        m = fx.request(alice, stun::method::kChannelBind, [&](stun::Builder& b) {
            b.add_u32(attr::kChannelNumber, number << 16)
                .add_xor_address(attr::kXorPeerAddress, kPeer);
        });
        CHECK(fx.error_of(m) == 400);
    }

    const auto cd = test::hex("4001 0003 616263 00");
    auto out = fx.srv().on_client(cd, kClient, kServer, kClientMac, fx.now);
    REQUIRE(out.kind == TurnAction::Kind::ToPeer);
    CHECK(out.dst == kPeer);
    CHECK(out.data.size() == 3);
    auto back = fx.srv().on_peer(test::bytes_of("xyz"), kPeer, relayed, fx.now);
    REQUIRE(back.kind == TurnAction::Kind::ToClientChannel);
    CHECK(back.channel == 0x4001);
    // Unknown channel numbers are dropped.
    CHECK(fx.srv().on_client(test::hex("4002 0000"), kClient, kServer, kClientMac, fx.now).kind ==
          TurnAction::Kind::None);
}

TEST_CASE("TURN: Refresh extends, LIFETIME 0 deletes, the wheel expires", "[turn]") {
    Fixture fx;
    Client alice{"alice", "wonderland"};
    const Endpoint relayed = fx.allocate(alice);
    auto m = fx.request(alice, stun::method::kRefresh,
                        [](stun::Builder& b) { b.add_u32(attr::kLifetime, 1200); });
    REQUIRE(m.cls() == stun::Class::Success);
    CHECK(load_u32be(m.find(attr::kLifetime)->value.data()) == 1200);
    fx.srv().tick(fx.now + 700);  // past the first lifetime, within the refreshed one
    CHECK(fx.srv().allocations().active() == 1);
    fx.srv().tick(fx.now + 1201);
    CHECK(fx.srv().allocations().active() == 0);
    CHECK(fx.count(shm::Counter::TurnAllocationsExpired) == 1);
    CHECK(fx.srv().allocations().by_relay_port(relayed.port) == kNoAllocation);

    fx.now += 1300;
    fx.allocate(alice);
    m = fx.request(alice, stun::method::kRefresh,
                   [](stun::Builder& b) { b.add_u32(attr::kLifetime, 0); });
    REQUIRE(m.cls() == stun::Class::Success);
    CHECK(fx.srv().allocations().active() == 0);
    m = fx.request(alice, stun::method::kRefresh,
                   [](stun::Builder& b) { b.add_u32(attr::kLifetime, 600); });
    CHECK(fx.error_of(m) == 437);
}

TEST_CASE("TURN: unknown comprehension-required attributes get 420", "[turn]") {
    Fixture fx;
    Client alice{"alice", "wonderland"};
    fx.challenge(alice);
    auto m = fx.request(alice, stun::method::kAllocate, [](stun::Builder& b) {
        b.add_u32(attr::kRequestedTransport, 17u << 24).add_u32(0x0077, 1);
    });
    CHECK(fx.error_of(m) == 420);
    auto ua = m.find(attr::kUnknownAttributes);
    REQUIRE(ua);
    CHECK(load_u16be(ua->value.data()) == 0x0077);
}

TEST_CASE("TURN: each worker owns a slice of the relay ports (software steering)",
          "[turn][steering]") {
    Fixture fx;
    fx.policy = std::make_unique<PeerPolicy>(fx.cfg, std::vector<Ipv4Addr>{kServer.v4},
                                             std::vector<Ipv6Addr>{});
    // 100 ports over 3 workers: 33 each, the last one left over.
    TurnServer w1{
        fx.cfg, *fx.policy, 1, 3, *fx.counters, kStartUnix, as_bytes("test-nonce-secret", 17)};
    CHECK(w1.relay_port_owner(50000) == 0);
    CHECK(w1.relay_port_owner(50032) == 0);
    CHECK(w1.relay_port_owner(50033) == 1);
    CHECK(w1.owns_relay_port(50033));
    CHECK(w1.owns_relay_port(50065));
    CHECK_FALSE(w1.owns_relay_port(50066));
    CHECK(w1.relay_port_owner(50066) == 2);
    CHECK(w1.relay_port_owner(50098) == 2);
    CHECK(w1.relay_port_owner(50099) == UINT32_MAX);
    CHECK(w1.relay_port_owner(49999) == UINT32_MAX);
    CHECK(w1.relay_port_owner(3478) == UINT32_MAX);
}
