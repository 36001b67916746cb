// The SRTP suites tern speaks and the session keys derived from a master key (RFC 3711 §4.3, the
// AES-CM PRF; RFC 7714 §11 for the AEAD suites). Run once per key, never per packet.
#include "common/srtp/srtp.hpp"

#include <openssl/evp.h>

#include <cstring>

namespace tern::srtp {

namespace {

constexpr uint8_t kLabelRtpKey = 0, kLabelRtpAuth = 1, kLabelRtpSalt = 2;
constexpr uint8_t kLabelRtcpKey = 3, kLabelRtcpAuth = 4, kLabelRtcpSalt = 5;
constexpr std::size_t kAuthKeyLen = 20;  // HMAC-SHA1, n_a = 160

}  // namespace

bool suite_from_dtls_profile(uint16_t profile, Suite& out) noexcept {
    for (std::size_t i = 0; i < std::size(kSuites); ++i) {
        if (kSuites[i].dtls_profile == profile) {
            out = static_cast<Suite>(i);
            return true;
        }
    }
    return false;
}

std::string_view to_string(Status s) noexcept {
    switch (s) {
    case Status::Ok: return "ok";
    case Status::Malformed: return "malformed";
    case Status::AuthFailed: return "authentication failed";
    case Status::ReplayOld: return "replayed (too old)";
    case Status::ReplayDuplicate: return "replayed (duplicate)";
    case Status::NoRoom: return "no room for the tag";
    case Status::TooManyStreams: return "too many streams";
    }
    return "?";
}

void derive(const MasterKey& mk, uint8_t label, MutableByteSpan out) noexcept {
    const SuiteInfo& si = info(mk.suite);
    // x = master salt (padded to 112 bits) XOR (label || r), r = 0: the label lands in octet 7.
    uint8_t iv[16] = {};
    std::memcpy(iv, mk.salt.data(), si.salt_len);
    iv[7] ^= label;
    EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
    const EVP_CIPHER* cm = si.key_len == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr();
    std::memset(out.data(), 0, out.size());
    int n = 0;
    EVP_EncryptInit_ex(c, cm, nullptr, mk.key.data(), iv);
    EVP_EncryptUpdate(c, reinterpret_cast<unsigned char*>(out.data()), &n,
                      reinterpret_cast<const unsigned char*>(out.data()),
                      static_cast<int>(out.size()));
    EVP_CIPHER_CTX_free(c);
}

SessionKeys session_keys(const MasterKey& mk, bool rtcp) noexcept {
    const SuiteInfo& si = info(mk.suite);
    SessionKeys k;
    derive(mk, rtcp ? kLabelRtcpKey : kLabelRtpKey, as_writable_bytes(k.key.data(), si.key_len));
    derive(mk, rtcp ? kLabelRtcpSalt : kLabelRtpSalt,
           as_writable_bytes(k.salt.data(), si.salt_len));
    if (!si.aead) {
        derive(mk, rtcp ? kLabelRtcpAuth : kLabelRtpAuth,
               as_writable_bytes(k.auth.data(), kAuthKeyLen));
    }
    return k;
}

}  // namespace tern::srtp
