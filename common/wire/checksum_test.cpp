#include "common/wire/checksum.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

using namespace tern;
using namespace tern::wire;

TEST_CASE("checksum: RFC 1071 example sums", "[wire][checksum]") {
    // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum (ones' complement) to ddf2.
    const auto b = test::hex("0001 f203 f4f5 f6f7");
    CHECK(checksum_finish(checksum_add(b)) == static_cast<uint16_t>(~0xddf2));
}

TEST_CASE("checksum: odd length pads with a zero byte", "[wire][checksum]") {
    const auto even = test::hex("1234 5600");
    const auto odd = test::hex("1234 56");
    CHECK(checksum_finish(checksum_add(even)) == checksum_finish(checksum_add(odd)));
}

TEST_CASE("checksum: a known IPv4 header verifies", "[wire][checksum]") {
    // A header captured from the wire (Wikipedia's worked example): checksum b861.
    const auto h = test::hex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7");
    CHECK(checksum_verifies(h));
    auto bad = h;
    bad[10] = std::byte{0xb9};
    CHECK_FALSE(checksum_verifies(bad));
}

TEST_CASE("checksum: chunked sums equal one pass", "[wire][checksum]") {
    test::Bytes data(1001);
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = std::byte(static_cast<uint8_t>(i * 7 + 3));
    }
    const uint64_t whole = checksum_add(data);
    const uint64_t split =
        checksum_add(ByteSpan{data}.subspan(64), checksum_add(ByteSpan{data}.first(64)));
    CHECK(checksum_finish(whole) == checksum_finish(split));
}

TEST_CASE("checksum: equals the big-endian word sum at every length and offset",
          "[wire][checksum]") {
    // Reference: RFC 1071 taken literally, 16-bit big-endian words, odd byte padded with zero.
    auto reference = [](ByteSpan d) {
        uint64_t s = 0;
        for (std::size_t i = 0; i + 1 < d.size(); i += 2) {
            s += load_u16be(d.data() + i);
        }
        if (d.size() % 2 == 1) {
            s += static_cast<uint64_t>(std::to_integer<uint8_t>(d.back())) << 8;
        }
        return s;
    };
    test::Bytes data(300);
    uint32_t x = 12345;
    for (auto& b : data) {
        x = x * 1103515245 + 12345;
        b = std::byte(static_cast<uint8_t>(x >> 16));
    }
    for (std::size_t off = 0; off < 9; ++off) {
        for (std::size_t len = 0; len + off <= data.size(); ++len) {
            const ByteSpan d = ByteSpan{data}.subspan(off, len);
            INFO("offset " << off << " length " << len);
            REQUIRE(checksum_finish(checksum_add(d)) == checksum_finish(reference(d)));
            REQUIRE(checksum_finish(checksum_add(d, 0x1234567)) ==
                    checksum_finish(reference(d) + 0x1234567));
        }
    }
    // All ones: the sum of 0xffff words is 0xffff, never folded to zero.
    const test::Bytes ones(64, std::byte{0xff});
    CHECK(checksum_finish(checksum_add(ones)) == 0);
}
