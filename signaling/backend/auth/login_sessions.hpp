// Browser logins: a session token for the cookie and a CSRF token for the page, both random
// 256-bit secrets (secret_token.hpp). The store keeps the token's SHA-256 only, so a copy of the
// database opens no session; the CSRF token is kept as is, since it is only ever compared with
// what a page of that same session sends back.
//
// Sessions last `lifetime_s` from their creation (default 14 days); verify() refuses an expired
// one and removes it, expire() removes all that are over (run it now and then). A password
// change ends the user's sessions (users.hpp).
//
// Not thread-safe (one owner, like its Store). The borrowed store outlives this.
#pragma once

#include "signaling/backend/auth/auth_error.hpp"
#include "signaling/backend/store/store.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tern::sig::backend {

/// What the client receives when a session starts: the only time the token exists in plain.
struct NewLoginSession {
    std::string token;       // for the cookie (Secure, HttpOnly, SameSite=Lax)
    std::string csrf_token;  // for the page, echoed in a header on each change
    UserId user;
    int64_t expires_s = 0;
};

class LoginSessions {
public:
    static constexpr int64_t kDefaultLifetimeS = 14 * 24 * 3600;

    explicit LoginSessions(Store& store, int64_t lifetime_s = kDefaultLifetimeS)
        : store_(store), lifetime_s_(lifetime_s) {}

    AuthResult<NewLoginSession> create(UserId user, int64_t now_s);
    /// The session of `token`: NoSession when there is none (or the token is malformed),
    /// Expired when it is over.
    AuthResult<LoginSession> verify(std::string_view token, int64_t now_s);
    /// Whether `presented` is the session's CSRF token (compared in constant time).
    [[nodiscard]] static bool csrf_matches(const LoginSession& session,
                                           std::string_view presented) noexcept;
    /// Logout. NoSession when there is none.
    AuthResult<Done> end(std::string_view token);
    /// Removes every session that is over; returns how many.
    AuthResult<uint64_t> expire(int64_t now_s);

private:
    Store& store_;  // borrowed
    int64_t lifetime_s_;
};

}  // namespace tern::sig::backend
