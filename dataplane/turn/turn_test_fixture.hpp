// Test support for the TURN tests: a TurnServer with static and REST users, driven by the tests'
// TURN client (tests/support/turn_client.hpp) through the 401 dance to an allocation. Only tests
// include it.
#pragma once

#include "common/turn/credentials.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "dataplane/turn/turn_server.hpp"
#include "support/packets.hpp"
#include "support/turn_client.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tern::dp::turn_fixture {

using namespace tern::wire;
namespace attr = stun::attr;

const Endpoint kClient = Endpoint::from_v4(test::ip4("203.0.113.7"), 40000);
const Endpoint kServer = Endpoint::from_v4(test::ip4("198.18.0.2"), 3478);
const Endpoint kPeer = Endpoint::from_v4(test::ip4("198.18.0.50"), 5000);
const MacAddr kClientMac = test::mac("02:00:00:00:00:07");
constexpr uint64_t kStartUnix = 1'800'000'000;

/// alice and the other users of these tests; "user", "password" and the rest as the test sets them.
using Client = test::TurnClient;
using test::send_indication;

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
            policy = std::make_unique<PeerPolicy>(cfg, std::vector<Ipv4Addr>{kServer.v4},
                                                  std::vector<Ipv6Addr>{});
            server = std::make_unique<TurnServer>(cfg, *policy, 0, 1, *counters, kStartUnix,
                                                  as_bytes("test-nonce-secret", 17));
        }
        return *server;
    }
    uint64_t count(shm::Counter c) const { return counters->v[static_cast<std::size_t>(c)].load(); }

    /// Sends a request built by `fill`; signs it when the client has a nonce. Returns the
    /// parsed response (kept in `last`).
    test::Bytes last;
    stun::Message request(Client& c, uint16_t method,
                          const std::function<void(stun::Builder&)>& fill,
                          const Endpoint& from = kClient) {
        const test::Bytes req = c.request(method, fill);
        const auto act = srv().on_client(req, from, kServer, kClientMac, now);
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
        auto m = request(
            c, stun::method::kAllocate,
            [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); }, from);
        REQUIRE(error_of(m) == 401);
        REQUIRE(c.learn(m));
    }
    Endpoint allocate(Client& c, const Endpoint& from = kClient) {
        challenge(c, from);
        auto m = request(
            c, stun::method::kAllocate,
            [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); }, from);
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

}  // namespace tern::dp::turn_fixture
