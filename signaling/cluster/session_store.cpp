#include "signaling/cluster/session_store.hpp"

#include <openssl/sha.h>

#include <array>

namespace tern::sig::cluster {

std::string record_key(std::string_view resume_id) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(resume_id.data()), resume_id.size(),
           digest.data());
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string key = "session.";
    // 128 bits are plenty to tell sessions apart; the resume id itself stays secret.
    for (std::size_t i = 0; i < 16; ++i) {
        key += kHex[digest[i] >> 4];
        key += kHex[digest[i] & 0xf];
    }
    return key;
}

std::string node_key(uint16_t node) {
    return "node." + std::to_string(node);
}

bool stream_subject(std::string_view subject) {
    return subject.starts_with("session.") || subject.starts_with("user.") ||
           subject.starts_with("room.");
}

}  // namespace tern::sig::cluster
