// RTCP: compound walking, report blocks, NACK/PLI/FIR/REMB feedback, the writers (each read back
// by the parser and checked against hand-assembled RFC layouts), and malformed compounds.
#include "common/wire/rtcp.hpp"

#include "support/packets.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tern;
using namespace tern::wire;
using namespace tern::wire::rtcp;

namespace {

std::vector<Packet> walk(ByteSpan c) {
    std::vector<Packet> out;
    Error why{};
    REQUIRE(for_each(c, [&](const Packet& p) { out.push_back(p); }, why));
    return out;
}

}  // namespace

TEST_CASE("RTCP: a browser's compound SR + SDES", "[wire][rtcp]") {
    // SR from SSRC 0x11223344 with one report block, then SDES with a CNAME (RFC 3550 §6.4.1, §6.5).
    const auto c = test::hex(
        "81c8000c 11223344 e5c4a1b2 00000000 0001e240 00000064 00003e80"
        "aabbccdd 05000003 0000ffff 00000020 12345678 00001000"
        "81ca0003 11223344 01046162 63640000");
    const auto pkts = walk(c);
    REQUIRE(pkts.size() == 2);
    CHECK(pkts[0].type == kSr);
    CHECK(pkts[0].ssrc == 0x11223344);
    CHECK(pkts[1].type == kSdes);
    std::vector<ReportBlock> rbs;
    REQUIRE(for_each_report(pkts[0], [&](const ReportBlock& b) { rbs.push_back(b); }));
    REQUIRE(rbs.size() == 1);
    CHECK(rbs[0].ssrc == 0xaabbccdd);
    CHECK(rbs[0].fraction_lost == 5);
    CHECK(rbs[0].cumulative_lost == 3);
    CHECK(rbs[0].highest_seq == 0xffff);
    CHECK(rbs[0].jitter == 0x20);
    CHECK(rbs[0].lsr == 0x12345678);
    CHECK(rbs[0].dlsr == 0x1000);
}

TEST_CASE("RTCP: generic NACK, PLI and FIR as RFC 4585 / RFC 5104 lay them out", "[wire][rtcp]") {
    // NACK: PID 100 with BLP bits 0 and 4 -> 100, 101, 105.
    const auto nack = test::hex("81cd0003 00000001 0000abcd 00640011");
    auto pkts = walk(nack);
    std::vector<uint16_t> seqs;
    uint32_t media = 0;
    REQUIRE(for_each_nack(pkts[0], [&](uint32_t m, uint16_t s) { media = m; seqs.push_back(s); }));
    CHECK(media == 0xabcd);
    CHECK(seqs == std::vector<uint16_t>{100, 101, 105});
    // PLI and FIR.
    const auto kf = test::hex("81ce0002 00000001 0000abcd  84ce0004 00000001 00000000 0000beef 07000000");
    pkts = walk(kf);
    std::vector<uint32_t> asked;
    REQUIRE(for_each_keyframe_request(pkts[0], [&](uint32_t s) { asked.push_back(s); }));
    REQUIRE(for_each_keyframe_request(pkts[1], [&](uint32_t s) { asked.push_back(s); }));
    CHECK(asked == std::vector<uint32_t>{0xabcd, 0xbeef});
    CHECK_FALSE(for_each_nack(pkts[0], [](uint32_t, uint16_t) {}));  // a PLI is not a NACK
}

TEST_CASE("RTCP: writers produce what the parsers read back", "[wire][rtcp]") {
    std::array<std::byte, 512> buf{};
    ByteWriter w{buf};
    const ReportBlock rb[2] = {{0x0a, 12, -5, 70000, 33, 0x11112222, 65536},
                               {0x0b, 0, 9000000, 1, 0, 0, 0}};  // loss clamped to 24 bits
    REQUIRE(write_rr(w, 0x1234, rb, 2));
    REQUIRE(write_sr(w, 0x1234, 0xe5c4a1b200000000ULL, 90000, 10, 12000, rb, 1));
    REQUIRE(write_pli(w, 0x1234, 0x0a));
    REQUIRE(write_fir(w, 0x1234, 0x0b, 3));
    const uint16_t lost[] = {65534, 65535, 0, 15, 16, 40};  // across the wrap; 16 needs a new pair
    REQUIRE(write_nack(w, 0x1234, 0x0a, lost, 6));
    const uint32_t targets[] = {0x0a, 0x0b};
    REQUIRE(write_remb(w, 0x1234, 1'500'000, targets, 2));
    const auto pkts = walk(ByteSpan{buf}.first(w.size()));
    REQUIRE(pkts.size() == 6);

    std::vector<ReportBlock> got;
    REQUIRE(for_each_report(pkts[0], [&](const ReportBlock& b) { got.push_back(b); }));
    REQUIRE(got.size() == 2);
    CHECK(got[0].cumulative_lost == -5);
    CHECK(got[0].highest_seq == 70000);
    CHECK(got[0].dlsr == 65536);
    CHECK(got[1].cumulative_lost == 0x7fffff);
    got.clear();
    REQUIRE(for_each_report(pkts[1], [&](const ReportBlock& b) { got.push_back(b); }));
    CHECK(got.size() == 1);
    CHECK(load_u32be(pkts[1].body.data() + 12) == 10);  // packet count

    std::vector<uint32_t> kf;
    REQUIRE(for_each_keyframe_request(pkts[2], [&](uint32_t s) { kf.push_back(s); }));
    REQUIRE(for_each_keyframe_request(pkts[3], [&](uint32_t s) { kf.push_back(s); }));
    CHECK(kf == std::vector<uint32_t>{0x0a, 0x0b});

    std::vector<uint16_t> seqs;
    REQUIRE(for_each_nack(pkts[4], [&](uint32_t, uint16_t s) { seqs.push_back(s); }));
    CHECK(seqs == std::vector<uint16_t>{65534, 65535, 0, 15, 16, 40});

    uint64_t bps = 0;
    uint32_t ssrcs[4];
    std::size_t n = 0;
    REQUIRE(parse_remb(pkts[5], bps, ssrcs, 4, n));
    CHECK(bps == 1'500'000);
    CHECK(n == 2);
    CHECK(ssrcs[1] == 0x0b);
}

TEST_CASE("RTCP: malformed compounds are refused, earlier packets kept", "[wire][rtcp]") {
    Error why{};
    int seen = 0;
    auto count = [&](const Packet&) { ++seen; };
    CHECK_FALSE(for_each(test::hex("41c80001 00000001"), count, why));  // version 1
    CHECK(why == Error::BadVersion);
    CHECK_FALSE(for_each(test::hex("81c80006 00000001"), count, why));  // length beyond the data
    CHECK(why == Error::BadLength);
    CHECK_FALSE(for_each(test::hex("a1c80001 00000009"), count, why));  // padding count 9 > packet
    CHECK(why == Error::Malformed);
    CHECK_FALSE(for_each(test::hex("81c9000100000001 81c9"), count, why));  // a good RR, then 2 bytes
    CHECK(why == Error::Truncated);
    CHECK(seen == 1);
    // Feedback bodies that do not fit their type.
    Packet p;
    p.type = kRtpfb;
    p.count = 1;
    const auto odd = test::hex("0000abcd 0064");
    p.body = odd;
    CHECK_FALSE(for_each_nack(p, [](uint32_t, uint16_t) {}));
    p.type = kPsfb;
    p.count = 4;
    CHECK_FALSE(for_each_keyframe_request(p, [](uint32_t) {}));
    p.count = 15;
    uint64_t bps = 0;
    std::size_t n = 0;
    CHECK_FALSE(parse_remb(p, bps, nullptr, 0, n));
    Packet rr;
    rr.type = kRr;
    rr.count = 3;  // three blocks announced, none present
    CHECK_FALSE(for_each_report(rr, [](const ReportBlock&) {}));
}
