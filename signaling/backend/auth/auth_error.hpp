// What a users, sessions or throttling operation returns when it fails: a kind the caller maps
// to a status (400, 401, 404, 409, 429, 500 once there are HTTP routes; an exit code in ternctl)
// and a message for people.
#pragma once

#include "common/result.hpp"
#include "signaling/backend/store/store_result.hpp"

#include <cstdint>
#include <string>

namespace tern::sig::backend {

enum class AuthErrorKind : uint8_t {
    InvalidInput,   // a name, display name, label or password outside the rules (user_name.hpp)
    UnknownUser,    // an administrative operation named no existing user
    Exists,         // the user name is taken
    WrongPassword,  // a login failed: unknown user or wrong password, deliberately alike
    NoSession,      // no such login session (or a malformed token)
    Expired,        // the login session is over (and is removed)
    Throttled,      // too many attempts: login_throttle.hpp
    Store,          // the database failed
};

struct AuthError {
    AuthErrorKind kind = AuthErrorKind::Store;
    std::string message;
};

template <class T>
using AuthResult = Result<T, AuthError>;

/// A StoreError as an AuthError: NotFound becomes UnknownUser, Conflict Exists, the rest Store.
AuthError auth_error_from(const StoreError& e);

}  // namespace tern::sig::backend
