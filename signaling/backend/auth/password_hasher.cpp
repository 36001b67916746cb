#include "signaling/backend/auth/password_hasher.hpp"

#include <openssl/rand.h>

#include <argon2.h>
#include <array>
#include <stdexcept>
#include <vector>

namespace tern::sig::backend {

namespace {

constexpr std::size_t kSaltLen = 16;
constexpr std::size_t kTagLen = 32;

}  // namespace

std::string PasswordHasher::hash(std::string_view password) const {
    std::array<unsigned char, kSaltLen> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
        throw std::runtime_error("the system's random generator failed");
    }
    const std::size_t len = argon2_encodedlen(params_.iterations, params_.memory_kib, params_.lanes,
                                              kSaltLen, kTagLen, Argon2_id);
    std::vector<char> out(len);
    const int rc = argon2id_hash_encoded(params_.iterations, params_.memory_kib, params_.lanes,
                                         password.data(), password.size(), salt.data(), salt.size(),
                                         kTagLen, out.data(), out.size());
    if (rc != ARGON2_OK) {
        throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
    }
    return {out.data()};
}

bool PasswordHasher::verify(std::string_view encoded, std::string_view password) const {
    if (!encoded.starts_with("$argon2id$")) {
        return false;
    }
    // libargon2 recomputes the tag with the parameters in `encoded` and compares the two in
    // constant time; it needs a terminated string.
    const std::string enc(encoded);
    return argon2id_verify(enc.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool PasswordHasher::needs_rehash(std::string_view encoded) const {
    return !encoded.starts_with(prefix());
}

std::string PasswordHasher::prefix() const {
    return "$argon2id$v=" + std::to_string(ARGON2_VERSION_NUMBER) +
           "$m=" + std::to_string(params_.memory_kib) + ",t=" + std::to_string(params_.iterations) +
           ",p=" + std::to_string(params_.lanes) + "$";
}

}  // namespace tern::sig::backend
