#include "common/byte_reader.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

using namespace tern;

TEST_CASE("ByteReader: reads big-endian fields in order", "[common]") {
    const auto b = test::hex("01 0203 04050607 aabb");
    ByteReader r{b};
    CHECK(r.u8() == 0x01);
    CHECK(r.u16be() == 0x0203);
    CHECK(r.u32be() == 0x04050607);
    CHECK(r.remaining() == 2);
    CHECK(r.bytes(2).size() == 2);
    CHECK(r.ok());
    CHECK(r.remaining() == 0);
}

TEST_CASE("ByteReader: latches the first out-of-bounds read", "[common]") {
    const auto b = test::hex("0102 03");
    ByteReader r{b};
    CHECK(r.u16be() == 0x0102);
    CHECK(r.u16be() == 0);  // only one byte left
    CHECK_FALSE(r.ok());
    CHECK(r.u8() == 0);  // stays failed even though a byte remains
    CHECK(r.remaining() == 0);
    CHECK(r.rest().empty());
}

TEST_CASE("ByteReader: huge skip does not wrap around", "[common]") {
    const auto b = test::hex("01020304");
    ByteReader r{b};
    r.skip(2);
    r.skip(SIZE_MAX);
    CHECK_FALSE(r.ok());
}

TEST_CASE("ByteWriter: refuses to write past the end", "[common]") {
    std::array<std::byte, 5> buf{};
    ByteWriter w{buf};
    w.u32be(0xdeadbeef);
    CHECK(w.ok());
    w.u16be(1);
    CHECK_FALSE(w.ok());
    CHECK(w.size() == 4);
    CHECK(buf[0] == std::byte{0xde});
}
