#include "signaling/backend/auth/users.hpp"

#include "common/log.hpp"
#include "signaling/backend/auth/secret_token.hpp"
#include "signaling/backend/auth/user_name.hpp"

namespace tern::sig::backend {

namespace {

const Logger& users_log() {
    static const Logger logger("backend.users");
    return logger;
}

AuthError invalid(std::string message) {
    return AuthError{AuthErrorKind::InvalidInput, std::move(message)};
}

AuthError wrong_password() {
    return AuthError{AuthErrorKind::WrongPassword, "wrong user name or password"};
}

}  // namespace

AuthResult<User> Users::existing(std::string_view name) {
    if (auto p = user_name_problem(name)) {
        return unexpected(invalid(*p));
    }
    auto u = store_.find_user(name);
    if (!u) {
        return unexpected(auth_error_from(u.error()));
    }
    return *u;
}

AuthResult<User> Users::add(std::string_view name, std::string_view display_name,
                            std::string_view password, int64_t now_s) {
    if (auto p = user_name_problem(name)) {
        return unexpected(invalid(*p));
    }
    if (auto p = display_name_problem(display_name)) {
        return unexpected(invalid(*p));
    }
    if (auto p = password_problem(password)) {
        return unexpected(invalid(*p));
    }
    auto u = store_.add_user(
        NewUser{std::string(name), std::string(display_name), hasher_.hash(password), now_s});
    if (!u) {
        return unexpected(auth_error_from(u.error()));
    }
    return *u;
}

AuthResult<Done> Users::set_password(std::string_view name, std::string_view password) {
    if (auto p = password_problem(password)) {
        return unexpected(invalid(*p));
    }
    auto u = existing(name);
    if (!u) {
        return unexpected(u.error());
    }
    if (auto r = store_.set_password_hash(u->id, hasher_.hash(password)); !r) {
        return unexpected(auth_error_from(r.error()));
    }
    // Whoever was logged in with the old password is logged out.
    if (auto r = store_.remove_user_sessions(u->id); !r) {
        return unexpected(auth_error_from(r.error()));
    }
    return Done{};
}

AuthResult<Done> Users::remove(std::string_view name) {
    auto u = existing(name);
    if (!u) {
        return unexpected(u.error());
    }
    if (auto r = store_.remove_user(u->id); !r) {
        return unexpected(auth_error_from(r.error()));
    }
    return Done{};
}

AuthResult<std::vector<User>> Users::list() {
    auto l = store_.list_users();
    if (!l) {
        return unexpected(auth_error_from(l.error()));
    }
    return std::move(*l);
}

AuthResult<GeneratedAppPassword> Users::add_app_password(std::string_view name,
                                                         std::string_view label, int64_t now_s) {
    if (auto p = label_problem(label)) {
        return unexpected(invalid(*p));
    }
    auto u = existing(name);
    if (!u) {
        return unexpected(u.error());
    }
    std::string password = random_secret_token();
    auto a = store_.add_app_password(
        NewAppPassword{u->id, std::string(label), secret_digest(password), now_s});
    if (!a) {
        return unexpected(auth_error_from(a.error()));
    }
    return GeneratedAppPassword{std::move(*a), std::move(password)};
}

void Users::waste_a_hash(std::string_view password) {
    if (decoy_hash_.empty()) {
        decoy_hash_ = hasher_.hash("tern: no such user");
    }
    (void)hasher_.verify(decoy_hash_, password);
}

AuthResult<User> Users::authenticate(std::string_view name, std::string_view password,
                                     int64_t now_s) {
    if (user_name_problem(name) || password.empty() || password.size() > kMaxPasswordLen) {
        return unexpected(wrong_password());
    }
    auto u = store_.find_user(name);
    if (!u) {
        if (u.error().kind != StoreErrorKind::NotFound) {
            return unexpected(auth_error_from(u.error()));
        }
        waste_a_hash(password);
        return unexpected(wrong_password());
    }
    if (looks_like_secret_token(password)) {
        auto a = store_.find_app_password(secret_digest(password));
        if (a && a->user == u->id) {
            if (auto t = store_.touch_app_password(a->id, now_s); !t) {
                users_log().warn("cannot record an app password's use",
                                 {{"user", u->name}, {"err", t.error().message}});
            }
            return *u;
        }
        if (!a && a.error().kind != StoreErrorKind::NotFound) {
            return unexpected(auth_error_from(a.error()));
        }
    }
    if (!hasher_.verify(u->password_hash, password)) {
        return unexpected(wrong_password());
    }
    if (hasher_.needs_rehash(u->password_hash)) {
        std::string fresh = hasher_.hash(password);
        if (auto r = store_.set_password_hash(u->id, fresh); r) {
            u->password_hash = std::move(fresh);
        } else {
            // The login stands; the next one tries again.
            users_log().warn("cannot store a rehashed password",
                             {{"user", u->name}, {"err", r.error().message}});
        }
    }
    return *u;
}

}  // namespace tern::sig::backend
