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

TEST_CASE("RTP: one-byte and two-byte header extensions, CSRCs (RFC 9335 examples)", "[wire][rtp]") {
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
    CHECK_FALSE(parse_rtp(test::hex("8f40f17b8041f8d35501a0b2 00000001"), v, why));  // 15 CSRCs, 1 present
    CHECK(why == Error::Truncated);
    CHECK_FALSE(parse_rtp(test::hex("9040f17b8041f8d35501a0b2 bede0004 00000000"), v, why));  // 4 words, 1 present
    CHECK(why == Error::Truncated);
    CHECK_FALSE(parse_rtp(test::hex("9040f17b8041f8d35501a0b2 bede"), v, why));  // extension header cut
    uint32_t ssrc = 0;
    CHECK_FALSE(parse_rtcp_ssrc(test::hex("81c8000c 4d617273"), ssrc, why));  // length says 52 bytes
    CHECK(why == Error::BadLength);
    CHECK_FALSE(parse_rtcp_ssrc(test::hex("41c80001 4d617273"), ssrc, why));
    CHECK(why == Error::BadVersion);
}
