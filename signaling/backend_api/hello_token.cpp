#include "signaling/backend_api/hello_token.hpp"

#include "common/crypto/jwt.hpp"
#include "signaling/api/json_members.hpp"

#include <cmath>
#include <optional>
#include <utility>

namespace tern::sig {

namespace {

namespace json = api::json;
using R = Result<HelloTokenUser, HelloTokenError>;

R refuse(api::ErrorCode code, std::string message) {
    return unexpected(HelloTokenError{code, std::move(message)});
}
R invalid(std::string message) {
    return refuse(api::ErrorCode::InvalidToken, std::move(message));
}

/// A NumericDate (RFC 7519 §2): any JSON number, fractions allowed. nullopt when absent;
/// `ok` false when present but not a usable number.
std::optional<double> numeric_date(const json::object& claims, std::string_view key, bool& ok) {
    json::element e;
    if (!json::member(claims, key, e)) {
        return std::nullopt;
    }
    double v = 0;
    if (e.get(v) != simdjson::SUCCESS || !std::isfinite(v)) {
        ok = false;
        return std::nullopt;
    }
    return v;
}

}  // namespace

Result<HelloTokenUser, HelloTokenError> verify_hello_token(std::string_view token, EVP_PKEY* key,
                                                           int64_t now_s) {
    auto jws = crypto::split_jws(token);
    if (!jws) {
        return invalid(jws.error());
    }
    thread_local simdjson::dom::parser parser;
    json::element doc;
    json::object header;
    if (parser.parse(jws->header).get(doc) != simdjson::SUCCESS ||
        doc.get(header) != simdjson::SUCCESS) {
        return invalid("token header is not a JSON object");
    }
    std::string alg_name;
    std::string error;
    if (!json::get_string(header, "alg", alg_name, error)) {
        return invalid("token header: " + error);
    }
    // "none" and HS* have no JwsAlg: a token can never pick a scheme the key does not dictate.
    const auto alg = crypto::jws_alg_from_name(alg_name);
    if (!alg) {
        return invalid("unsupported signing method \"" + alg_name + "\"");
    }
    if (!crypto::verify_jws(*alg, key, jws->signing_input, jws->signature)) {
        return invalid("bad token signature (or a key that does not suit " + alg_name + ")");
    }
    json::object claims;
    if (parser.parse(jws->payload).get(doc) != simdjson::SUCCESS ||
        doc.get(claims) != simdjson::SUCCESS) {
        return invalid("token claims are not a JSON object");
    }
    HelloTokenUser user;
    if (!json::get_string(claims, "sub", user.user_id, error)) {
        return invalid("token claims: " + error);
    }
    json::get_raw(claims, "userdata", user.user_data);

    bool ok = true;
    const auto iat = numeric_date(claims, "iat", ok);
    const auto exp = numeric_date(claims, "exp", ok);
    const auto nbf = numeric_date(claims, "nbf", ok);
    if (!ok) {
        return invalid("token time claims must be numbers");
    }
    const auto now = static_cast<double>(now_s);
    const auto leeway = static_cast<double>(kHelloTokenLeewayS);
    // Not-yet-valid wins over expired when both hold, as in the reference server.
    if (!iat || *iat > now + leeway) {
        return refuse(api::ErrorCode::TokenNotValidYet,
                      iat ? "token issued in the future" : "token has no iat");
    }
    if (nbf && *nbf > now + leeway) {
        return refuse(api::ErrorCode::TokenNotValidYet, "token not valid before its nbf");
    }
    if (!exp || *exp < now - leeway || *exp < *iat) {
        return refuse(api::ErrorCode::TokenExpired, exp ? "token expired" : "token has no exp");
    }
    return user;
}

Result<HelloTokenUser, HelloTokenError>
verify_hello_token(std::string_view token, std::string_view key_pem, int64_t now_s) {
    auto key = crypto::public_key_from_pem(key_pem);
    if (!key) {
        return invalid("backend's token key: " + key.error());
    }
    return verify_hello_token(token, key->get(), now_s);
}

}  // namespace tern::sig
