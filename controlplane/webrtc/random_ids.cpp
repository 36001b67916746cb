#include "controlplane/webrtc/random_ids.hpp"

#include <openssl/rand.h>

#include <array>
#include <vector>

namespace tern::cp {

std::string random_token(std::size_t n) {
    static constexpr char kChars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::vector<unsigned char> r(n);
    RAND_bytes(r.data(), static_cast<int>(n));
    std::string s(n, 'x');
    for (std::size_t i = 0; i < n; ++i) {
        s[i] = kChars[r[i] % 62];
    }
    return s;
}

std::string uuid4() {
    std::array<unsigned char, 16> b{};
    RAND_bytes(b.data(), b.size());
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            s += '-';
        }
        s += kHex[b[i] >> 4];
        s += kHex[b[i] & 15];
    }
    return s;
}

uint32_t random_ssrc() {
    uint32_t v = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
    return v == 0 ? 1 : v;
}

}  // namespace tern::cp
