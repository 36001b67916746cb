#include "common/wire/stun/stun_builder.hpp"
#include "dataplane/sfu/ice_lite.hpp"
#include "support/packets.hpp"
#include "support/webrtc_client.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>

using namespace tern;
using namespace tern::sfu;
namespace stun = tern::wire::stun;

namespace {

wire::Endpoint at(const char* ip, uint16_t port) {
    return wire::Endpoint::from_v4(test::ip4(ip), port);
}

IcePath path_from(const wire::Endpoint& remote, uint64_t checked_us) {
    return IcePath{remote, at("198.18.0.2", 20000), test::mac("02:00:00:00:00:01"), checked_us};
}

}  // namespace

TEST_CASE("ICE-lite: a ufrag is kept inline, up to 64 characters", "[sfu][ice]") {
    Ufrag u;
    CHECK(u.assign("abcd"));
    CHECK(u.view() == "abcd");
    CHECK(u.assign(std::string(64, 'x')));
    CHECK_FALSE(u.assign(std::string(65, 'x')));
    CHECK(u.empty());
}

TEST_CASE("ICE-lite: valid paths, the oldest unselected one evicted when full", "[sfu][ice]") {
    IcePaths paths;
    const wire::Endpoint a = at("198.18.0.10", 1), b = at("198.18.0.10", 2),
                         c = at("198.18.0.10", 3), d = at("198.18.0.10", 4),
                         e = at("198.18.0.10", 5);
    CHECK(paths.note(path_from(a, 10), nullptr).added);
    CHECK(paths.note(path_from(b, 20), &a).added);
    CHECK(paths.note(path_from(c, 30), &a).added);
    CHECK(paths.note(path_from(d, 40), &a).added);
    // Again from b: refreshed, not added.
    const IcePaths::Noted again = paths.note(path_from(b, 50), &a);
    CHECK_FALSE(again.added);
    REQUIRE(paths.find(b) != nullptr);
    CHECK(paths.find(b)->checked_us == 50);
    // Full: a is the oldest but selected, so c (30) goes.
    const IcePaths::Noted full = paths.note(path_from(e, 60), &a);
    CHECK(full.added);
    REQUIRE(full.evicted);
    CHECK(full.evicted_remote == c);
    CHECK(paths.find(c) == nullptr);
    CHECK(paths.find(a) != nullptr);
    CHECK(paths.find(e) != nullptr);
    CHECK(paths.size() == IcePaths::kMax);
}

TEST_CASE("ICE-lite: a check parsed, answered with success or 401", "[sfu][ice]") {
    test::WebRtcClient peer{at("198.18.0.10", 5000), test::mac("02:00:00:00:00:10"), "ufragA", 1};
    const test::Bytes req = peer.ice_check(3, true);
    stun::Message m;
    IceCheck check;
    REQUIRE(parse_check(req, m, check) == IceVerdict::Check);
    CHECK(check.local_ufrag == "ufragA");
    CHECK(check.use_candidate);
    const test::Bytes plain = peer.ice_check(4, false);
    REQUIRE(parse_check(plain, m, check) == IceVerdict::Check);
    CHECK_FALSE(check.use_candidate);

    const crypto::HmacSha1Key pwd{as_bytes(peer.pwd.data(), peer.pwd.size())};
    REQUIRE(m.check_integrity(pwd));
    std::array<std::byte, 512> out{};
    const std::size_t n = write_success(m, peer.at, pwd, out);
    REQUIRE(n > 0);
    auto r = stun::Message::parse(ByteSpan{out}.first(n));
    REQUIRE(r);
    CHECK(r->cls() == stun::Class::Success);
    CHECK(r->transaction_id() == m.transaction_id());
    CHECK(r->xor_address(*r->find(stun::attr::kXorMappedAddress)) == peer.at);
    CHECK(r->check_integrity(pwd));

    const std::size_t e = write_unauthorized(m, out);
    REQUIRE(e > 0);
    auto u = stun::Message::parse(ByteSpan{out}.first(e));
    REQUIRE(u);
    CHECK(u->cls() == stun::Class::Error);
    CHECK(stun::Message::error_code(*u->find(stun::attr::kErrorCode))->code == 401);
}

TEST_CASE("ICE-lite: indications consumed, anything else rejected", "[sfu][ice]") {
    std::array<std::byte, 128> b{};
    stun::TransactionId id{};
    stun::Builder ind{b, stun::message_type(stun::method::kBinding, stun::Class::Indication), id};
    const std::size_t n = *ind.add_fingerprint().finish();
    stun::Message m;
    IceCheck check;
    CHECK(parse_check(ByteSpan{b}.first(n), m, check) == IceVerdict::Indication);
    // A request without USERNAME or MESSAGE-INTEGRITY, and one whose USERNAME has no colon.
    stun::Builder bare{b, stun::message_type(stun::method::kBinding, stun::Class::Request), id};
    CHECK(parse_check(ByteSpan{b}.first(*bare.finish()), m, check) == IceVerdict::Reject);
    stun::Builder nocolon{b, stun::message_type(stun::method::kBinding, stun::Class::Request), id};
    nocolon.add_string(stun::attr::kUsername, "justone")
        .add_message_integrity(crypto::HmacSha1Key{as_bytes("pw", 2)});
    CHECK(parse_check(ByteSpan{b}.first(*nocolon.finish()), m, check) == IceVerdict::Reject);
    CHECK(parse_check(test::hex("00"), m, check) == IceVerdict::Reject);
}
