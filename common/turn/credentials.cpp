#include "common/turn/credentials.hpp"

#include "common/crypto/hmac.hpp"

#include <openssl/evp.h>

namespace tern::turn {

std::string rest_username(uint64_t expiry_unix, std::string_view user, char separator) {
    std::string s = std::to_string(expiry_unix);
    if (!user.empty()) {
        s += separator;
        s += user;
    }
    return s;
}

std::size_t base64_encode(ByteSpan in, char* out) noexcept {
    return static_cast<std::size_t>(EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out), reinterpret_cast<const unsigned char*>(in.data()),
        static_cast<int>(in.size())));
}

std::string rest_password(std::string_view secret, std::string_view username) {
    const crypto::HmacSha1Key key{as_bytes(secret.data(), secret.size())};
    const auto mac = key.compute({as_bytes(username.data(), username.size())});
    char out[32];
    const std::size_t n = base64_encode(as_bytes(mac.data(), mac.size()), out);
    return {out, n};
}

std::optional<uint64_t> rest_expiry(std::string_view username, char separator) noexcept {
    uint64_t v = 0;
    std::size_t i = 0;
    for (; i < username.size() && username[i] >= '0' && username[i] <= '9'; ++i) {
        if (v > (UINT64_MAX - 9) / 10) {
            return std::nullopt;
        }
        v = v * 10 + static_cast<uint64_t>(username[i] - '0');
    }
    if (i == 0 || (i < username.size() && username[i] != separator)) {
        return std::nullopt;
    }
    return v;
}

LongTermKey long_term_key(std::string_view username, std::string_view realm,
                          std::string_view password) {
    return crypto::long_term_key_md5(as_bytes(username.data(), username.size()),
                                     as_bytes(realm.data(), realm.size()),
                                     as_bytes(password.data(), password.size()));
}

}  // namespace tern::turn
