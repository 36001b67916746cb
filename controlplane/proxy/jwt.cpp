#include "controlplane/proxy/jwt.hpp"

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <fstream>
#include <sstream>

namespace tern::cp {

namespace {


const EVP_MD* digest_for(std::string_view alg) {
    if (alg == "RS256") return EVP_sha256();
    if (alg == "RS384") return EVP_sha384();
    if (alg == "RS512") return EVP_sha512();
    return nullptr;
}

std::string openssl_error(const char* what) {
    std::string s = what;
    if (unsigned long e = ERR_get_error(); e != 0) {
        std::array<char, 256> buf{};
        ERR_error_string_n(e, buf.data(), buf.size());
        s += ": ";
        s += buf.data();
    }
    ERR_clear_error();
    return s;
}

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

TokenKeys::~TokenKeys() {
    for (auto& [id, k] : keys_) {
        EVP_PKEY_free(k);
    }
}

Result<bool, std::string> TokenKeys::add_pem(const std::string& id, std::string_view pem) {
    using R = Result<bool, std::string>;
    std::unique_ptr<BIO, BioFree> bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
    EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (k == nullptr) {
        return R{unexpected(openssl_error(("token key '" + id + "' is not a PEM public key").c_str()))};
    }
    if (EVP_PKEY_base_id(k) != EVP_PKEY_RSA) {
        EVP_PKEY_free(k);
        return R{unexpected("token key '" + id + "' is not RSA (the proxy protocol signs with RS256/384/512)")};
    }
    if (auto it = keys_.find(id); it != keys_.end()) {
        EVP_PKEY_free(it->second);
    }
    keys_[id] = k;
    return R{true};
}

Result<bool, std::string> TokenKeys::add_file(const std::string& id, const std::string& path) {
    std::ifstream f(path);
    if (!f) {
        return Result<bool, std::string>{unexpected("cannot read token key '" + id + "' from " + path)};
    }
    std::stringstream s;
    s << f.rdbuf();
    return add_pem(id, s.str());
}

EVP_PKEY* TokenKeys::find(const std::string& id) const {
    auto it = keys_.find(id);
    return it == keys_.end() ? nullptr : it->second;
}

Result<TokenClaims, TokenError> verify_token(std::string_view token, const TokenKeys& keys, int64_t now_s,
                                             int64_t max_age_s, int64_t leeway_s) {
    using R = Result<TokenClaims, TokenError>;
    auto refuse = [](std::string code, std::string msg) { return R{unexpected(TokenError{std::move(code), std::move(msg)})}; };
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos || token.size() > 16384) {
        return refuse("auth_failed", "not a JWS compact token");
    }
    auto header_raw = base64url_decode(token.substr(0, dot1));
    auto claims_raw = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    auto sig = base64url_decode(token.substr(dot2 + 1));
    if (!header_raw || !claims_raw || !sig) {
        return refuse("auth_failed", "token is not base64url");
    }
    const auto header = nlohmann::json::parse(*header_raw, nullptr, false);
    const auto claims = nlohmann::json::parse(*claims_raw, nullptr, false);
    if (!header.is_object() || !claims.is_object()) {
        return refuse("auth_failed", "token header or claims are not JSON objects");
    }
    const std::string alg = header.value("alg", "");
    const EVP_MD* md = digest_for(alg);
    if (md == nullptr) {
        return refuse("auth_failed", "unsupported signing method '" + alg + "'");
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
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx{EVP_MD_CTX_new()};
    const std::string_view signed_part = token.substr(0, dot2);
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1 ||
        EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                         reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) != 1) {
        ERR_clear_error();
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
        return refuse("token_expired", "token issued more than " + std::to_string(max_age_s) + " s ago");
    }
    if (claims.contains("exp") && claims["exp"].is_number() && claims["exp"].get<int64_t>() < now_s - leeway_s) {
        return refuse("token_expired", "token past its exp");
    }
    return R{std::move(c)};
}

Result<std::string, std::string> sign_token(const std::string& alg, std::string_view private_pem,
                                            const std::string& claims_json) {
    using R = Result<std::string, std::string>;
    const EVP_MD* md = digest_for(alg);
    if (md == nullptr) {
        return R{unexpected("unsupported alg " + alg)};
    }
    std::unique_ptr<BIO, BioFree> bio{BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size()))};
    std::unique_ptr<EVP_PKEY, PkeyFree> key{PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)};
    if (!key) {
        return R{unexpected(openssl_error("not a PEM private key"))};
    }
    const std::string input = base64url_encode(R"({"alg":")" + alg + R"(","typ":"JWT"})") + "." + base64url_encode(claims_json);
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx{EVP_MD_CTX_new()};
    std::size_t len = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
        return R{unexpected(openssl_error("signing failed"))};
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
        return R{unexpected(openssl_error("signing failed"))};
    }
    sig.resize(len);
    return R{input + "." + base64url_encode(sig)};
}

Result<std::pair<std::string, std::string>, std::string> generate_rsa_pem(int bits) {
    using R = Result<std::pair<std::string, std::string>, std::string>;
    std::unique_ptr<EVP_PKEY, PkeyFree> key{EVP_RSA_gen(static_cast<unsigned>(bits))};
    if (!key) {
        return R{unexpected(openssl_error("RSA key generation failed"))};
    }
    auto pem = [](auto write) {
        std::unique_ptr<BIO, BioFree> b{BIO_new(BIO_s_mem())};
        write(b.get());
        char* data = nullptr;
        const long n = BIO_get_mem_data(b.get(), &data);
        return std::string(data, static_cast<std::size_t>(n));
    };
    std::string priv = pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
    std::string pub = pem([&](BIO* b) { PEM_write_bio_PUBKEY(b, key.get()); });
    return R{std::make_pair(std::move(priv), std::move(pub))};
}

}  // namespace tern::cp
