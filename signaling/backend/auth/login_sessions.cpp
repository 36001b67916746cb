#include "signaling/backend/auth/login_sessions.hpp"

#include "signaling/backend/auth/secret_token.hpp"

namespace tern::sig::backend {

namespace {

AuthError no_session() {
    return AuthError{AuthErrorKind::NoSession, "no such login session"};
}

}  // namespace

AuthResult<NewLoginSession> LoginSessions::create(UserId user, int64_t now_s) {
    NewLoginSession s{random_secret_token(), random_secret_token(), user, now_s + lifetime_s_};
    auto r = store_.add_login_session(
        LoginSession{secret_digest(s.token), user, s.csrf_token, s.expires_s});
    if (!r) {
        return unexpected(auth_error_from(r.error()));
    }
    return s;
}

AuthResult<LoginSession> LoginSessions::verify(std::string_view token, int64_t now_s) {
    if (!looks_like_secret_token(token)) {
        return unexpected(no_session());
    }
    const std::string digest = secret_digest(token);
    auto s = store_.find_login_session(digest);
    if (!s) {
        if (s.error().kind == StoreErrorKind::NotFound) {
            return unexpected(no_session());
        }
        return unexpected(auth_error_from(s.error()));
    }
    if (s->expires_s <= now_s) {
        (void)store_.remove_login_session(digest);
        return unexpected(AuthError{AuthErrorKind::Expired, "the login session is over"});
    }
    return *s;
}

bool LoginSessions::csrf_matches(const LoginSession& session, std::string_view presented) noexcept {
    return !presented.empty() && equal_constant_time(session.csrf_token, presented);
}

AuthResult<Done> LoginSessions::end(std::string_view token) {
    if (!looks_like_secret_token(token)) {
        return unexpected(no_session());
    }
    if (auto r = store_.remove_login_session(secret_digest(token)); !r) {
        if (r.error().kind == StoreErrorKind::NotFound) {
            return unexpected(no_session());
        }
        return unexpected(auth_error_from(r.error()));
    }
    return Done{};
}

AuthResult<uint64_t> LoginSessions::expire(int64_t now_s) {
    auto n = store_.remove_expired_sessions(now_s);
    if (!n) {
        return unexpected(auth_error_from(n.error()));
    }
    return *n;
}

}  // namespace tern::sig::backend
