// JSON Web Signatures in compact form (RFC 7515 §7.1) with the asymmetric algorithms of RFC 7518
// §3.3/§3.4 and RFC 8037 (EdDSA with Ed25519): the signature layer of every JWT tern reads, the
// MCU proxy protocol's (RS*) and Talk's hello v2 tokens (ES256 and the rest). What a token's
// header and claims say is JSON, read by each caller with its own parser; this file only splits,
// decodes, signs and verifies. "none" and HMAC algorithms have no JwsAlg, so they never verify.
#pragma once

#include "common/result.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

using EVP_PKEY = struct evp_pkey_st;

namespace tern::crypto {

enum class JwsAlg : uint8_t { RS256, RS384, RS512, ES256, ES384, ES512, EdDSA };

std::optional<JwsAlg> jws_alg_from_name(std::string_view name) noexcept;
std::string_view jws_alg_name(JwsAlg alg) noexcept;

struct PkeyFree {
    void operator()(EVP_PKEY* k) const noexcept;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

/// A SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"): RSA, EC or Ed25519.
Result<PkeyPtr, std::string> public_key_from_pem(std::string_view pem);
/// A private key PEM (PKCS#8 or the traditional forms).
Result<PkeyPtr, std::string> private_key_from_pem(std::string_view pem);
/// A new key pair for `alg` as PEM (private PKCS#8, public SubjectPublicKeyInfo); RSA keys have
/// `rsa_bits`. For tests and tools.
Result<std::pair<std::string, std::string>, std::string> generate_key_pem(JwsAlg alg,
                                                                          int rsa_bits = 2048);

/// A compact JWS, decoded. The views point into the token given to split_jws.
struct Jws {
    std::string header;              // JSON text of the protected header
    std::string payload;             // JSON text of the claims
    std::string signature;           // raw bytes (JOSE form: r||s for ECDSA)
    std::string_view signing_input;  // "<header b64>.<payload b64>", what the signature covers
};

inline constexpr std::size_t kMaxJwsSize = 16 * 1024;

/// Three base64url parts separated by dots, at most kMaxJwsSize bytes.
Result<Jws, std::string> split_jws(std::string_view token);

/// True when `signature` is a valid `alg` signature of `signing_input` by `key`, and `key` is of
/// the kind `alg` names (an RSA key never verifies an ES256 token; ESxxx needs its own curve).
bool verify_jws(JwsAlg alg, EVP_PKEY* key, std::string_view signing_input,
                std::string_view signature);

/// A compact token {"alg":…,"typ":"JWT"}.<payload>.<signature>; the key must suit `alg`.
Result<std::string, std::string> sign_jws(JwsAlg alg, EVP_PKEY* key, std::string_view payload_json);

}  // namespace tern::crypto
