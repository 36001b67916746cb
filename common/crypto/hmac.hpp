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

class HmacSha1Key {
public:
    static constexpr std::size_t kDigestLen = 20;
    using Digest = std::array<uint8_t, kDigestLen>;

    HmacSha1Key() = default;
    explicit HmacSha1Key(ByteSpan key) noexcept;

    /// HMAC over the concatenation of `parts`.
    [[nodiscard]] Digest compute(std::initializer_list<ByteSpan> parts) const noexcept;

private:
    SHA_CTX inner_{};
    SHA_CTX outer_{};
};

class HmacSha256Key {
public:
    static constexpr std::size_t kDigestLen = 32;
    using Digest = std::array<uint8_t, kDigestLen>;

    HmacSha256Key() = default;
    explicit HmacSha256Key(ByteSpan key) noexcept;

    [[nodiscard]] Digest compute(std::initializer_list<ByteSpan> parts) const noexcept;

private:
    SHA256_CTX inner_{};
    SHA256_CTX outer_{};
};

/// MD5(username ":" realm ":" password): the long-term credential key of RFC 8489 §9.2.2.
std::array<uint8_t, 16> long_term_key_md5(ByteSpan username, ByteSpan realm, ByteSpan password);

/// CRC-32 (ISO 3309, as used by STUN FINGERPRINT, RFC 8489 §14.7).
uint32_t crc32(ByteSpan data, uint32_t crc = 0) noexcept;

/// Constant-time comparison for MACs.
bool equal_ct(ByteSpan a, ByteSpan b) noexcept;

}  // namespace tern::crypto
