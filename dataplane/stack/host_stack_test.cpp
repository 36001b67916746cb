#include "dataplane/stack/host_stack.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

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
    }
    Interface ifc;
    NeighborTable neighbors{64, 1000, 100};
    std::unique_ptr<shm::LcoreCounters> counters = std::make_unique<shm::LcoreCounters>();
    HostStack stack{ifc, neighbors, *counters};
    test::Bytes buf;
    Datagram d;

    Verdict run(const test::Bytes& frame, uint64_t now = 1) {
        buf = frame;
        const auto len = static_cast<uint32_t>(buf.size());
        buf.resize(2048);
        Frame f{buf.data(), len, static_cast<uint32_t>(buf.size())};
        const Verdict v = stack.handle(f, now, d);
        buf.resize(f.len);
        return v;
    }
    uint64_t count(Counter c) const { return counters->v[static_cast<std::size_t>(c)].load(); }
};

}  // namespace

TEST_CASE("HostStack: UDP for us is delivered, its checksum checked on demand",
          "[dataplane][udp]") {
    Fixture fx;
    const auto frame =
        test::udp4_frame(kUs, kHost, kHost4, kUs4, 40000, 5060, test::bytes_of("SIP"));
    REQUIRE(fx.run(frame) == Verdict::Deliver);
    CHECK(fx.d.local == Endpoint::from_v4(kUs4, 5060));
    CHECK(fx.d.peer == Endpoint::from_v4(kHost4, 40000));
    CHECK(fx.d.peer_mac == kHost);
    CHECK(fx.d.l2_len == 14);
    CHECK(fx.d.payload.size() == 3);
    CHECK(HostStack::checksum_ok(fx.d));
    // The payload's sum, derived from the checksum, is what reading it would give.
    CHECK(checksum_finish(HostStack::payload_sum(fx.d)) ==
          checksum_finish(checksum_add(ByteSpan{fx.d.payload})));
    auto bad = frame;
    bad.back() ^= std::byte{1};
    REQUIRE(fx.run(bad) == Verdict::Deliver);
    CHECK_FALSE(HostStack::checksum_ok(fx.d));
    const auto v6 = test::udp6_frame(kUs, kHost, kHost6, kUs6, 5555, 3478, test::bytes_of("abcd"));
    REQUIRE(fx.run(v6) == Verdict::Deliver);
    CHECK(fx.d.local == Endpoint::from_v6(kUs6, 3478));
    CHECK(HostStack::checksum_ok(fx.d));
    auto short_udp = frame;
    store_u16be(short_udp.data() + 14 + 20 + 4, 4);  // a UDP length below its header
    CHECK(fx.run(short_udp) == Verdict::Drop);
    CHECK(fx.count(Counter::DropUdpHeader) == 1);
}

TEST_CASE("HostStack: answers ARP for its address and learns the sender", "[dataplane][arp]") {
    Fixture fx;
    REQUIRE(fx.run(test::arp_frame(kArpRequest, kHost, kHost4, MacAddr{}, kUs4)) ==
            Verdict::Transmit);
    auto e = parse_ethernet(fx.buf);
    REQUIRE(e);
    CHECK(e->dst == kHost);
    CHECK(e->src == kUs);
    auto a = parse_arp(e->payload);
    REQUIRE(a);
    CHECK(a->op == kArpReply);
    CHECK(a->sha == kUs);
    CHECK(a->spa == kUs4);
    CHECK(a->tpa == kHost4);
    CHECK(fx.count(Counter::ArpRequestsAnswered) == 1);
    auto* n = fx.neighbors.find(NeighborTable::key(kHost4));
    REQUIRE(n);
    CHECK(n->mac == kHost);
}

TEST_CASE("HostStack: ARP for other hosts is dropped, replies go to the kernel",
          "[dataplane][arp]") {
    Fixture fx;
    CHECK(fx.run(test::arp_frame(kArpRequest, kHost, kHost4, MacAddr{}, test::ip4("198.18.0.9"))) ==
          Verdict::Drop);
    CHECK(fx.count(Counter::DropNotLocal) == 1);
    CHECK(fx.run(test::arp_frame(kArpReply, kHost, kHost4, kUs, kUs4)) == Verdict::ToKernel);
    CHECK(fx.count(Counter::ArpRepliesLearned) == 1);
    auto bad = test::arp_frame(kArpRequest, kHost, kHost4, MacAddr{}, kUs4);
    bad.resize(30);
    CHECK(fx.run(bad) == Verdict::Drop);
    CHECK(fx.count(Counter::DropArp) == 1);
}

TEST_CASE("HostStack: ICMP echo is answered in place", "[dataplane][icmp]") {
    Fixture fx;
    auto req = test::icmp4_echo_frame(kUs, kHost, kHost4, kUs4, 77, 3, 56);
    REQUIRE(fx.run(req) == Verdict::Transmit);
    auto e = parse_ethernet(fx.buf);
    REQUIRE(e);
    CHECK(e->dst == kHost);
    auto ip = parse_ipv4(e->payload);  // header checksum verified here
    REQUIRE(ip);
    CHECK(ip->src == kUs4);
    CHECK(ip->dst == kHost4);
    auto icmp = parse_icmp4(ip->payload);
    REQUIRE(icmp);
    CHECK(icmp->type == kIcmpEchoReply);
    CHECK(icmp->id == 77);
    CHECK(icmp->seq == 3);
    CHECK(icmp->data.size() == 56);
    CHECK(fx.count(Counter::Icmp4EchoAnswered) == 1);
}

TEST_CASE("HostStack: broken and foreign IPv4 is counted by reason", "[dataplane][ipv4]") {
    Fixture fx;
    auto good = test::icmp4_echo_frame(kUs, kHost, kHost4, kUs4, 1, 1, 8);

    auto bad_sum = good;
    bad_sum[14 + 8] = std::byte{1};
    CHECK(fx.run(bad_sum) == Verdict::Drop);
    CHECK(fx.count(Counter::DropIpv4Checksum) == 1);

    auto frag = good;
    store_u16be(frag.data() + 14 + 6, 0x2000);
    store_u16be(frag.data() + 14 + 10, 0);
    store_u16be(frag.data() + 14 + 10,
                checksum_finish(checksum_add(ByteSpan{frag}.subspan(14, 20))));
    CHECK(fx.run(frag) == Verdict::Drop);
    CHECK(fx.count(Counter::DropIpv4Fragment) == 1);

    auto trunc = good;
    trunc.resize(14 + 10);
    CHECK(fx.run(trunc) == Verdict::Drop);
    CHECK(fx.count(Counter::DropIpv4Header) == 1);

    auto icmp_sum = good;
    icmp_sum.back() ^= std::byte{0xff};
    CHECK(fx.run(icmp_sum) == Verdict::Drop);
    CHECK(fx.count(Counter::DropIcmp) == 1);

    CHECK(fx.run(test::icmp4_echo_frame(kUs, kHost, kHost4, test::ip4("198.18.0.7"), 1, 1, 8)) ==
          Verdict::Drop);
    CHECK(fx.run(test::icmp4_echo_frame(test::mac("02:00:00:00:09:09"), kHost, kHost4, kUs4, 1, 1,
                                        8)) == Verdict::Drop);
    CHECK(fx.count(Counter::DropNotLocal) == 2);

    CHECK(fx.run(test::hex("020000000102 020000000001")) == Verdict::Drop);
    CHECK(fx.count(Counter::DropEthernet) == 1);
}

TEST_CASE("HostStack: neighbor solicitation for our address gets an advertisement",
          "[dataplane][nd]") {
    Fixture fx;
    const Ipv6Addr group = kUs6.solicited_node();
    auto ns = test::icmp6_frame(group.multicast_mac(), kHost, kHost6, group, 255,
                                test::hex("8700 0000 00000000 20010002000000000000000000000002"
                                          "0101 020000000001"));
    REQUIRE(fx.run(ns) == Verdict::Transmit);
    auto e = parse_ethernet(fx.buf);
    REQUIRE(e);
    CHECK(e->dst == kHost);
    auto ip = parse_ipv6(e->payload);
    REQUIRE(ip);
    CHECK(ip->src == kUs6);
    CHECK(ip->dst == kHost6);
    CHECK(ip->hop_limit == 255);
    auto icmp = parse_icmp6(ip->payload, ip->src, ip->dst);
    REQUIRE(icmp);
    auto na = parse_neighbor_message(*icmp, ip->src, ip->dst, ip->hop_limit);
    REQUIRE(na);
    CHECK(na->target == kUs6);
    CHECK(*na->link_addr == kUs);
    CHECK((na->flags & kNaFlagSolicited) != 0);
    CHECK(fx.neighbors.find(kHost6) != nullptr);
    CHECK(fx.count(Counter::NdSolicitationsAnswered) == 1);

    // ... and for the link-local address too.
    const Ipv6Addr ll = fx.ifc.link_local;
    std::array<std::byte, 16> llb;
    std::memcpy(llb.data(), ll.b.data(), 16);
    test::Bytes body = test::hex("8700 0000 00000000");
    body.insert(body.end(), llb.begin(), llb.end());
    auto ns_ll = test::icmp6_frame(ll.solicited_node().multicast_mac(), kHost, test::ip6("fe80::1"),
                                   ll.solicited_node(), 255, body);
    CHECK(fx.run(ns_ll) == Verdict::Transmit);
}

TEST_CASE("HostStack: ICMPv6 echo to our addresses", "[dataplane][icmp6]") {
    Fixture fx;
    auto req =
        test::icmp6_frame(kUs, kHost, kHost6, kUs6, 64, test::hex("8000 0000 0001 0002 aabbccdd"));
    REQUIRE(fx.run(req) == Verdict::Transmit);
    auto e = parse_ethernet(fx.buf);
    auto ip = parse_ipv6(e->payload);
    REQUIRE(ip);
    CHECK(ip->src == kUs6);
    CHECK(ip->dst == kHost6);
    auto icmp = parse_icmp6(ip->payload, ip->src, ip->dst);
    REQUIRE(icmp);
    CHECK(icmp->type == kIcmp6EchoReply);
    CHECK(fx.count(Counter::Icmp6EchoAnswered) == 1);

    auto other = test::icmp6_frame(kUs, kHost, kHost6, test::ip6("2001:2::99"), 64,
                                   test::hex("8000 0000 0001 0002"));
    CHECK(fx.run(other) == Verdict::Drop);
    auto mld = test::icmp6_frame(test::mac("33:33:00:00:00:16"), kHost, kHost6,
                                 test::ip6("ff02::16"), 1, test::hex("8f00 0000 0000 0000"));
    CHECK(fx.run(mld) == Verdict::ToKernel);
}

TEST_CASE("HostStack: builds ARP requests and solicitations for resolution", "[dataplane]") {
    Fixture fx;
    std::array<std::byte, 128> out{};
    const std::size_t n = fx.stack.write_arp_request(out, kHost4);
    REQUIRE(n == 42);
    auto a = parse_arp(parse_ethernet(ByteSpan{out}.first(n))->payload);
    REQUIRE(a);
    CHECK(a->op == kArpRequest);
    CHECK(a->tpa == kHost4);
    const std::size_t m = fx.stack.write_neighbor_solicitation(out, kHost6);
    REQUIRE(m == 86);
    auto e = parse_ethernet(ByteSpan{out}.first(m));
    auto ip = parse_ipv6(e->payload);
    REQUIRE(ip);
    auto icmp = parse_icmp6(ip->payload, ip->src, ip->dst);
    REQUIRE(icmp);
    auto ns = parse_neighbor_message(*icmp, ip->src, ip->dst, ip->hop_limit);
    REQUIRE(ns);
    CHECK(ns->target == kHost6);
}

TEST_CASE("NeighborTable: resolve, retry pacing, expiry and eviction", "[dataplane][neighbor]") {
    NeighborTable t{16, 1000, 100};
    const auto k = NeighborTable::key(kHost4);
    bool solicit = false;
    CHECK_FALSE(t.resolve(k, 10, solicit));
    CHECK(solicit);
    CHECK_FALSE(t.resolve(k, 50, solicit));
    CHECK_FALSE(solicit);  // within the retry interval
    CHECK_FALSE(t.resolve(k, 111, solicit));
    CHECK(solicit);
    t.learn(k, kHost, 200);
    auto mac = t.resolve(k, 300, solicit);
    REQUIRE(mac);
    CHECK(*mac == kHost);
    CHECK_FALSE(t.resolve(k, 1300, solicit));  // expired
    CHECK(solicit);
    for (uint32_t i = 0; i < 1000; ++i) {  // many more than capacity: never refuses
        t.learn(NeighborTable::key(Ipv4Addr{0x0a000000 + i}), kHost, 2000);
    }
    CHECK(t.size(2000) <= 32);
    CHECK(t.find(NeighborTable::key(Ipv4Addr{0x0a000000 + 999})) != nullptr);
}
