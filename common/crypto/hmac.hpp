// Keyed HMAC-SHA1 / HMAC-SHA256 with the inner and outer hash states computed once per key.
//
// STUN MESSAGE-INTEGRITY is checked per packet on the data plane, so a key object is built when
// credentials are installed and each message costs two hash finalisations, no allocation and
// no cipher set-up. The low-level OpenSSL digest API is used because its contexts are plain
// structs that can be copied; EVP_MAC contexts allocate on dup.
#pragma once

#include "common/byte_reader.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>

#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

namespace tern::crypto {

namespace detail {

struct Sha1 {
    using Ctx = SHA_CTX;
    static constexpr std::size_t kBlock = SHA_CBLOCK;
    static constexpr std::size_t kLen = SHA_DIGEST_LENGTH;
    static void init(Ctx* c) noexcept { SHA1_Init(c); }
    static void update(Ctx* c, const void* p, std::size_t n) noexcept { SHA1_Update(c, p, n); }
    static void final(uint8_t* out, Ctx* c) noexcept { SHA1_Final(out, c); }
};

struct Sha256 {
    using Ctx = SHA256_CTX;
    static constexpr std::size_t kBlock = SHA256_CBLOCK;
    static constexpr std::size_t kLen = SHA256_DIGEST_LENGTH;
    static void init(Ctx* c) noexcept { SHA256_Init(c); }
    static void update(Ctx* c, const void* p, std::size_t n) noexcept { SHA256_Update(c, p, n); }
    static void final(uint8_t* out, Ctx* c) noexcept { SHA256_Final(out, c); }
};

}  // namespace detail

/// HMAC (RFC 2104) with hash H; the key's pads are hashed once, at construction.
template <class H>
class HmacKey {
public:
    static constexpr std::size_t kDigestLen = H::kLen;
    using Digest = std::array<uint8_t, kDigestLen>;

    HmacKey() = default;
    explicit HmacKey(ByteSpan key) noexcept;

    /// HMAC over the concatenation of `parts`.
    [[nodiscard]] Digest compute(std::initializer_list<ByteSpan> parts) const noexcept;

private:
    typename H::Ctx inner_{};
    typename H::Ctx outer_{};
};

extern template class HmacKey<detail::Sha1>;
extern template class HmacKey<detail::Sha256>;
using HmacSha1Key = HmacKey<detail::Sha1>;
using HmacSha256Key = HmacKey<detail::Sha256>;

/// MD5(username ":" realm ":" password): the long-term credential key of RFC 8489 §9.2.2.
std::array<uint8_t, 16> long_term_key_md5(ByteSpan username, ByteSpan realm, ByteSpan password);

/// CRC-32 (ISO 3309, as used by STUN FINGERPRINT, RFC 8489 §14.7).
uint32_t crc32(ByteSpan data, uint32_t crc = 0) noexcept;

/// Constant-time comparison for MACs.
bool equal_ct(ByteSpan a, ByteSpan b) noexcept;

}  // namespace tern::crypto
