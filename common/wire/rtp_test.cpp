// RTP header parsing (RFC 3550 §5.1, RFC 8285 extensions) and RTP/RTCP demultiplexing (RFC 5761,
// RFC 7983), with the RFC 7714 §16 and RFC 9335 example packets and malformed headers.
#include "common/wire/rtp.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

using namespace tern;
using namespace tern::wire;

TEST_CASE("RTP: the RFC 7714 example packet", "[wire][rtp]") {
    const auto p = test::hex("8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f");
    RtpView v;
    Error why{};
    REQUIRE(parse_rtp(p, v, why));
    CHECK_FALSE(v.padding);
    CHECK_FALSE(v.extension);
    CHECK(v.csrc_count == 0);
    CHECK_FALSE(v.marker);
    CHECK(v.payload_type == 0x40);
    CHECK(v.seq == 0xf17b);
    CHECK(v.timestamp == 0x8041f8d3);
    CHECK(v.ssrc == 0x5501a0b2);
    CHECK(v.header_len == 12);
    CHECK(v.payload.size() == 12);
    CHECK(looks_like_rtp_or_rtcp(p));
    CHECK_FALSE(looks_like_rtcp(p));
}

TEST_CASE("RTP: one-byte and two-byte header extensions, CSRCs (RFC 9335 examples)",
          "[wire][rtp]") {
    RtpView v;
    Error why{};
    const auto one = test::hex("900f1235 decafbad cafebabe bede0001 51000200 abababab");
    REQUIRE(parse_rtp(one, v, why));
    CHECK(v.extension);
    CHECK(v.ext_profile == kRtpExtOneByte);
    CHECK(v.ext_data.size() == 4);
    CHECK(v.header_len == 20);
    CHECK(v.payload.size() == 4);
    const auto two = test::hex("900f1236 decafbad cafebabe 10000001 05020002 abababab");
    REQUIRE(parse_rtp(two, v, why));
    CHECK(is_rtp_ext_two_byte(v.ext_profile));
    CHECK(v.header_len == 20);
    // Two CSRCs, marker set.
    const auto csrc = test::hex("82e01236 decafbad cafebabe 00000001 00000002 ff");
    REQUIRE(parse_rtp(csrc, v, why));
    CHECK(v.csrc_count == 2);
    CHECK(v.marker);
    CHECK(v.payload_type == 0x60);
    CHECK(v.header_len == 20);
    CHECK(v.payload.size() == 1);
}

TEST_CASE("RTP: finding header extension elements (RFC 8285)", "[wire][rtp]") {
    RtpView v;
    Error why{};
    ByteSpan e;
    // One-byte form: id 1 (audio level, 1 byte), padding, id 2 (3 bytes), padding.
    const auto one = test::hex("900f1235 decafbad cafebabe bede0002 10ff0022 01020300 abab");
    REQUIRE(parse_rtp(one, v, why));
    REQUIRE(find_rtp_extension(v, 1, e));
    CHECK(test::Bytes(e.begin(), e.end()) == test::hex("ff"));
    REQUIRE(find_rtp_extension(v, 2, e));
    CHECK(test::Bytes(e.begin(), e.end()) == test::hex("010203"));
    CHECK_FALSE(find_rtp_extension(v, 3, e));
    CHECK_FALSE(find_rtp_extension(v, 0, e));
    // Two-byte form: id 5 with two bytes, id 200 with none.
    const auto two = test::hex("900f1236 decafbad cafebabe 10000002 05020002 c8000000 ab");
    REQUIRE(parse_rtp(two, v, why));
    REQUIRE(find_rtp_extension(v, 5, e));
    CHECK(test::Bytes(e.begin(), e.end()) == test::hex("0002"));
    REQUIRE(find_rtp_extension(v, 200, e));
    CHECK(e.empty());
    // Malformed: an element running past the block, the reserved id 15, another profile.
    const auto over = test::hex("900f1237 decafbad cafebabe bede0001 1f010203 ab");
    REQUIRE(parse_rtp(over, v, why));
    CHECK_FALSE(find_rtp_extension(v, 1, e));
    const auto reserved = test::hex("900f1237 decafbad cafebabe bede0001 f0001000 ab");
    REQUIRE(parse_rtp(reserved, v, why));
    CHECK_FALSE(find_rtp_extension(v, 1, e));
    const auto other = test::hex("900f1237 decafbad cafebabe abcd0001 10ff0000 ab");
    REQUIRE(parse_rtp(other, v, why));
    CHECK_FALSE(find_rtp_extension(v, 1, e));
    const auto none = test::hex("800f1237 decafbad cafebabe ab");
    REQUIRE(parse_rtp(none, v, why));
    CHECK_FALSE(find_rtp_extension(v, 1, e));
}

TEST_CASE("RTP/RTCP: demultiplexing and the RTCP sender SSRC", "[wire][rtp]") {
    const auto sr = test::hex("81c8000c 4d617273 00000000 00000000 00000000 00000000 00000000"
                              "00000000 00000000 00000000 00000000 00000000 00000000");
    CHECK(looks_like_rtcp(sr));
    uint32_t ssrc = 0;
    Error why{};
    REQUIRE(parse_rtcp_ssrc(sr, ssrc, why));
    CHECK(ssrc == 0x4d617273);
    CHECK_FALSE(looks_like_rtp_or_rtcp(test::hex("16fefd")));  // DTLS
    CHECK_FALSE(looks_like_rtp_or_rtcp(test::hex("0001")));    // STUN
}

TEST_CASE("RTP: malformed headers are refused with a reason", "[wire][rtp]") {
    RtpView v;
    Error why{};
    CHECK_FALSE(parse_rtp(test::hex("8040f17b8041f8d35501a0"), v, why));  // 11 bytes
    CHECK(why == Error::Truncated);
    CHECK_FALSE(parse_rtp(test::hex("4040f17b8041f8d35501a0b2"), v, why));  // version 1
    CHECK(why == Error::BadVersion);
    CHECK_FALSE(
        parse_rtp(test::hex("8f40f17b8041f8d35501a0b2 00000001"), v, why));  // 15 CSRCs, 1 present
    CHECK(why == Error::Truncated);
    CHECK_FALSE(parse_rtp(test::hex("9040f17b8041f8d35501a0b2 bede0004 00000000"), v,
                          why));  // 4 words, 1 present
    CHECK(why == Error::Truncated);
    CHECK_FALSE(
        parse_rtp(test::hex("9040f17b8041f8d35501a0b2 bede"), v, why));  // extension header cut
    uint32_t ssrc = 0;
    CHECK_FALSE(
        parse_rtcp_ssrc(test::hex("81c8000c 4d617273"), ssrc, why));  // length says 52 bytes
    CHECK(why == Error::BadLength);
    CHECK_FALSE(parse_rtcp_ssrc(test::hex("41c80001 4d617273"), ssrc, why));
    CHECK(why == Error::BadVersion);
}

namespace {
/// remap_rtp_extensions on a copy of the extension block of `packet`; the block's bytes after.
test::Bytes remapped(const test::Bytes& packet, const RtpExtMap& map, std::size_t& kept) {
    test::Bytes p = packet;
    RtpView v;
    Error why{};
    REQUIRE(parse_rtp(p, v, why));
    const auto off = static_cast<std::size_t>(v.ext_data.data() - p.data());
    kept = remap_rtp_extensions(p.data() + off, v.ext_data.size(), v.ext_profile, map);
    return test::Bytes(p.begin() + static_cast<std::ptrdiff_t>(off),
                       p.begin() + static_cast<std::ptrdiff_t>(off + v.ext_data.size()));
}

test::Bytes forward_header(const test::Bytes& header, uint8_t id, uint32_t value,
                           std::size_t room = 64) {
    test::Bytes out(room);
    const std::size_t n =
        write_forward_header(out.data(), room, header.data(), header.size(), id, value);
    out.resize(n);
    return out;
}
}  // namespace

TEST_CASE("RTP: a sender's extension ids mapped to the receiver's, the rest turned into padding",
          "[wire][rtp]") {
    RtpExtMap map;
    REQUIRE(map.add(1, 3));
    REQUIRE(map.add(200, 9));
    REQUIRE(map.add(4, 20));  // beyond the one-byte form
    CHECK_FALSE(map.add(0, 1));
    std::size_t kept = 0;
    // One-byte: audio level (id 1) kept as id 3; id 2 (3 bytes) removed; the block keeps its size.
    CHECK(remapped(test::hex("900f1235 decafbad cafebabe bede0002 10ff0022 01020300 abab"), map,
                   kept) == test::hex("30ff0000 00000000"));
    CHECK(kept == 1);
    // Two-byte: id 5 removed, id 200 (empty) becomes 9.
    CHECK(remapped(test::hex("900f1236 decafbad cafebabe 10000002 05020002 c8000000 ab"), map,
                   kept) == test::hex("00000000 09000000"));
    CHECK(kept == 1);
    // A one-byte element mapped past id 14 cannot be written: removed.
    CHECK(remapped(test::hex("900f1236 decafbad cafebabe bede0001 40aa0000"), map, kept) ==
          test::hex("00000000"));
    CHECK(kept == 0);
    // Malformed: an element running past the block, the reserved id 15 (the rest is zeroed), and
    // another profile (all of it zeroed).
    CHECK(remapped(test::hex("900f1237 decafbad cafebabe bede0001 1f010203 ab"), map, kept) ==
          test::hex("00000000"));
    CHECK(remapped(test::hex("900f1237 decafbad cafebabe bede0001 10aaf0cc ab"), map, kept) ==
          test::hex("30aa0000"));
    CHECK(kept == 1);
    CHECK(remapped(test::hex("900f1237 decafbad cafebabe abcd0001 10ff0000 ab"), map, kept) ==
          test::hex("00000000"));
    CHECK(remapped(test::hex("900f1237 decafbad cafebabe 10000001 01050000"), map, kept) ==
          test::hex("00000000"));
}

TEST_CASE("RTP: abs-send-time appended to a forwarded header", "[wire][rtp]") {
    CHECK(ext::abs_send_time(1'500'000) == 0x060000);   // 1.5 s in 6.18 fixed point
    CHECK(ext::abs_send_time(64'250'000) == 0x010000);  // modulo 64 s
    CHECK(ext::abs_send_time(63'999'999) == 0xffffff);
    // No block: a one-byte block is added.
    CHECK(forward_header(test::hex("800f1237 decafbad cafebabe"), 2, 0x123456) ==
          test::hex("900f1237 decafbad cafebabe bede0001 22123456"));
    // CSRCs stay in front of it.
    CHECK(forward_header(test::hex("810f1237 decafbad cafebabe 11111111"), 2, 0x123456) ==
          test::hex("910f1237 decafbad cafebabe 11111111 bede0001 22123456"));
    // One-byte block: appended after its elements.
    CHECK(forward_header(test::hex("900f1237 decafbad cafebabe bede0001 30ff0000"), 2, 0xabcdef) ==
          test::hex("900f1237 decafbad cafebabe bede0002 30ff0000 22abcdef"));
    // Two-byte block: a two-byte element, padded.
    CHECK(forward_header(test::hex("900f1237 decafbad cafebabe 10000001 09000000"), 2, 0x123456) ==
          test::hex("900f1237 decafbad cafebabe 10000003 09000000 02031234 56000000"));
    // Another profile, or no id: copied as it is.
    CHECK(forward_header(test::hex("900f1237 decafbad cafebabe abcd0001 10ff0000"), 2, 1) ==
          test::hex("900f1237 decafbad cafebabe abcd0001 10ff0000"));
    CHECK(forward_header(test::hex("800f1237 decafbad cafebabe"), 0, 1) ==
          test::hex("800f1237 decafbad cafebabe"));
    // The result parses and carries the value.
    const auto out =
        forward_header(test::hex("900f1237 decafbad cafebabe bede0001 30ff0000"), 2, 0x010203);
    RtpView v;
    Error why{};
    REQUIRE(parse_rtp(out, v, why));
    ByteSpan e;
    REQUIRE(find_rtp_extension(v, 2, e));
    CHECK(test::Bytes(e.begin(), e.end()) == test::hex("010203"));
    REQUIRE(find_rtp_extension(v, 3, e));
    CHECK(test::Bytes(e.begin(), e.end()) == test::hex("ff"));
    // No room, or a length that is not the header's: nothing written.
    CHECK(forward_header(test::hex("800f1237 decafbad cafebabe"), 2, 1, 19).empty());
    CHECK(forward_header(test::hex("900f1237 decafbad cafebabe bede0002 30ff0000"), 2, 1).empty());
    CHECK(forward_header(test::hex("800f1237 decafbad cafebabe 00"), 2, 1).empty());
    CHECK(forward_header(test::hex("800f12"), 2, 1).empty());
}

TEST_CASE("RTP: a transport-wide sequence number appended with abs-send-time", "[wire][rtp]") {
    auto fwd = [](const char* header, uint8_t abs_id, uint8_t twcc_id, uint16_t seq) {
        const auto h = test::hex(header);
        test::Bytes out(64);
        const std::size_t n = write_forward_header(out.data(), out.size(), h.data(), h.size(),
                                                   abs_id, 0x123456, twcc_id, seq);
        out.resize(n);
        return out;
    };
    // No block: one-byte abs-send-time (id 2) then transport-cc (id 5, two bytes), padded.
    CHECK(fwd("800f1237 decafbad cafebabe", 2, 5, 0xabcd) ==
          test::hex("900f1237 decafbad cafebabe bede0002 22123456 51abcd00"));
    // After an element of the publisher's.
    CHECK(fwd("900f1237 decafbad cafebabe bede0001 30ff0000", 2, 5, 0x0102) ==
          test::hex("900f1237 decafbad cafebabe bede0003 30ff0000 22123456 51010200"));
    // Two-byte block: both elements in the two-byte form, the growth at its largest.
    const auto two = fwd("900f1237 decafbad cafebabe 10000001 09000000", 2, 5, 0xfffe);
    CHECK(two == test::hex("900f1237 decafbad cafebabe 10000004 09000000 02031234 560502ff "
                           "fe000000"));
    CHECK(two.size() == 20 + kForwardHeaderGrowth);
    // Transport-cc alone; an id past 14 in the one-byte form is left out.
    CHECK(fwd("800f1237 decafbad cafebabe", 0, 5, 7) ==
          test::hex("900f1237 decafbad cafebabe bede0001 51000700"));
    CHECK(fwd("800f1237 decafbad cafebabe", 2, 15, 7) ==
          test::hex("900f1237 decafbad cafebabe bede0001 22123456"));
    // Parsed back: both found.
    RtpView v;
    Error why{};
    const auto out = fwd("900f1237 decafbad cafebabe bede0001 30ff0000", 2, 5, 0x0102);
    REQUIRE(parse_rtp(out, v, why));
    ByteSpan e;
    REQUIRE(find_rtp_extension(v, 5, e));
    CHECK(test::Bytes(e.begin(), e.end()) == test::hex("0102"));
    REQUIRE(find_rtp_extension(v, 2, e));
    CHECK(test::Bytes(e.begin(), e.end()) == test::hex("123456"));
}
