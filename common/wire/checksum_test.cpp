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
    const uint64_t split = checksum_add(ByteSpan{data}.subspan(64), checksum_add(ByteSpan{data}.first(64)));
    CHECK(checksum_finish(whole) == checksum_finish(split));
}
