// TURN server protocol behaviour (RFC 8656), driven message by message, and the frames the
// host stack builds for relayed data.
#include "dataplane/stack/stack.hpp"
#include "dataplane/turn/turn_server.hpp"

#include "common/turn/credentials.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/turn/channel_data.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

using namespace tern;
using namespace tern::dp;
using namespace tern::wire;
namespace attr = stun::attr;

namespace {

const Endpoint kClient = Endpoint::from_v4(test::ip4("203.0.113.7"), 40000);
const Endpoint kServer = Endpoint::from_v4(test::ip4("198.18.0.2"), 3478);
const Endpoint kPeer = Endpoint::from_v4(test::ip4("198.18.0.50"), 5000);
const MacAddr kClientMac = test::mac("02:00:00:00:00:07");
constexpr uint64_t kStartUnix = 1'800'000'000;

struct Client {
    std::string user;
    std::string password;
    std::string realm;
    std::string nonce;
    uint32_t tx = 0;

    stun::TransactionId txid() {
        stun::TransactionId t{};
        ++tx;
        std::memcpy(t.data(), &tx, sizeof tx);
        return t;
    }
    tern::turn::LongTermKey key() const { return tern::turn::long_term_key(user, realm, password); }
};

struct Fixture {
    Fixture() {
        cfg.realm = "tern.test";
        cfg.secrets = {"rotated-old-secret", "current-secret"};
        cfg.users = {{"alice", "wonderland"}};
        cfg.relay_port_min = 50000;
        cfg.relay_port_max = 50099;
        cfg.max_allocations = 8;
        cfg.user_quota = 2;
        cfg.allowed_peers = {"198.18.0.0/24"};
    }
    TurnConfig cfg;
    std::unique_ptr<PeerPolicy> policy;
    std::unique_ptr<shm::LcoreCounters> counters = std::make_unique<shm::LcoreCounters>();
    std::unique_ptr<TurnServer> server;
    uint64_t now = 100;

    TurnServer& srv() {
        if (!server) {
            policy = std::make_unique<PeerPolicy>(cfg, std::vector<Ipv4Addr>{kServer.v4}, std::vector<Ipv6Addr>{});
            server = std::make_unique<TurnServer>(cfg, *policy, 0, 1, *counters, kStartUnix,
                                                  as_bytes("test-nonce-secret", 17));
        }
        return *server;
    }
    uint64_t count(shm::Counter c) const { return counters->v[static_cast<std::size_t>(c)].load(); }

    /// Sends a request built by `fill`; signs it when the client has a nonce. Returns the
    /// parsed response (kept in `last`).
    test::Bytes last;
    stun::Message request(Client& c, uint16_t method, const std::function<void(stun::Builder&)>& fill,
                          const Endpoint& from = kClient) {
        std::array<std::byte, 512> buf{};
        stun::Builder b{buf, stun::message_type(method, stun::Class::Request), c.txid()};
        fill(b);
        if (!c.nonce.empty()) {
            b.add_string(attr::kUsername, c.user).add_string(attr::kRealm, c.realm).add_string(attr::kNonce, c.nonce);
            const auto k = c.key();
            b.add_message_integrity(crypto::HmacSha1Key{as_bytes(k.data(), k.size())});
        }
        b.add_fingerprint();
        const auto act = srv().on_client(ByteSpan{buf}.first(*b.finish()), from, kServer, kClientMac, now);
        REQUIRE(act.kind == TurnAction::Kind::Reply);
        CHECK(act.dst == from);
        CHECK(act.src == kServer);
        const ByteSpan r = srv().reply();
        last.assign(r.begin(), r.end());
        auto m = stun::Message::parse(last);
        REQUIRE(m);
        return *m;
    }
    uint16_t error_of(const stun::Message& m) {
        if (m.cls() != stun::Class::Error) {
            return 0;
        }
        return stun::Message::error_code(*m.find(attr::kErrorCode))->code;
    }
    /// The 401 dance: learn realm and nonce.
    void challenge(Client& c, const Endpoint& from = kClient) {
        c.nonce.clear();  // an unsigned request
        auto m = request(c, stun::method::kAllocate, [](stun::Builder& b) {
            b.add_u32(attr::kRequestedTransport, 17u << 24);
        }, from);
        REQUIRE(error_of(m) == 401);
        auto realm = m.find(attr::kRealm);
        auto nonce = m.find(attr::kNonce);
        REQUIRE(realm);
        REQUIRE(nonce);
        c.realm.assign(reinterpret_cast<const char*>(realm->value.data()), realm->value.size());
        c.nonce.assign(reinterpret_cast<const char*>(nonce->value.data()), nonce->value.size());
    }
    Endpoint allocate(Client& c, const Endpoint& from = kClient) {
        challenge(c, from);
        auto m = request(c, stun::method::kAllocate, [](stun::Builder& b) {
            b.add_u32(attr::kRequestedTransport, 17u << 24);
        }, from);
        REQUIRE(m.cls() == stun::Class::Success);
        const auto k = c.key();
        CHECK(m.check_integrity(crypto::HmacSha1Key{as_bytes(k.data(), k.size())}));
        auto relayed = m.xor_address(*m.find(attr::kXorRelayedAddress));
        REQUIRE(relayed);
        CHECK(m.xor_address(*m.find(attr::kXorMappedAddress)) == from);
        CHECK(load_u32be(m.find(attr::kLifetime)->value.data()) == 600);
        return *relayed;
    }
};

test::Bytes send_indication(const Endpoint& peer, std::string_view data) {
    std::array<std::byte, 512> buf{};
    stun::Builder b{buf, stun::message_type(stun::method::kSend, stun::Class::Indication), {9}};
    b.add_xor_address(attr::kXorPeerAddress, peer).add_string(attr::kData, data);
    return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*b.finish())};
}

}  // namespace

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

    const std::string expired_user = tern::turn::rest_username(kStartUnix + 50, "carol");  // before now
    Client carol{expired_user, tern::turn::rest_password("current-secret", expired_user)};
    fx.challenge(carol, Endpoint::from_v4(test::ip4("203.0.113.8"), 1));
    auto m = fx.request(carol, stun::method::kAllocate,
                        [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); },
                        Endpoint::from_v4(test::ip4("203.0.113.8"), 1));
    CHECK(fx.error_of(m) == 401);
    CHECK(fx.count(shm::Counter::TurnAuthFailures) == 1);

    Client mallory{user, "guessed-password"};
    fx.challenge(mallory, Endpoint::from_v4(test::ip4("203.0.113.9"), 1));
    m = fx.request(mallory, stun::method::kAllocate,
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
    m = fx.request(eve, stun::method::kAllocate,
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
    m = fx.request(alice, stun::method::kAllocate,
                   [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 6u << 24); }, other);
    CHECK(fx.error_of(m) == 442);  // TCP relaying is not offered
    m = fx.request(alice, stun::method::kAllocate, [](stun::Builder&) {}, other);
    CHECK(fx.error_of(m) == 400);  // no REQUESTED-TRANSPORT
    m = fx.request(alice, stun::method::kAllocate, [](stun::Builder& b) {
        b.add_u32(attr::kRequestedTransport, 17u << 24);
        const std::array<std::byte, 1> r{std::byte{0x80}};
        b.add(attr::kEvenPort, r);
    }, other);
    CHECK(fx.error_of(m) == 508);  // EVEN-PORT with R: reservations are not offered

    // EVEN-PORT without R gives an even relay port.
    m = fx.request(alice, stun::method::kAllocate, [](stun::Builder& b) {
        b.add_u32(attr::kRequestedTransport, 17u << 24);
        const std::array<std::byte, 1> r{std::byte{0}};
        b.add(attr::kEvenPort, r);
    }, other);
    REQUIRE(m.cls() == stun::Class::Success);
    CHECK(m.xor_address(*m.find(attr::kXorRelayedAddress))->port % 2 == 0);

    // user_quota = 2: the third allocation of "alice" is refused.
    m = fx.request(alice, stun::method::kAllocate,
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
    CHECK(fx.srv().on_client(ind, kClient, kServer, kClientMac, fx.now).kind == TurnAction::Kind::None);
    CHECK(fx.srv().on_peer(test::bytes_of("hi"), kPeer, relayed, fx.now).kind == TurnAction::Kind::None);
    CHECK(fx.count(shm::Counter::TurnDropNoPermission) == 2);

    auto m = fx.request(alice, stun::method::kCreatePermission,
                        [](stun::Builder& b) { b.add_xor_address(attr::kXorPeerAddress, kPeer); });
    REQUIRE(m.cls() == stun::Class::Success);

    auto out = fx.srv().on_client(ind, kClient, kServer, kClientMac, fx.now);
    REQUIRE(out.kind == TurnAction::Kind::ToPeer);
    CHECK(out.dst == kPeer);
    CHECK(out.src == relayed);
    CHECK(std::string(reinterpret_cast<const char*>(out.data.data()), out.data.size()) == "hello peer");

    const Endpoint other_port = Endpoint::from_v4(kPeer.v4, 6000);  // permissions are per IP
    auto back = fx.srv().on_peer(test::bytes_of("hi"), other_port, relayed, fx.now);
    REQUIRE(back.kind == TurnAction::Kind::ToClientIndication);
    CHECK(back.dst == kClient);
    CHECK(back.dst_mac == kClientMac);
    CHECK(back.xor_peer == other_port);

    // Permissions expire after 300 s.
    fx.now += 301;
    CHECK(fx.srv().on_peer(test::bytes_of("hi"), kPeer, relayed, fx.now).kind == TurnAction::Kind::None);

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
        b.add_u32(attr::kChannelNumber, 0x7001u << 16).add_xor_address(attr::kXorPeerAddress, kPeer);
    });
    REQUIRE(m.cls() == stun::Class::Success);
    auto out = fx.srv().on_client(test::hex("7001 0003 616263 00"), kClient, kServer, kClientMac, fx.now);
    REQUIRE(out.kind == TurnAction::Kind::ToPeer);
    CHECK(out.data.size() == 3);
    auto back = fx.srv().on_peer(test::bytes_of("xyz"), kPeer, relayed, fx.now);
    REQUIRE(back.kind == TurnAction::Kind::ToClientChannel);
    CHECK(back.channel == 0x7001);
    m = fx.request(alice, stun::method::kChannelBind, [](stun::Builder& b) {
        b.add_u32(attr::kChannelNumber, 0x8000u << 16).add_xor_address(attr::kXorPeerAddress, kPeer);
    });
    CHECK(fx.error_of(m) == 400);  // never a channel
}

TEST_CASE("TURN: channels carry ChannelData both ways", "[turn]") {
    Fixture fx;
    Client alice{"alice", "wonderland"};
    const Endpoint relayed = fx.allocate(alice);
    auto m = fx.request(alice, stun::method::kChannelBind, [](stun::Builder& b) {
        b.add_u32(attr::kChannelNumber, 0x4001u << 16).add_xor_address(attr::kXorPeerAddress, kPeer);
    });
    REQUIRE(m.cls() == stun::Class::Success);
    // Rebinding the same channel to another peer, or the peer to another channel: 400.
    m = fx.request(alice, stun::method::kChannelBind, [](stun::Builder& b) {
        b.add_u32(attr::kChannelNumber, 0x4002u << 16).add_xor_address(attr::kXorPeerAddress, kPeer);
    });
    CHECK(fx.error_of(m) == 400);
    // Channel numbers outside RFC 8656's 0x4000-0x4fff: 400 (0x5000 and up were RFC 5766's and
    // collide with RFC 7983 demultiplexing).
    for (const uint32_t number : {0x3000u, 0x3fffu, 0x5000u, 0x7fffu, 0x8000u}) {
        m = fx.request(alice, stun::method::kChannelBind, [&](stun::Builder& b) {
            b.add_u32(attr::kChannelNumber, number << 16).add_xor_address(attr::kXorPeerAddress, kPeer);
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
    auto m = fx.request(alice, stun::method::kRefresh, [](stun::Builder& b) { b.add_u32(attr::kLifetime, 1200); });
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
    m = fx.request(alice, stun::method::kRefresh, [](stun::Builder& b) { b.add_u32(attr::kLifetime, 0); });
    REQUIRE(m.cls() == stun::Class::Success);
    CHECK(fx.srv().allocations().active() == 0);
    m = fx.request(alice, stun::method::kRefresh, [](stun::Builder& b) { b.add_u32(attr::kLifetime, 600); });
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

TEST_CASE("Stack+TURN: relayed frames are well-formed, headers prepended in place", "[turn][dataplane]") {
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
    Stack stack{ifc, services, neighbors, *fx.counters, &fx.srv(), 1};

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
    REQUIRE(run(test::udp4_frame(ifc.mac, kClientMac, kClient.v4, kServer.v4, kClient.port, 3478, ind), out) ==
            Verdict::Transmit);
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
    CHECK(std::string(reinterpret_cast<const char*>(u->payload.data()), u->payload.size()) == "to the peer");

    // Peer -> client as a Data indication (needs headroom: the prefix is longer than the peer's).
    REQUIRE(run(test::udp4_frame(ifc.mac, peer_mac, kPeer.v4, kServer.v4, kPeer.port, relayed.port,
                                 test::bytes_of("reply!")), out) == Verdict::Transmit);
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
    CHECK(std::string(reinterpret_cast<const char*>(data->value.data()), data->value.size()) == "reply!");

    // ChannelData both ways, odd lengths and padding: the relay derives checksums from the incoming
    // ones without reading the data, and they must come out right; a corrupt datagram stays corrupt.
    fx.request(alice, stun::method::kChannelBind, [](stun::Builder& b) {
        b.add_u32(attr::kChannelNumber, 0x4005u << 16).add_xor_address(attr::kXorPeerAddress, kPeer);
    });
    for (const char* body : {"4005 0005 68656c6c6f 000000", "4005 0004 74657374", "4005 0001 21 00"}) {
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
        auto pf = test::udp4_frame(ifc.mac, peer_mac, kPeer.v4, kServer.v4, kPeer.port, relayed.port,
                                   test::bytes_of(body));
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
    CHECK(run(test::udp4_frame(ifc.mac, kClientMac, kClient.v4, kServer.v4, kClient.port, 3478, ind2), out) ==
          Verdict::Drop);
    CHECK(fx.count(shm::Counter::TurnDropUnresolved) == 1);
    std::array<std::byte, 128> sol{};
    const std::size_t n = stack.take_solicitation(sol, fx.now);
    REQUIRE(n == 42);
    CHECK(parse_arp(parse_ethernet(ByteSpan{sol}.first(n))->payload)->tpa == test::ip4("198.18.0.77"));
}

TEST_CASE("Stack+TURN: two relayed clients reach each other through the hairpin", "[turn][dataplane]") {
    Fixture fx;
    fx.cfg.allowed_peers.clear();  // default policy: our own address is denied but for relay ports
    Client alice{"alice", "wonderland"};
    const Endpoint bob_addr = Endpoint::from_v4(test::ip4("203.0.113.20"), 41000);
    const Endpoint alice_relay = fx.allocate(alice);
    Client bob{"alice", "wonderland"};  // a second client of the same user, from another address
    const Endpoint bob_relay = fx.allocate(bob, bob_addr);
    // Each permits the other's relayed address (our own IP, on relay ports).
    auto m = fx.request(alice, stun::method::kCreatePermission,
                        [&](stun::Builder& b) { b.add_xor_address(attr::kXorPeerAddress, bob_relay); });
    REQUIRE(m.cls() == stun::Class::Success);
    m = fx.request(bob, stun::method::kCreatePermission,
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
    Stack stack{ifc, services, neighbors, *fx.counters, &fx.srv(), 1};
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
                               send_indication(alice_relay, "hello alice")), out);  // bob -> alice

    // Alice -> Bob: a ChannelData-free Send indication to Bob's relayed address.
    REQUIRE(run(test::udp4_frame(ifc.mac, kClientMac, kClient.v4, kServer.v4, kClient.port, 3478,
                                 send_indication(bob_relay, "hello bob")), out) == Verdict::Transmit);
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
    CHECK(std::string(reinterpret_cast<const char*>(data->value.data()), data->value.size()) == "hello bob");
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

TEST_CASE("Stack+TURN: clients over TCP/TLS streams allocate, relay and lose it on close", "[turn][dataplane]") {
    Fixture fx;
    Interface ifc;
    ifc.mac = test::mac("02:00:00:00:01:02");
    ifc.ipv4 = Prefix<Ipv4Addr>{kServer.v4, 24};
    ServicesConfig services;
    NeighborTable neighbors{64, 1000, 100};
    const MacAddr peer_mac = test::mac("02:00:00:00:00:50");
    neighbors.learn(NeighborTable::key(kPeer.v4), peer_mac, 1);
    Stack stack{ifc, services, neighbors, *fx.counters, &fx.srv(), 1};
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
        std::array<std::byte, 512> b{};
        stun::Builder bl{b, stun::message_type(method, stun::Class::Request), alice.txid()};
        fill(bl);
        if (!alice.nonce.empty()) {
            bl.add_string(attr::kUsername, alice.user).add_string(attr::kRealm, alice.realm)
                .add_string(attr::kNonce, alice.nonce);
            const auto k = alice.key();
            bl.add_message_integrity(crypto::HmacSha1Key{as_bytes(k.data(), k.size())});
        }
        bl.add_fingerprint();
        sink.out.clear();
        REQUIRE(stream_in(test::Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(*bl.finish()))) ==
                Verdict::Consumed);
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
    CHECK(fx.srv().allocations().find(tcp_client, kServer, 0) == kNoAllocation);  // not the UDP 5-tuple

    raw = request(stun::method::kChannelBind, [](stun::Builder& b) {
        b.add_u32(attr::kChannelNumber, 0x4001u << 16).add_xor_address(attr::kXorPeerAddress, kPeer);
    });
    REQUIRE(stun::Message::parse(raw)->cls() == stun::Class::Success);

    // Client -> peer: ChannelData from the stream leaves as a UDP datagram from the relayed address.
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
    CHECK(std::string(reinterpret_cast<const char*>(u->payload.data()), u->payload.size()) == "hello");

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
        REQUIRE(stream_in(test::Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(*bl.finish()))) ==
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
    alice.nonce.assign(reinterpret_cast<const char*>(stun::Message::parse(raw)->find(attr::kNonce)->value.data()), 32);
    REQUIRE(stun::Message::parse(request(stun::method::kAllocate, alloc))->cls() == stun::Class::Success);
    CHECK(fx.srv().allocations().active() == 2);
    CHECK(fx.srv().reset_streams() == 1);
    CHECK(fx.srv().allocations().active() == 1);
}

TEST_CASE("TURN: each worker owns a slice of the relay ports (software steering)", "[turn][steering]") {
    Fixture fx;
    fx.policy = std::make_unique<PeerPolicy>(fx.cfg, std::vector<Ipv4Addr>{kServer.v4}, std::vector<Ipv6Addr>{});
    // 100 ports over 3 workers: 33 each, the last one left over.
    TurnServer w1{fx.cfg, *fx.policy, 1, 3, *fx.counters, kStartUnix, as_bytes("test-nonce-secret", 17)};
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
