// The embedded backend's storage, as typed operations: no SQL outside the implementations.
// SqliteStore (sqlite_store.hpp) is the default; a PostgreSQL store for several signaling nodes
// sharing one database implements the same interface and runs the same test suite
// (store_test.cpp over store_factories_test_support.hpp).
//
// Contract for every implementation:
// - An operation that returned successfully is durable: it survives a kill -9 of the process
//   (and, with the database's own guarantees, a power cut) right after the return.
// - Each operation is atomic on its own; nothing is left half-done by a failure.
// - Not thread-safe: one owner thread per Store object. Several objects (threads, processes,
//   nodes) may share one database; writers wait for each other up to a busy timeout.
// - Names compare without regard to ASCII case ("Alice" and "alice" are one user).
#pragma once

#include "signaling/backend/store/records.hpp"
#include "signaling/backend/store/store_result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sig::backend {

class Store {
public:
    Store() = default;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;
    virtual ~Store() = default;

    // Users.
    /// Conflict when the name is taken.
    virtual StoreResult<User> add_user(const NewUser& user) = 0;
    virtual StoreResult<User> find_user(std::string_view name) = 0;
    virtual StoreResult<User> user_by_id(UserId id) = 0;
    /// Every user, by name.
    virtual StoreResult<std::vector<User>> list_users() = 0;
    virtual StoreResult<Done> set_password_hash(UserId id, std::string_view hash) = 0;
    /// Removes the user with its app passwords and login sessions.
    virtual StoreResult<Done> remove_user(UserId id) = 0;

    // App passwords.
    virtual StoreResult<AppPassword> add_app_password(const NewAppPassword& password) = 0;
    /// The app password whose digest is `hash` (digests of 256-bit secrets do not collide).
    virtual StoreResult<AppPassword> find_app_password(std::string_view hash) = 0;
    /// A user's app passwords, oldest first.
    virtual StoreResult<std::vector<AppPassword>> app_passwords(UserId user) = 0;
    virtual StoreResult<Done> touch_app_password(int64_t id, int64_t now_s) = 0;
    virtual StoreResult<Done> remove_app_password(int64_t id) = 0;

    // Login sessions.
    /// Conflict when the token digest exists (a broken random source, never by chance).
    virtual StoreResult<Done> add_login_session(const LoginSession& session) = 0;
    virtual StoreResult<LoginSession> find_login_session(std::string_view token_hash) = 0;
    virtual StoreResult<Done> remove_login_session(std::string_view token_hash) = 0;
    /// Ends every session of `user` (after a password change); returns how many there were.
    virtual StoreResult<uint64_t> remove_user_sessions(UserId user) = 0;
    /// Removes sessions with expires_s <= now_s; returns how many.
    virtual StoreResult<uint64_t> remove_expired_sessions(int64_t now_s) = 0;

    /// The schema version the database is at (after the migrations at open).
    virtual StoreResult<int> schema_version() = 0;
};

}  // namespace tern::sig::backend
