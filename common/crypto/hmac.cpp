#include "common/crypto/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/md5.h>

#include <bit>
#include <cstring>

namespace tern::crypto {

namespace {

// Slicing-by-8 tables for the reflected CRC-32 polynomial 0xedb88320: table k maps a byte to
// its contribution k bytes further down the message, so eight bytes are folded per step.
using CrcTables = std::array<std::array<uint32_t, 256>, 8>;

constexpr CrcTables make_crc_tables() {
    CrcTables t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) {
            c = (c & 1) != 0 ? 0xedb88320U ^ (c >> 1) : c >> 1;
        }
        t[0][i] = c;
    }
    for (std::size_t k = 1; k < 8; ++k) {
        for (uint32_t i = 0; i < 256; ++i) {
            t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
        }
    }
    return t;
}

constexpr CrcTables kCrc = make_crc_tables();

uint32_t load_le32(const std::byte* p) noexcept {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;  // x86 and arm64 are little-endian; the build refuses others (static_assert below)
}

static_assert(std::endian::native == std::endian::little, "crc32 assumes a little-endian host");

}  // namespace

template <class H>
HmacKey<H>::HmacKey(ByteSpan key) noexcept {
    uint8_t block[H::kBlock] = {};
    if (key.size() > H::kBlock) {
        typename H::Ctx c;
        H::init(&c);
        H::update(&c, key.data(), key.size());
        H::final(block, &c);  // RFC 2104: keys longer than a block are hashed first
    } else if (!key.empty()) {
        std::memcpy(block, key.data(), key.size());
    }
    uint8_t pad[H::kBlock];
    for (std::size_t i = 0; i < H::kBlock; ++i) {
        pad[i] = block[i] ^ 0x36;
    }
    H::init(&inner_);
    H::update(&inner_, pad, H::kBlock);
    for (std::size_t i = 0; i < H::kBlock; ++i) {
        pad[i] = block[i] ^ 0x5c;
    }
    H::init(&outer_);
    H::update(&outer_, pad, H::kBlock);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
}

template <class H>
typename HmacKey<H>::Digest
HmacKey<H>::compute(std::initializer_list<ByteSpan> parts) const noexcept {
    typename H::Ctx ctx = inner_;
    for (ByteSpan p : parts) {
        H::update(&ctx, p.data(), p.size());
    }
    Digest inner_digest;
    H::final(inner_digest.data(), &ctx);
    ctx = outer_;
    H::update(&ctx, inner_digest.data(), inner_digest.size());
    Digest out;
    H::final(out.data(), &ctx);
    return out;
}

template class HmacKey<detail::Sha1>;
template class HmacKey<detail::Sha256>;

std::array<uint8_t, 16> long_term_key_md5(ByteSpan username, ByteSpan realm, ByteSpan password) {
    MD5_CTX ctx;
    MD5_Init(&ctx);
    MD5_Update(&ctx, username.data(), username.size());
    MD5_Update(&ctx, ":", 1);
    MD5_Update(&ctx, realm.data(), realm.size());
    MD5_Update(&ctx, ":", 1);
    MD5_Update(&ctx, password.data(), password.size());
    std::array<uint8_t, 16> out;
    MD5_Final(out.data(), &ctx);
    return out;
}

uint32_t crc32(ByteSpan data, uint32_t crc) noexcept {
    const std::byte* p = data.data();
    std::size_t n = data.size();
    crc = ~crc;
    while (n >= 8) {
        const uint32_t lo = load_le32(p) ^ crc;
        const uint32_t hi = load_le32(p + 4);
        crc = kCrc[7][lo & 0xff] ^ kCrc[6][(lo >> 8) & 0xff] ^ kCrc[5][(lo >> 16) & 0xff] ^
              kCrc[4][lo >> 24] ^ kCrc[3][hi & 0xff] ^ kCrc[2][(hi >> 8) & 0xff] ^
              kCrc[1][(hi >> 16) & 0xff] ^ kCrc[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n-- > 0) {
        crc = kCrc[0][(crc ^ std::to_integer<uint32_t>(*p++)) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

bool equal_ct(ByteSpan a, ByteSpan b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tern::crypto
