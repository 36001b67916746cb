#include "signaling_load/internal_token.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <array>
#include <cstdio>
#include <stdexcept>

namespace tern::perf::sigload {
namespace {

std::string to_hex(const unsigned char* p, size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(2 * n, '0');
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = kDigits[p[i] >> 4];
        out[2 * i + 1] = kDigits[p[i] & 0xf];
    }
    return out;
}

}  // namespace

std::string internal_random(uint64_t seed, uint32_t index) {
    char in[64];
    const int n = std::snprintf(in, sizeof in, "tern-signaling-load/%llu/%u",
                                static_cast<unsigned long long>(seed), index);
    std::array<unsigned char, SHA256_DIGEST_LENGTH> md{};
    if (EVP_Digest(in, static_cast<size_t>(n), md.data(), nullptr, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("EVP_Digest(sha256) failed");
    }
    return to_hex(md.data(), md.size());
}

std::string internal_token(const std::string& secret, const std::string& random) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(random.data()), random.size(), md.data(),
             &len) == nullptr) {
        throw std::runtime_error("HMAC(sha256) failed");
    }
    return to_hex(md.data(), len);
}

}  // namespace tern::perf::sigload
