#include "common/crypto/jwt.hpp"

#include "common/base64url.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <utility>

namespace tern::crypto {

namespace {

struct AlgInfo {
    JwsAlg alg;
    std::string_view name;
    int key_type;             // EVP_PKEY_RSA, EVP_PKEY_EC, EVP_PKEY_ED25519
    const EVP_MD* (*md)();    // null for EdDSA (the digest is part of the algorithm)
    std::string_view curve;   // ES*: the curve RFC 7518 §3.4 binds to the algorithm
    std::size_t coord_bytes;  // ES*: the length of r and of s in the JOSE signature
};

const EVP_MD* no_md() {
    return nullptr;
}

constexpr std::array<AlgInfo, 7> kAlgs{{
    {JwsAlg::RS256, "RS256", EVP_PKEY_RSA, EVP_sha256, "", 0},
    {JwsAlg::RS384, "RS384", EVP_PKEY_RSA, EVP_sha384, "", 0},
    {JwsAlg::RS512, "RS512", EVP_PKEY_RSA, EVP_sha512, "", 0},
    {JwsAlg::ES256, "ES256", EVP_PKEY_EC, EVP_sha256, "prime256v1", 32},
    {JwsAlg::ES384, "ES384", EVP_PKEY_EC, EVP_sha384, "secp384r1", 48},
    {JwsAlg::ES512, "ES512", EVP_PKEY_EC, EVP_sha512, "secp521r1", 66},
    {JwsAlg::EdDSA, "EdDSA", EVP_PKEY_ED25519, no_md, "", 0},
}};

const AlgInfo& info(JwsAlg alg) {
    return kAlgs[static_cast<std::size_t>(alg)];
}

std::string openssl_error(std::string what) {
    if (unsigned long e = ERR_get_error(); e != 0) {
        std::array<char, 256> buf{};
        ERR_error_string_n(e, buf.data(), buf.size());
        what += ": ";
        what += buf.data();
    }
    ERR_clear_error();
    return what;
}

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
    void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr mem_bio(std::string_view data) {
    return BioPtr{BIO_new_mem_buf(data.data(), static_cast<int>(data.size()))};
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

bool key_suits(const AlgInfo& a, EVP_PKEY* key) {
    if (key == nullptr || EVP_PKEY_get_base_id(key) != a.key_type) {
        return false;
    }
    if (a.key_type != EVP_PKEY_EC) {
        return true;
    }
    std::array<char, 64> group{};
    std::size_t len = 0;
    return EVP_PKEY_get_group_name(key, group.data(), group.size(), &len) == 1 &&
           std::string_view(group.data(), len) == a.curve;
}

/// JOSE r||s (RFC 7518 §3.4) → the DER ECDSA-Sig-Value OpenSSL verifies; empty when malformed.
std::string jose_to_der(std::string_view sig, std::size_t n) {
    if (sig.size() != 2 * n) {
        return {};
    }
    std::unique_ptr<ECDSA_SIG, EcdsaSigFree> s{ECDSA_SIG_new()};
    BIGNUM* r = BN_bin2bn(bytes(sig), static_cast<int>(n), nullptr);
    BIGNUM* sv = BN_bin2bn(bytes(sig.substr(n)), static_cast<int>(n), nullptr);
    if (!s || r == nullptr || sv == nullptr || ECDSA_SIG_set0(s.get(), r, sv) != 1) {
        BN_free(r);
        BN_free(sv);
        return {};
    }
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(s.get(), &der);
    if (len <= 0) {
        return {};
    }
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
}

/// The other way, for signing; empty when OpenSSL's DER does not parse.
std::string der_to_jose(std::string_view der, std::size_t n) {
    const unsigned char* p = bytes(der);
    std::unique_ptr<ECDSA_SIG, EcdsaSigFree> s{
        d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()))};
    if (!s) {
        return {};
    }
    std::string out(2 * n, '\0');
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(s.get()), o, static_cast<int>(n)) < 0 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(s.get()), o + n, static_cast<int>(n)) < 0) {
        return {};
    }
    return out;
}

std::string to_pem(EVP_PKEY* key, bool private_part) {
    BioPtr b{BIO_new(BIO_s_mem())};
    const int ok =
        private_part ? PEM_write_bio_PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                     : PEM_write_bio_PUBKEY(b.get(), key);
    char* data = nullptr;
    const long n = BIO_get_mem_data(b.get(), &data);
    return ok == 1 && n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string{};
}

}  // namespace

void PkeyFree::operator()(EVP_PKEY* k) const noexcept {
    EVP_PKEY_free(k);
}

std::optional<JwsAlg> jws_alg_from_name(std::string_view name) noexcept {
    for (const auto& a : kAlgs) {
        if (a.name == name) {
            return a.alg;
        }
    }
    return std::nullopt;
}

std::string_view jws_alg_name(JwsAlg alg) noexcept {
    return info(alg).name;
}

Result<PkeyPtr, std::string> public_key_from_pem(std::string_view pem) {
    auto bio = mem_bio(pem);
    PkeyPtr k{PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)};
    if (!k) {
        return unexpected(openssl_error("not a PEM public key"));
    }
    return k;
}

Result<PkeyPtr, std::string> private_key_from_pem(std::string_view pem) {
    auto bio = mem_bio(pem);
    PkeyPtr k{PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)};
    if (!k) {
        return unexpected(openssl_error("not a PEM private key"));
    }
    return k;
}

Result<std::pair<std::string, std::string>, std::string> generate_key_pem(JwsAlg alg,
                                                                          int rsa_bits) {
    PkeyPtr key;
    switch (info(alg).key_type) {
    case EVP_PKEY_RSA: key.reset(EVP_RSA_gen(static_cast<unsigned>(rsa_bits))); break;
    case EVP_PKEY_EC: key.reset(EVP_EC_gen(std::string(info(alg).curve).c_str())); break;
    default: key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); break;
    }
    if (!key) {
        return unexpected(openssl_error("key generation failed"));
    }
    return std::make_pair(to_pem(key.get(), true), to_pem(key.get(), false));
}

Result<Jws, std::string> split_jws(std::string_view token) {
    if (token.size() > kMaxJwsSize) {
        return unexpected(std::string("token too long"));
    }
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return unexpected(std::string("not a JWS compact token"));
    }
    auto header = base64url_decode(token.substr(0, dot1));
    auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    auto sig = base64url_decode(token.substr(dot2 + 1));
    if (!header || !payload || !sig) {
        return unexpected(std::string("token is not base64url"));
    }
    return Jws{std::move(*header), std::move(*payload), std::move(*sig), token.substr(0, dot2)};
}

bool verify_jws(JwsAlg alg, EVP_PKEY* key, std::string_view signing_input,
                std::string_view signature) {
    const AlgInfo& a = info(alg);
    if (!key_suits(a, key)) {
        return false;
    }
    std::string der;
    if (a.key_type == EVP_PKEY_EC) {
        der = jose_to_der(signature, a.coord_bytes);
        if (der.empty()) {
            return false;
        }
        signature = der;
    }
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx{EVP_MD_CTX_new()};
    const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, a.md(), nullptr, key) == 1 &&
                    EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(),
                                     bytes(signing_input), signing_input.size()) == 1;
    ERR_clear_error();
    return ok;
}

Result<std::string, std::string> sign_jws(JwsAlg alg, EVP_PKEY* key,
                                          std::string_view payload_json) {
    const AlgInfo& a = info(alg);
    if (!key_suits(a, key)) {
        return unexpected("the key does not suit " + std::string(a.name));
    }
    const std::string input =
        base64url_encode(R"({"alg":")" + std::string(a.name) + R"(","typ":"JWT"})") + "." +
        base64url_encode(payload_json);
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx{EVP_MD_CTX_new()};
    std::size_t len = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, a.md(), nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, bytes(input), input.size()) != 1) {
        return unexpected(openssl_error("signing failed"));
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes(input),
                       input.size()) != 1) {
        return unexpected(openssl_error("signing failed"));
    }
    sig.resize(len);
    if (a.key_type == EVP_PKEY_EC) {
        sig = der_to_jose(sig, a.coord_bytes);
        if (sig.empty()) {
            return unexpected(std::string("ECDSA signature did not convert to JOSE form"));
        }
    }
    return input + "." + base64url_encode(sig);
}

}  // namespace tern::crypto
