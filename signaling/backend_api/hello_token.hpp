// Hello v2 tokens: the JWT Talk hands a client (auth.params.token), signed with the key its
// capabilities publish as config.signaling.hello-v2-token-key (capabilities.hpp). The signature
// layer is common/crypto/jwt.hpp; this file adds what the reference server checks on top
// (signaling-protocol.md §3.2): the algorithms, the time claims with 60 s of leeway, and which
// error code each refusal gets. `iss` is not checked, as upstream.
#pragma once

#include "common/result.hpp"
#include "signaling/api/client_request.hpp"
#include "signaling/api/error_code.hpp"

#include <cstdint>
#include <string>
#include <string_view>

using EVP_PKEY = struct evp_pkey_st;

namespace tern::sig {

inline constexpr int64_t kHelloTokenLeewayS = 60;

/// Who the token says the client is.
struct HelloTokenUser {
    std::string user_id;  // "sub"; "" when absent
    api::RawJson
        user_data;  // "userdata" as JSON text, e.g. {"displayname":"Alice"}; "" when absent
};

/// code: TokenNotValidYet (iat missing or ahead), TokenExpired (exp missing, past, or before
/// iat), InvalidToken (everything else: signature, algorithm, key, shape).
struct HelloTokenError {
    api::ErrorCode code = api::ErrorCode::InvalidToken;
    std::string message;  // for the log
};

/// Verifies with a parsed public key (borrowed); `now_s` is Unix time in seconds.
Result<HelloTokenUser, HelloTokenError> verify_hello_token(std::string_view token, EVP_PKEY* key,
                                                           int64_t now_s);

/// The same with the key as the capabilities give it (PEM, see BackendCapabilities).
Result<HelloTokenUser, HelloTokenError> verify_hello_token(std::string_view token,
                                                           std::string_view key_pem, int64_t now_s);

}  // namespace tern::sig
