#include "common/wire/stun/stun_builder.hpp"
#include "dataplane/lcore/packet_path.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <memory>

using namespace tern;
using namespace tern::dp;
using namespace tern::wire;
using shm::Counter;

namespace {

const MacAddr kUs = test::mac("02:00:00:00:01:02");
const MacAddr kHost = test::mac("02:00:00:00:00:01");
const Ipv4Addr kUs4 = test::ip4("198.18.0.2");
const Ipv4Addr kHost4 = test::ip4("198.18.0.1");
const Ipv6Addr kUs6 = test::ip6("2001:2::2");
const Ipv6Addr kHost6 = test::ip6("2001:2::1");

struct Fixture {
    Fixture() {
        ifc.mac = kUs;
        ifc.ipv4 = Prefix<Ipv4Addr>{kUs4, 24};
        ifc.ipv6 = Prefix<Ipv6Addr>{kUs6, 64};
        ifc.link_local = Ipv6Addr::link_local_from_mac(kUs);
        services.software = "tern-test";
    }
    Interface ifc;
    ServicesConfig services;
    NeighborTable neighbors{64, 1000, 100};
    std::unique_ptr<shm::LcoreCounters> counters = std::make_unique<shm::LcoreCounters>();
    PacketPath path{ifc, services, neighbors, *counters};
    test::Bytes buf;

    Verdict run(const test::Bytes& frame, uint64_t now = 1) {
        buf = frame;
        const auto len = static_cast<uint32_t>(buf.size());
        buf.resize(2048);
        Frame f{buf.data(), len, static_cast<uint32_t>(buf.size())};
        const Verdict v = path.handle(f, now);
        buf.resize(f.len);
        return v;
    }
    uint64_t count(Counter c) const { return counters->v[static_cast<std::size_t>(c)].load(); }
};

test::Bytes stun_binding_request(std::array<uint8_t, 12> txid, bool with_fingerprint = true) {
    std::array<std::byte, 64> b{};
    stun::Builder builder{b, stun::message_type(stun::method::kBinding, stun::Class::Request),
                          txid};
    if (with_fingerprint) {
        builder.add_fingerprint();
    }
    const std::size_t n = *builder.finish();
    return {b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)};
}

}  // namespace

TEST_CASE("Dispatch: each datagram to its service", "[dataplane][dispatch]") {
    ServicesConfig services;  // STUN 3478, media 20000
    TurnConfig turn_cfg;
    turn_cfg.relay_port_min = 50000;
    turn_cfg.relay_port_max = 50099;
    auto counters = std::make_unique<shm::LcoreCounters>();
    const PeerPolicy policy{turn_cfg, {kUs4}, {}};
    TurnServer turn{turn_cfg, policy, 0, 2, *counters, 0, as_bytes("nonce-secret", 12)};
    Dispatch d;
    d.set_plan(0, PortPlan{services, &turn_cfg, 2});
    const auto binding = stun_binding_request({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    const test::Bytes channel_data = test::hex("4001 0004 61626364");
    CHECK(d.route(3478, binding).service ==
          Service::StunBinding);  // no TURN: everything on 3478 too
    CHECK(d.route(3478, channel_data).service == Service::StunBinding);
    d.set_services(&turn, nullptr);
    CHECK(d.route(3478, binding).service == Service::StunBinding);
    const Route cd = d.route(3478, channel_data);
    CHECK(cd.service == Service::TurnClient);
    CHECK(cd.relayed);
    std::array<std::byte, 64> b{};
    stun::Builder allocate{b,
                           stun::message_type(stun::method::kAllocate, stun::Class::Request),
                           {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}};
    const std::size_t n = *allocate.finish();
    const Route alloc = d.route(3478, ByteSpan{b}.first(n));
    CHECK(alloc.service == Service::TurnClient);
    CHECK_FALSE(alloc.relayed);  // requests are read (and their checksum verified)
    const Route peer = d.route(50049, test::bytes_of("data"));
    CHECK(peer.service == Service::TurnPeer);
    CHECK(peer.relayed);
    const Route other = d.route(50050, test::bytes_of("data"));  // worker 1's relay slice
    CHECK(other.service == Service::Handoff);
    CHECK(other.owner == 1);
    CHECK(d.route(20001, test::bytes_of("rtp")).owner == 1);  // worker 1's media port
    CHECK(d.route(20000, test::bytes_of("rtp")).service ==
          Service::Kernel);  // ours, but no SFU here
    CHECK(d.route(5060, test::bytes_of("SIP")).service == Service::Kernel);
    CHECK(d.route(3478, ByteSpan{}).service ==
          Service::StunBinding);  // empty: the STUN service drops it
}

TEST_CASE("PacketPath: STUN Binding over IPv4 returns the XOR-MAPPED-ADDRESS",
          "[dataplane][stun]") {
    Fixture fx;
    const std::array<uint8_t, 12> txid{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2};
    REQUIRE(fx.run(test::udp4_frame(kUs, kHost, kHost4, kUs4, 40000, 3478,
                                    stun_binding_request(txid))) == Verdict::Transmit);
    auto e = parse_ethernet(fx.buf);
    REQUIRE(e);
    CHECK(e->dst == kHost);
    auto ip = parse_ipv4(e->payload);
    REQUIRE(ip);
    CHECK(ip->dst == kHost4);
    auto u = parse_udp(ip->payload);
    REQUIRE(u);
    CHECK(udp_checksum_ok_v4(*u, ip->src, ip->dst));
    CHECK(u->checksum != 0);
    CHECK(u->src_port == 3478);
    CHECK(u->dst_port == 40000);
    auto m = stun::Message::parse(u->payload);
    REQUIRE(m);
    CHECK(m->cls() == stun::Class::Success);
    CHECK(m->transaction_id() == txid);
    CHECK(m->has_fingerprint());
    auto x = m->find(stun::attr::kXorMappedAddress);
    REQUIRE(x);
    CHECK(m->xor_address(*x) == Endpoint::from_v4(kHost4, 40000));
    auto sw = m->find(stun::attr::kSoftware);
    REQUIRE(sw);
    CHECK(std::string(reinterpret_cast<const char*>(sw->value.data()), sw->value.size()) ==
          "tern-test");
    CHECK(fx.count(Counter::StunBindingAnswered) == 1);
}

TEST_CASE("PacketPath: STUN Binding over IPv6", "[dataplane][stun]") {
    Fixture fx;
    const std::array<uint8_t, 12> txid{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    REQUIRE(fx.run(test::udp6_frame(kUs, kHost, kHost6, kUs6, 5555, 3478,
                                    stun_binding_request(txid, false))) == Verdict::Transmit);
    auto e = parse_ethernet(fx.buf);
    auto ip = parse_ipv6(e->payload);
    REQUIRE(ip);
    CHECK(ip->src == kUs6);
    auto u = parse_udp(ip->payload);
    REQUIRE(u);
    CHECK(udp_checksum_ok_v6(*u, ip->src, ip->dst));
    auto m = stun::Message::parse(u->payload);
    REQUIRE(m);
    CHECK(m->xor_address(*m->find(stun::attr::kXorMappedAddress)) ==
          Endpoint::from_v6(kHost6, 5555));
}

TEST_CASE("PacketPath: STUN errors, classic requests, junk", "[dataplane][stun]") {
    Fixture fx;
    // An unknown comprehension-required attribute gets 420 with UNKNOWN-ATTRIBUTES.
    std::array<std::byte, 64> b{};
    stun::Builder builder{b,
                          stun::message_type(stun::method::kBinding, stun::Class::Request),
                          {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}};
    builder.add_u32(0x0042, 7);
    test::Bytes req(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(*builder.finish()));
    REQUIRE(fx.run(test::udp4_frame(kUs, kHost, kHost4, kUs4, 1000, 3478, req)) ==
            Verdict::Transmit);
    auto u = parse_udp(parse_ipv4(parse_ethernet(fx.buf)->payload)->payload);
    auto m = stun::Message::parse(u->payload);
    REQUIRE(m);
    CHECK(m->cls() == stun::Class::Error);
    CHECK(stun::Message::error_code(*m->find(stun::attr::kErrorCode))->code == 420);
    auto ua = m->find(stun::attr::kUnknownAttributes);
    REQUIRE(ua);
    CHECK(load_u16be(ua->value.data()) == 0x0042);

    // RFC 3489 request: MAPPED-ADDRESS, transaction id echoed in full.
    const auto classic = test::hex("00010000 0102030405060708090a0b0c0d0e0f10");
    REQUIRE(fx.run(test::udp4_frame(kUs, kHost, kHost4, kUs4, 1001, 3478, classic)) ==
            Verdict::Transmit);
    u = parse_udp(parse_ipv4(parse_ethernet(fx.buf)->payload)->payload);
    auto cm = stun::Message::parse(u->payload, {.allow_classic = true});
    REQUIRE(cm);
    CHECK(cm->cookie_word() == 0x01020304);
    CHECK(stun::Message::plain_address(*cm->find(stun::attr::kMappedAddress)) ==
          Endpoint::from_v4(kHost4, 1001));

    // Garbage to the STUN port is a counted drop; a response is not answered.
    CHECK(fx.run(test::udp4_frame(kUs, kHost, kHost4, kUs4, 1002, 3478, test::bytes_of("junk"))) ==
          Verdict::Drop);
    CHECK(fx.count(Counter::DropStunMalformed) == 1);
    std::array<std::byte, 64> r{};
    stun::Builder resp{r, stun::message_type(stun::method::kBinding, stun::Class::Success), {}};
    test::Bytes rb(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(*resp.finish()));
    CHECK(fx.run(test::udp4_frame(kUs, kHost, kHost4, kUs4, 1003, 3478, rb)) == Verdict::Drop);
    CHECK(fx.count(Counter::DropStunNotRequest) == 1);

    // A bad UDP checksum never reaches the service.
    auto bad = test::udp4_frame(kUs, kHost, kHost4, kUs4, 1004, 3478, classic);
    bad.back() ^= std::byte{1};
    CHECK(fx.run(bad) == Verdict::Drop);
    CHECK(fx.count(Counter::DropUdpChecksum) == 1);
}

TEST_CASE("PacketPath: other UDP and TCP go to the kernel", "[dataplane]") {
    Fixture fx;
    CHECK(fx.run(test::udp4_frame(kUs, kHost, kHost4, kUs4, 1000, 5060, test::bytes_of("SIP"))) ==
          Verdict::ToKernel);
}

TEST_CASE("PacketPath: with several workers, UDP to another worker's media port is handed over",
          "[dataplane][steering]") {
    Fixture fx;
    fx.services.media_port = 20000;
    fx.path.set_owner(0, 3);
    const auto to = [&](uint16_t port) {
        return test::udp4_frame(kUs, kHost, kHost4, kUs4, 5000, port,
                                test::bytes_of("\x80\x60rtp"));
    };
    const auto frame = to(20001);
    REQUIRE(fx.run(frame) == Verdict::Handoff);
    CHECK(fx.path.handoff_target() == 1);
    CHECK(fx.buf == frame);  // unchanged, for the owner to handle
    REQUIRE(fx.run(to(20002)) == Verdict::Handoff);
    CHECK(fx.path.handoff_target() == 2);
    CHECK(fx.run(to(20003)) == Verdict::ToKernel);  // past the workers' media ports
    CHECK(fx.run(to(20000)) == Verdict::ToKernel);  // its own (no SFU in this stack)
    // Worker 1 keeps its own port and hands worker 0's over.
    fx.path.set_owner(1, 3);
    CHECK(fx.run(to(20001)) == Verdict::ToKernel);
    REQUIRE(fx.run(to(20000)) == Verdict::Handoff);
    CHECK(fx.path.handoff_target() == 0);
    // One worker: nothing to steer.
    fx.path.set_owner(0, 1);
    CHECK(fx.run(to(20001)) == Verdict::ToKernel);
}

TEST_CASE("PacketPath: transports' own ports are steered by slice", "[dataplane][steering]") {
    Fixture fx;
    fx.services.media_port = 20000;
    fx.services.transport_port_min = 30000;
    fx.services.transport_port_max = 30099;  // two workers: 30000-30049, 30050-30099
    fx.path.set_owner(0, 2);
    const auto to = [&](uint16_t port) {
        return test::udp4_frame(kUs, kHost, kHost4, kUs4, 5000, port,
                                test::bytes_of("\x80\x60rtp"));
    };
    REQUIRE(fx.run(to(30050)) == Verdict::Handoff);
    CHECK(fx.path.handoff_target() == 1);
    REQUIRE(fx.run(to(30099)) == Verdict::Handoff);
    CHECK(fx.path.handoff_target() == 1);
    CHECK(fx.run(to(30049)) == Verdict::ToKernel);  // its own slice (no SFU in this stack)
}
