// JSON Web Tokens (RFC 7519) as the MCU proxy protocol uses them: a signaling server signs a
// token with its RSA private key (RS256, RS384 or RS512, RFC 7518 §3.3); `iss` names the key
// tern verifies it with, `iat` must be recent. Only RSA is accepted, never "none" or HMAC.
#pragma once

#include "common/base64url.hpp"
#include "common/result.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

using EVP_PKEY = struct evp_pkey_st;

namespace tern::cp {

/// RSA public keys by token id (the `iss` a signaling server puts in its tokens).
class TokenKeys {
public:
    TokenKeys() = default;
    ~TokenKeys();
    TokenKeys(const TokenKeys&) = delete;
    TokenKeys& operator=(const TokenKeys&) = delete;

    /// Adds a PEM public key (SubjectPublicKeyInfo, "-----BEGIN PUBLIC KEY-----").
    Result<bool, std::string> add_pem(const std::string& id, std::string_view pem);
    Result<bool, std::string> add_file(const std::string& id, const std::string& path);
    [[nodiscard]] EVP_PKEY* find(const std::string& id) const;
    [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }

private:
    std::map<std::string, EVP_PKEY*> keys_;
};

struct TokenClaims {
    std::string issuer;
    std::string subject;
    int64_t issued_at = 0;
};

/// Why a token was refused: the proxy protocol's error codes.
struct TokenError {
    std::string code;     // auth_failed, token_expired, token_not_valid_yet
    std::string message;  // for the log and the client
};

/// Verifies signature, algorithm and `iat` (at most `max_age` old, at most `leeway` ahead).
Result<TokenClaims, TokenError> verify_token(std::string_view token, const TokenKeys& keys,
                                             int64_t now_s, int64_t max_age_s = 300,
                                             int64_t leeway_s = 60);

/// Signs claims with an RSA private key in PEM (tests and tools; signaling servers do this).
Result<std::string, std::string> sign_token(const std::string& alg, std::string_view private_pem,
                                            const std::string& claims_json);

/// A new RSA key pair as PEM (private PKCS#8, public SubjectPublicKeyInfo): `ternctl proxy token`.
Result<std::pair<std::string, std::string>, std::string> generate_rsa_pem(int bits = 2048);

}  // namespace tern::cp
