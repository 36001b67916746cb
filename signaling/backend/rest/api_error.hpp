// A failed REST call as the client sees it: Talk's HTTP status and a message for people. The
// domain's errors (TalkError from rooms and chat, AuthError from users and logins) become one
// here, with Talk's codes (talk_error.hpp), and the envelope (ocs_envelope.hpp) writes it; no
// handler picks a status of its own for a domain failure.
#pragma once

#include "common/result.hpp"
#include "signaling/backend/auth/auth_error.hpp"
#include "signaling/backend/rooms/talk_error.hpp"

#include <string>

namespace tern::sig::backend::rest {

struct ApiError {
    int status = 500;
    std::string message;
};

template <class T>
using ApiResult = Result<T, ApiError>;

ApiError api_error(const TalkError& e);
/// Login failures are 401, throttling 429, bad input 400, a missing user 404, a taken name 409,
/// the store 500.
ApiError api_error(const AuthError& e);
ApiError api_error(const StoreError& e);
inline ApiError bad_request(std::string message) {
    return ApiError{400, std::move(message)};
}

}  // namespace tern::sig::backend::rest
