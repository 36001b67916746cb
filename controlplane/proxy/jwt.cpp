#include "controlplane/proxy/jwt.hpp"

#include "common/crypto/jwt.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tern::cp {

namespace {

/// The proxy protocol signs with RSA only (RS256/384/512); the JWS layer knows more.
std::optional<crypto::JwsAlg> rsa_alg(std::string_view name) {
    auto alg = crypto::jws_alg_from_name(name);
    if (alg == crypto::JwsAlg::RS256 || alg == crypto::JwsAlg::RS384 ||
        alg == crypto::JwsAlg::RS512) {
        return alg;
    }
    return std::nullopt;
}

}  // namespace

TokenKeys::~TokenKeys() {
    for (auto& [id, k] : keys_) {
        EVP_PKEY_free(k);
    }
}

Result<bool, std::string> TokenKeys::add_pem(const std::string& id, std::string_view pem) {
    using R = Result<bool, std::string>;
    auto k = crypto::public_key_from_pem(pem);
    if (!k) {
        return R{unexpected("token key '" + id + "' is not a PEM public key: " + k.error())};
    }
    if (EVP_PKEY_base_id(k->get()) != EVP_PKEY_RSA) {
        return R{unexpected("token key '" + id +
                            "' is not RSA (the proxy protocol signs with RS256/384/512)")};
    }
    if (auto it = keys_.find(id); it != keys_.end()) {
        EVP_PKEY_free(it->second);
    }
    keys_[id] = k->release();
    return R{true};
}

Result<bool, std::string> TokenKeys::add_file(const std::string& id, const std::string& path) {
    std::ifstream f(path);
    if (!f) {
        return Result<bool, std::string>{
            unexpected("cannot read token key '" + id + "' from " + path)};
    }
    std::stringstream s;
    s << f.rdbuf();
    return add_pem(id, s.str());
}

EVP_PKEY* TokenKeys::find(const std::string& id) const {
    auto it = keys_.find(id);
    return it == keys_.end() ? nullptr : it->second;
}

Result<TokenClaims, TokenError> verify_token(std::string_view token, const TokenKeys& keys,
                                             int64_t now_s, int64_t max_age_s, int64_t leeway_s) {
    using R = Result<TokenClaims, TokenError>;
    auto refuse = [](std::string code, std::string msg) {
        return R{unexpected(TokenError{std::move(code), std::move(msg)})};
    };
    auto jws = crypto::split_jws(token);
    if (!jws) {
        return refuse("auth_failed", jws.error());
    }
    const auto header = nlohmann::json::parse(jws->header, nullptr, false);
    const auto claims = nlohmann::json::parse(jws->payload, nullptr, false);
    if (!header.is_object() || !claims.is_object()) {
        return refuse("auth_failed", "token header or claims are not JSON objects");
    }
    const std::string alg_name =
        header.contains("alg") && header["alg"].is_string() ? header["alg"].get<std::string>() : "";
    const auto alg = rsa_alg(alg_name);
    if (!alg) {
        return refuse("auth_failed", "unsupported signing method '" + alg_name + "'");
    }
    TokenClaims c;
    if (claims.contains("iss") && claims["iss"].is_string()) {
        c.issuer = claims["iss"].get<std::string>();
    }
    if (claims.contains("sub") && claims["sub"].is_string()) {
        c.subject = claims["sub"].get<std::string>();
    }
    EVP_PKEY* key = keys.find(c.issuer);
    if (key == nullptr) {
        return refuse("auth_failed", "no key for issuer '" + c.issuer + "'");
    }
    if (!crypto::verify_jws(*alg, key, jws->signing_input, jws->signature)) {
        return refuse("auth_failed", "bad token signature");
    }
    if (!claims.contains("iat") || !claims["iat"].is_number()) {
        return refuse("auth_failed", "token has no iat");
    }
    c.issued_at = claims["iat"].get<int64_t>();
    if (c.issued_at > now_s + leeway_s) {
        return refuse("token_not_valid_yet", "token issued in the future");
    }
    if (c.issued_at < now_s - max_age_s - leeway_s) {
        return refuse("token_expired",
                      "token issued more than " + std::to_string(max_age_s) + " s ago");
    }
    if (claims.contains("exp") && claims["exp"].is_number() &&
        claims["exp"].get<int64_t>() < now_s - leeway_s) {
        return refuse("token_expired", "token past its exp");
    }
    return R{std::move(c)};
}

Result<std::string, std::string> sign_token(const std::string& alg, std::string_view private_pem,
                                            const std::string& claims_json) {
    using R = Result<std::string, std::string>;
    const auto a = rsa_alg(alg);
    if (!a) {
        return R{unexpected("unsupported alg " + alg)};
    }
    auto key = crypto::private_key_from_pem(private_pem);
    if (!key) {
        return R{unexpected(key.error())};
    }
    return crypto::sign_jws(*a, key->get(), claims_json);
}

Result<std::pair<std::string, std::string>, std::string> generate_rsa_pem(int bits) {
    return crypto::generate_key_pem(crypto::JwsAlg::RS256, bits);
}

}  // namespace tern::cp
