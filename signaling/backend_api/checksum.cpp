#include "signaling/backend_api/checksum.hpp"

#include "common/byte_reader.hpp"
#include "common/crypto/hmac.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <stdexcept>

namespace tern::sig {

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const uint8_t* p, std::size_t n) {
    std::string out(2 * n, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = kHex[p[i] >> 4];
        out[2 * i + 1] = kHex[p[i] & 0xf];
    }
    return out;
}

crypto::HmacSha256Key::Digest mac(std::string_view secret, std::string_view random,
                                  std::string_view body) {
    const crypto::HmacSha256Key key{as_bytes(secret.data(), secret.size())};
    return key.compute(
        {as_bytes(random.data(), random.size()), as_bytes(body.data(), body.size())});
}

}  // namespace

std::string backend_checksum(std::string_view secret, std::string_view random,
                             std::string_view body) {
    const auto d = mac(secret, random, body);
    return to_hex(d.data(), d.size());
}

bool verify_backend_checksum(std::string_view secret, std::string_view random,
                             std::string_view body, std::string_view checksum) {
    if (random.size() < kMinBackendRandomLen ||
        checksum.size() != 2 * crypto::HmacSha256Key::kDigestLen) {
        return false;
    }
    const auto d = mac(secret, random, body);
    // Compare the lowercase form without branching on where the first difference is.
    const std::string want = to_hex(d.data(), d.size());
    uint8_t diff = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        char c = checksum[i];
        if (c >= 'A' && c <= 'F') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        diff |= static_cast<uint8_t>(c ^ want[i]);
    }
    return diff == 0;
}

std::string backend_random() {
    std::array<uint8_t, kBackendRandomLen / 2> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("the system's random generator failed");
    }
    return to_hex(bytes.data(), bytes.size());
}

}  // namespace tern::sig
