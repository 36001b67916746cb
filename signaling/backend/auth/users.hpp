// Local users: the administrative operations ternctl runs (add, passwd, del, list, app
// passwords) and the check of a login (authenticate), over a Store. Every input is checked
// against user_name.hpp's rules before the store is touched.
//
// A login accepts the user's password (argon2id, password_hasher.hpp) or one of the user's app
// passwords (random 256-bit secrets stored as SHA-256, secret_token.hpp): an app password is
// looked up by its digest first, so bots and bridges that authenticate every request cost one
// SHA-256 and one indexed read, not an argon2 hash. A login for an unknown user computes an
// argon2 hash all the same, so the answer's timing does not tell which names exist; both
// failures are WrongPassword with the same message. After a successful password login a hash
// made with older parameters is replaced.
//
// Not thread-safe (one owner, like its Store). Borrowed store and hasher outlive this.
#pragma once

#include "signaling/backend/auth/auth_error.hpp"
#include "signaling/backend/auth/password_hasher.hpp"
#include "signaling/backend/store/store.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sig::backend {

/// An app password as it was made: `password` is shown once and never stored.
struct GeneratedAppPassword {
    AppPassword record;
    std::string password;
};

class Users {
public:
    Users(Store& store, const PasswordHasher& hasher) : store_(store), hasher_(hasher) {}

    AuthResult<User> add(std::string_view name, std::string_view display_name,
                         std::string_view password, int64_t now_s);
    /// Sets a new password and ends the user's login sessions.
    AuthResult<Done> set_password(std::string_view name, std::string_view password);
    /// Removes the user with its app passwords and sessions.
    AuthResult<Done> remove(std::string_view name);
    AuthResult<std::vector<User>> list();

    AuthResult<GeneratedAppPassword> add_app_password(std::string_view name, std::string_view label,
                                                      int64_t now_s);

    /// The user when `password` is theirs or one of their app passwords; WrongPassword else.
    AuthResult<User> authenticate(std::string_view name, std::string_view password, int64_t now_s);

private:
    AuthResult<User> existing(std::string_view name);
    /// Spends an argon2 hash's time for a login that cannot succeed.
    void waste_a_hash(std::string_view password);

    Store& store_;                  // borrowed
    const PasswordHasher& hasher_;  // borrowed
    std::string decoy_hash_;        // made at the first unknown-user login
};

}  // namespace tern::sig::backend
