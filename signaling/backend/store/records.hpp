// The rows of the embedded backend's store as plain values. Times are Unix seconds (UTC), the
// unit both SQLite and PostgreSQL keep without conversion. Secrets never appear in plain text
// here: passwords as argon2id strings, app passwords and session tokens as SHA-256 digests.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

namespace tern::sig::backend {

/// A user's row id: stable for the user's life and never given to another user after it is
/// removed (SQLite's AUTOINCREMENT, a PostgreSQL identity), so a stale reference can never
/// point at someone else.
struct UserId {
    int64_t value = 0;
    auto operator<=>(const UserId&) const = default;
};

struct User {
    UserId id;
    std::string name;           // unique, compared without regard to ASCII case
    std::string display_name;   // shown to others; may be empty (clients then show the name)
    std::string password_hash;  // argon2id, PHC string form ("$argon2id$v=19$m=...")
    int64_t created_s = 0;
};

struct NewUser {
    std::string name;
    std::string display_name;
    std::string password_hash;
    int64_t created_s = 0;
};

/// A password for a bot or a bridge (Matterbridge, scripts): one user may hold several, each
/// with a label, each revocable on its own.
struct AppPassword {
    int64_t id = 0;
    UserId user;
    std::string label;
    std::string hash;  // hex SHA-256 of the generated password (secret_token.hpp says why)
    int64_t created_s = 0;
    std::optional<int64_t> last_used_s;
};

struct NewAppPassword {
    UserId user;
    std::string label;
    std::string hash;
    int64_t created_s = 0;
};

/// A browser's login: the cookie holds the token, the store only its digest.
struct LoginSession {
    std::string token_hash;  // hex SHA-256 of the session token
    UserId user;
    std::string csrf_token;  // sent back by the page with every state-changing request
    int64_t expires_s = 0;
};

}  // namespace tern::sig::backend
