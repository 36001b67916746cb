// RTCP: compound walking, report blocks, NACK/PLI/FIR/REMB feedback, the writers (each read back
// by the parser and checked against hand-assembled RFC layouts), and malformed compounds.
#include "common/wire/rtcp.hpp"
#include "common/wire/twcc.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <vector>

using namespace tern;
using namespace tern::wire;
using namespace tern::wire::rtcp;

namespace {

std::vector<Packet> walk(ByteSpan c) {
    std::vector<Packet> out;
    Error why{};
    REQUIRE(for_each(
        c, [&](const Packet& p) { out.push_back(p); }, why));
    return out;
}

}  // namespace

TEST_CASE("RTCP: a browser's compound SR + SDES", "[wire][rtcp]") {
    // SR from SSRC 0x11223344 with one report block, then SDES with a CNAME (RFC 3550 §6.4.1,
    // §6.5).
    const auto c = test::hex("81c8000c 11223344 e5c4a1b2 00000000 0001e240 00000064 00003e80"
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
    REQUIRE(for_each_nack(pkts[0], [&](uint32_t m, uint16_t s) {
        media = m;
        seqs.push_back(s);
    }));
    CHECK(media == 0xabcd);
    CHECK(seqs == std::vector<uint16_t>{100, 101, 105});
    // PLI and FIR.
    const auto kf =
        test::hex("81ce0002 00000001 0000abcd  84ce0004 00000001 00000000 0000beef 07000000");
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
    CHECK_FALSE(
        for_each(test::hex("81c9000100000001 81c9"), count, why));  // a good RR, then 2 bytes
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

// ---- transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1) -----------

TEST_CASE("transport-cc: a hand-assembled feedback packet, written and read",
          "[wire][rtcp][twcc]") {
    // Sequence numbers 256..260 against reference time 2 (128 ms): 256 at +1 ms (delta 4 ticks),
    // 257 lost, 258 63.75 ms later (255 ticks, still one byte), 259 1 ms earlier (-4: two bytes),
    // 260 75 ms later (300 ticks: two bytes). One two-bit status vector: 01 00 01 10 10 (00 00).
    const auto wire_bytes = test::hex("8fcd0006 11111111 22222222"
                                      "01000005 00000207"
                                      "d1a0 04ff fffc 012c");
    const std::vector<int64_t> arrivals{129'000, twcc::kNotReceived, 192'750, 191'750, 266'750};
    std::vector<std::byte> out(256);
    ByteWriter w{out};
    REQUIRE(twcc::write_feedback(w, 0x11111111, 0x22222222, 256, arrivals, 7) == 5);
    CHECK(test::Bytes(w.written().begin(), w.written().end()) == wire_bytes);

    const auto pkts = walk(wire_bytes);
    REQUIRE(pkts.size() == 1);
    twcc::Feedback fb;
    std::vector<int64_t> at(16);
    std::size_t n = 0;
    Error why{};
    REQUIRE(twcc::parse_feedback(pkts[0], fb, at, n, why));
    CHECK(fb.media_ssrc == 0x22222222);
    CHECK(fb.base_seq == 256);
    CHECK(fb.status_count == 5);
    CHECK(fb.reference_time == 2);
    CHECK(fb.feedback_count == 7);
    REQUIRE(n == 5);
    at.resize(n);
    CHECK(at == arrivals);
}

TEST_CASE("transport-cc: run-length and one-bit vector chunks, padding", "[wire][rtcp][twcc]") {
    // A run of 221 "not received" (the draft's run-length example, 0x00dd), then the draft's
    // one-bit vector example 0x9f1c: lost, 5 received, 3 lost, 3 received, 2 lost. Eight
    // one-byte deltas of 1 tick each; four bytes of padding with the P bit.
    const auto p = test::hex(
        "afcd0008 00000001 00000002"
        "fff000eb ffffff09"  // base 65520, 235 statuses; reference time -1 (sign-extended), count 9
        "00dd 9f1c"
        "01010101 01010101 00000004");
    const auto pkts = walk(p);
    REQUIRE(pkts.size() == 1);
    twcc::Feedback fb;
    std::vector<int64_t> at(300);
    std::size_t n = 0;
    Error why{};
    REQUIRE(twcc::parse_feedback(pkts[0], fb, at, n, why));
    CHECK(fb.base_seq == 65520);
    CHECK(fb.reference_time == -1);
    CHECK(fb.feedback_count == 9);
    REQUIRE(n == 235);
    for (std::size_t i = 0; i < 221; ++i) {
        CHECK(at[i] == twcc::kNotReceived);
    }
    const int64_t epoch = int64_t{fb.reference_time} * 64'000;
    const std::vector<bool> rx{false, true,  true, true, true, true,  false,
                               false, false, true, true, true, false, false};
    int64_t ticks = 0;
    for (std::size_t i = 0; i < rx.size(); ++i) {
        if (rx[i]) {
            ++ticks;
            CHECK(at[221 + i] == epoch + ticks * 250);
        } else {
            CHECK(at[221 + i] == twcc::kNotReceived);
        }
    }
}

TEST_CASE("transport-cc: what the writer makes reads back, gaps split packets",
          "[wire][rtcp][twcc]") {
    // 300 packets, every 7th lost, arrivals 0.9 ms apart with some reordering, one 70 ms gap.
    std::vector<int64_t> arrivals;
    int64_t t = 5'000'123;
    for (int i = 0; i < 300; ++i) {
        t += i == 150 ? 70'000 : 900;
        arrivals.push_back(i % 7 == 3 ? twcc::kNotReceived : (i % 11 == 5 ? t - 2'000 : t));
    }
    std::vector<std::byte> out(1200);
    ByteWriter w{out};
    REQUIRE(twcc::write_feedback(w, 1, 2, 1000, arrivals, 0) == 300);
    const auto pkts = walk(w.written());
    REQUIRE(pkts.size() == 1);
    twcc::Feedback fb;
    std::vector<int64_t> at(300);
    std::size_t n = 0;
    Error why{};
    REQUIRE(twcc::parse_feedback(pkts[0], fb, at, n, why));
    REQUIRE(n == 300);
    for (std::size_t i = 0; i < 300; ++i) {
        if (arrivals[i] == twcc::kNotReceived) {
            CHECK(at[i] == twcc::kNotReceived);
        } else {
            CHECK(std::abs(at[i] - arrivals[i]) <=
                  125);  // rounded to the 250 µs tick, never drifting
        }
    }
    // A gap longer than a two-byte delta ends the packet: the rest goes in the next.
    const std::vector<int64_t> gap{1'000, 2'000, 10'000'000, 10'001'000};
    ByteWriter w2{out};
    CHECK(twcc::write_feedback(w2, 1, 2, 7, gap, 0) == 2);
    // Too little room: fewer packets, still a valid feedback.
    std::vector<std::byte> small(40);
    ByteWriter w3{small};
    const std::size_t k = twcc::write_feedback(w3, 1, 2, 7, arrivals, 0);
    CHECK(k > 0);
    CHECK(k < 300);
    REQUIRE(walk(w3.written()).size() == 1);
    // Leading losses are reported as such; nothing received: nothing written.
    const std::vector<int64_t> lead{twcc::kNotReceived, twcc::kNotReceived, 64'000};
    ByteWriter w4{out};
    CHECK(twcc::write_feedback(w4, 1, 2, 7, lead, 0) == 3);
    const std::vector<int64_t> none{twcc::kNotReceived, twcc::kNotReceived};
    ByteWriter w5{out};
    CHECK(twcc::write_feedback(w5, 1, 2, 7, none, 0) == 0);
    CHECK(w5.size() == 0);
}

TEST_CASE("transport-cc: the 24-bit reference time wraps", "[wire][rtcp][twcc]") {
    // A first arrival from 2^23 reference ticks on (a clock ~6.2 days in) is written with the
    // wrapped reference, which reads back signed: the same times one period lower, deltas
    // unchanged.
    const int64_t top = (int64_t{1} << 23) * twcc::kReferenceTickUs;
    const std::vector<int64_t> arrivals{top + 128'000, top + 192'000, top + 2'000'000,
                                        top + 2'000'250};
    std::vector<std::byte> out(256);
    ByteWriter w{out};
    REQUIRE(twcc::write_feedback(w, 1, 2, 9, arrivals, 0) == 4);
    const auto pkts = walk(w.written());
    REQUIRE(pkts.size() == 1);
    twcc::Feedback fb;
    std::vector<int64_t> at(4);
    std::size_t n = 0;
    Error why{};
    REQUIRE(twcc::parse_feedback(pkts[0], fb, at, n, why));
    REQUIRE(n == 4);
    CHECK(fb.reference_time == (1 << 23) + 2 - (1 << 24));  // 0x800002 read as signed 24 bits
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(at[i] == arrivals[i] - twcc::kReferenceWrapUs);
    }
    // A reference below 2^23 ticks: unchanged, even for arrivals past it in the same packet.
    const std::vector<int64_t> low{top - 128'000, top + 2'000'000};
    ByteWriter w2{out};
    REQUIRE(twcc::write_feedback(w2, 1, 2, 9, low, 0) == 2);
    REQUIRE(twcc::parse_feedback(walk(w2.written())[0], fb, at, n, why));
    CHECK(at[0] == low[0]);
    CHECK(at[1] == low[1]);
}

TEST_CASE("transport-cc: extreme two-byte deltas, a vector cut by the count, numbers wrapping",
          "[wire][rtcp][twcc]") {
    // Sequence numbers 65534, 65535, 0 against reference time 16 (1.024 s). One two-bit vector
    // 11 10 01 10 00 00 00: a two-byte delta, a one-byte delta, a two-byte delta, then four
    // symbols past the status count (ignored). Deltas: -32768 ticks (-8.192 s, the most
    // negative), 255 ticks (the largest one-byte), 32767 ticks (the largest two-byte). One byte
    // of padding with the P bit.
    const auto p = test::hex("afcd0006 00000001 00000002"
                             "fffe0003 00001005"
                             "e600 8000 ff 7fff 01");
    const auto pkts = walk(p);
    REQUIRE(pkts.size() == 1);
    twcc::Feedback fb;
    std::vector<int64_t> at(8);
    std::size_t n = 0;
    Error why{};
    REQUIRE(twcc::parse_feedback(pkts[0], fb, at, n, why));
    CHECK(fb.base_seq == 65534);
    CHECK(fb.status_count == 3);
    CHECK(fb.reference_time == 16);
    CHECK(fb.feedback_count == 5);
    REQUIRE(n == 3);
    CHECK(at[0] == (4096 - 32768) * 250);  // before the reference time: negative
    CHECK(at[1] == (4096 - 32768 + 255) * 250);
    CHECK(at[2] == (4096 - 32768 + 255 + 32767) * 250);  // sequence number 0, after the wrap
    // Room for two: both stored, the third still checked.
    std::vector<int64_t> two(2);
    REQUIRE(twcc::parse_feedback(pkts[0], fb, two, n, why));
    CHECK(n == 2);
    CHECK(two[1] == at[1]);
    // The same packet cut after its first delta: the count asks for deltas that are not there.
    const auto cut = test::hex("8fcd0005 00000001 00000002"
                               "fffe0003 00001005"
                               "e600 8000");
    REQUIRE_FALSE(twcc::parse_feedback(walk(cut)[0], fb, at, n, why));
    CHECK(why == Error::Truncated);
}

TEST_CASE("transport-cc: malformed feedback is refused", "[wire][rtcp][twcc]") {
    twcc::Feedback fb;
    std::vector<int64_t> at(64);
    std::size_t n = 0;
    // The reason for a refusal, or nullopt when the packet parsed.
    auto refusal = [&](const char* hex) -> std::optional<Error> {
        const auto p = test::hex(hex);
        std::vector<Packet> pkts;
        Error why{};
        if (!for_each(
                p, [&](const Packet& pk) { pkts.push_back(pk); }, why) ||
            pkts.size() != 1) {
            FAIL("not one RTCP packet");
        }
        if (twcc::parse_feedback(pkts[0], fb, at, n, why)) {
            return std::nullopt;
        }
        return why;
    };
    // The good one first, so the failures below are the edits' doing.
    CHECK(refusal("8fcd0005 00000001 00000002 00010002 00000000 20020101") == std::nullopt);
    CHECK(refusal("8fcd0004 00000001 00000002 00010002 00000000") ==
          Error::Truncated);  // no chunks
    CHECK(refusal("8fcd0005 00000001 00000002 00010003 00000000 20020101") ==
          Error::Truncated);  // chunks cover 2 of 3
    CHECK(refusal("8fcd0005 00000001 00000002 00010005 00000000 20050101") ==
          Error::Truncated);  // 5 received, 2 deltas
    CHECK(refusal("8fcd0005 00000001 00000002 00010002 00000000 60020000") ==
          Error::Malformed);  // reserved run symbol 3
    CHECK(refusal("8fcd0005 00000001 00000002 00010002 00000000 f0000000") ==
          Error::Malformed);  // reserved symbol 3 first in a two-bit vector
    CHECK(refusal("8fcd0005 00000001 00000002 00010002 00000000 40020001") ==
          Error::Truncated);                                           // two-byte deltas cut short
    CHECK(refusal("8fcd0002 00000001 00000002") == Error::Truncated);  // header cut short
    CHECK(refusal("81cd0005 00000001 00000002 00010002 00000000 20020101") ==
          Error::Unsupported);  // a NACK, not transport-cc
    CHECK(refusal("8fce0005 00000001 00000002 00010002 00000000 20020101") ==
          Error::Unsupported);  // PSFB FMT 15 (REMB's type), not RTPFB
}
