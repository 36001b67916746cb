#include "common/crypto/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/md5.h>

#include <cstring>

namespace tern::crypto {

namespace {

template <class Ctx, std::size_t kBlock, std::size_t kLen>
void init_pads(ByteSpan key, Ctx& inner, Ctx& outer, int (*init)(Ctx*),
               int (*update)(Ctx*, const void*, size_t),
               unsigned char* (*oneshot)(const unsigned char*, size_t, unsigned char*)) {
    uint8_t block[kBlock] = {};
    if (key.size() > kBlock) {
        oneshot(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block);
    } else if (!key.empty()) {
        std::memcpy(block, key.data(), key.size());
    }
    uint8_t ipad[kBlock];
    uint8_t opad[kBlock];
    for (std::size_t i = 0; i < kBlock; ++i) {
        ipad[i] = block[i] ^ 0x36;
        opad[i] = block[i] ^ 0x5c;
    }
    init(&inner);
    update(&inner, ipad, kBlock);
    init(&outer);
    update(&outer, opad, kBlock);
    OPENSSL_cleanse(block, sizeof block);
    (void)kLen;
}

const uint32_t* crc_table() noexcept {
    static const auto table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) {
                c = (c & 1) != 0 ? 0xedb88320U ^ (c >> 1) : c >> 1;
            }
            t[i] = c;
        }
        return t;
    }();
    return table.data();
}

}  // namespace

HmacSha1Key::HmacSha1Key(ByteSpan key) noexcept {
    init_pads<SHA_CTX, SHA_CBLOCK, kDigestLen>(key, inner_, outer_, SHA1_Init, SHA1_Update, SHA1);
}

HmacSha1Key::Digest HmacSha1Key::compute(std::initializer_list<ByteSpan> parts) const noexcept {
    SHA_CTX ctx = inner_;
    for (ByteSpan p : parts) {
        SHA1_Update(&ctx, p.data(), p.size());
    }
    Digest inner_digest;
    SHA1_Final(inner_digest.data(), &ctx);
    ctx = outer_;
    SHA1_Update(&ctx, inner_digest.data(), inner_digest.size());
    Digest out;
    SHA1_Final(out.data(), &ctx);
    return out;
}

HmacSha256Key::HmacSha256Key(ByteSpan key) noexcept {
    init_pads<SHA256_CTX, SHA256_CBLOCK, kDigestLen>(key, inner_, outer_, SHA256_Init,
                                                     SHA256_Update, SHA256);
}

HmacSha256Key::Digest HmacSha256Key::compute(std::initializer_list<ByteSpan> parts) const noexcept {
    SHA256_CTX ctx = inner_;
    for (ByteSpan p : parts) {
        SHA256_Update(&ctx, p.data(), p.size());
    }
    Digest inner_digest;
    SHA256_Final(inner_digest.data(), &ctx);
    ctx = outer_;
    SHA256_Update(&ctx, inner_digest.data(), inner_digest.size());
    Digest out;
    SHA256_Final(out.data(), &ctx);
    return out;
}

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
    const uint32_t* t = crc_table();
    crc = ~crc;
    for (std::byte b : data) {
        crc = t[(crc ^ std::to_integer<uint32_t>(b)) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

bool equal_ct(ByteSpan a, ByteSpan b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tern::crypto
