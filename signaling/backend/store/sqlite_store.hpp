// The Store on one SQLite file (the default: one signaling node). Settings and their reasons are
// in sqlite_db.hpp; the schema and its migrations in sqlite_schema.hpp. Opening migrates the
// file to this binary's schema or refuses it (TooNew). Every write is one statement or one
// transaction, committed with synchronous=FULL before the call returns.
#pragma once

#include "signaling/backend/store/sqlite_db.hpp"
#include "signaling/backend/store/store.hpp"

#include <memory>
#include <string>

namespace tern::sig::backend {

class SqliteStore final : public Store {
public:
    static StoreResult<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                          const SqliteOptions& options = {});

    StoreResult<User> add_user(const NewUser& user) override;
    StoreResult<User> find_user(std::string_view name) override;
    StoreResult<User> user_by_id(UserId id) override;
    StoreResult<std::vector<User>> list_users() override;
    StoreResult<Done> set_password_hash(UserId id, std::string_view hash) override;
    StoreResult<Done> remove_user(UserId id) override;

    StoreResult<AppPassword> add_app_password(const NewAppPassword& password) override;
    StoreResult<AppPassword> find_app_password(std::string_view hash) override;
    StoreResult<std::vector<AppPassword>> app_passwords(UserId user) override;
    StoreResult<Done> touch_app_password(int64_t id, int64_t now_s) override;
    StoreResult<Done> remove_app_password(int64_t id) override;

    StoreResult<Done> add_login_session(const LoginSession& session) override;
    StoreResult<LoginSession> find_login_session(std::string_view token_hash) override;
    StoreResult<Done> remove_login_session(std::string_view token_hash) override;
    StoreResult<uint64_t> remove_user_sessions(UserId user) override;
    StoreResult<uint64_t> remove_expired_sessions(int64_t now_s) override;

    StoreResult<int> schema_version() override;

private:
    explicit SqliteStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

    /// Runs a statement that must change exactly one row; NotFound when it changed none.
    StoreResult<Done> change_one(StoreResult<SqliteQuery> q, const char* what);

    std::unique_ptr<SqliteDb> db_;  // owned
};

}  // namespace tern::sig::backend
