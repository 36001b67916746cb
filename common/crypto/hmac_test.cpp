#include "common/crypto/hmac.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

using namespace tern;

TEST_CASE("HMAC-SHA1: RFC 2202 test cases 1 and 6", "[crypto]") {
    const test::Bytes key1(20, std::byte{0x0b});
    const auto d1 = crypto::HmacSha1Key{key1}.compute({as_bytes("Hi There", 8)});
    CHECK(test::Bytes(reinterpret_cast<const std::byte*>(d1.data()),
                      reinterpret_cast<const std::byte*>(d1.data()) + 20) ==
          test::hex("b617318655057264e28bc0b6fb378c8ef146be00"));
    // Key longer than the block size is hashed first.
    const test::Bytes key6(80, std::byte{0xaa});
    const std::string msg6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    const auto d6 = crypto::HmacSha1Key{key6}.compute({as_bytes(msg6.data(), msg6.size())});
    CHECK(test::Bytes(reinterpret_cast<const std::byte*>(d6.data()),
                      reinterpret_cast<const std::byte*>(d6.data()) + 20) ==
          test::hex("aa4ae5e15272d00e95705637ce8a3b55ed402112"));
}

TEST_CASE("HMAC-SHA256: RFC 4231 test case 2, split input", "[crypto]") {
    const crypto::HmacSha256Key key{as_bytes("Jefe", 4)};
    const auto d = key.compute({as_bytes("what do ya want ", 16), as_bytes("for nothing?", 12)});
    CHECK(test::Bytes(reinterpret_cast<const std::byte*>(d.data()),
                      reinterpret_cast<const std::byte*>(d.data()) + 32) ==
          test::hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
}

TEST_CASE("CRC-32: the standard check value", "[crypto]") {
    CHECK(crypto::crc32(as_bytes("123456789", 9)) == 0xcbf43926U);
    CHECK(crypto::crc32(as_bytes("6789", 4), crypto::crc32(as_bytes("12345", 5))) == 0xcbf43926U);
}

TEST_CASE("CRC-32: slicing-by-8 equals the bitwise definition at every length and offset",
          "[crypto]") {
    auto bitwise = [](const test::Bytes& d) {
        uint32_t c = 0xffffffffU;
        for (std::byte b : d) {
            c ^= std::to_integer<uint32_t>(b);
            for (int k = 0; k < 8; ++k) {
                c = (c & 1) != 0 ? 0xedb88320U ^ (c >> 1) : c >> 1;
            }
        }
        return ~c;
    };
    test::Bytes data(300);
    uint32_t x = 12345;
    for (auto& b : data) {
        x = x * 1103515245 + 12345;
        b = std::byte(static_cast<uint8_t>(x >> 16));
    }
    for (std::size_t off = 0; off < 9; ++off) {
        for (std::size_t len = 0; len + off <= data.size(); len += 7) {
            const test::Bytes slice(data.begin() + static_cast<std::ptrdiff_t>(off),
                                    data.begin() + static_cast<std::ptrdiff_t>(off + len));
            REQUIRE(crypto::crc32(slice) == bitwise(slice));
        }
    }
}
