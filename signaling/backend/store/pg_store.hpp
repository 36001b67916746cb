// The Store on a PostgreSQL database, for several tern-signaling nodes sharing one database.
// Opening migrates the database to this binary's schema or refuses it (TooNew); pg_schema.hpp.
// Each operation is one statement (autocommit), durable when it returns (pg_connection.hpp).
#pragma once

#include "signaling/backend/store/pg_connection.hpp"
#include "signaling/backend/store/store.hpp"

#include <memory>
#include <string>

namespace tern::sig::backend {

class PgStore final : public Store {
public:
    /// `conninfo`: a libpq connection string or postgresql:// URI.
    static StoreResult<std::unique_ptr<PgStore>> open(const std::string& conninfo);

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
    explicit PgStore(std::unique_ptr<PgConnection> conn) : conn_(std::move(conn)) {}

    std::unique_ptr<PgConnection> conn_;  // owned
};

}  // namespace tern::sig::backend
