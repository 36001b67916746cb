#include "signaling/backend/store/pg_store.hpp"

#include "signaling/backend/store/pg_schema.hpp"
#include "signaling/backend/store/pg_store_rows.hpp"

#include <utility>

namespace tern::sig::backend {

using namespace pg_rows;

namespace {

User user_from(const PgRows& r, int i) {
    return User{UserId{r.int64(i, 0)}, r.text(i, 1), r.text(i, 2), r.text(i, 3), r.int64(i, 4)};
}

AppPassword app_password_from(const PgRows& r, int i) {
    AppPassword p{r.int64(i, 0), UserId{r.int64(i, 1)}, r.text(i, 2),
                  r.text(i, 3),  r.int64(i, 4),         {}};
    if (!r.is_null(i, 5)) {
        p.last_used_s = r.int64(i, 5);
    }
    return p;
}

}  // namespace

StoreResult<std::unique_ptr<PgStore>> PgStore::open(const std::string& conninfo) {
    auto conn = PgConnection::connect(conninfo);
    if (!conn) {
        return unexpected(conn.error());
    }
    if (auto v = migrate_pg(**conn); !v) {
        return unexpected(v.error());
    }
    return std::unique_ptr<PgStore>(new PgStore(std::move(*conn)));
}

// Users

StoreResult<User> PgStore::add_user(const NewUser& user) {
    auto r = conn_->run("INSERT INTO users (name, display_name, password_hash, created_s) VALUES "
                        "($1, $2, $3, $4) RETURNING id",
                        PgParams()
                            .add(std::string_view(user.name))
                            .add(std::string_view(user.display_name))
                            .add(std::string_view(user.password_hash))
                            .add(user.created_s));
    if (!r) {
        return unexpected(with_message(r.error(), StoreErrorKind::Conflict,
                                       "a user named '" + user.name + "' exists"));
    }
    return User{UserId{r->int64(0, 0)}, user.name, user.display_name, user.password_hash,
                user.created_s};
}

StoreResult<User> PgStore::find_user(std::string_view name) {
    return first_row(conn_->run("SELECT id, name, display_name, password_hash, created_s FROM "
                                "users WHERE lower(name) = lower($1)",
                                PgParams().add(name)),
                     "no user named '" + std::string(name) + "'", user_from);
}

StoreResult<User> PgStore::user_by_id(UserId id) {
    return first_row(conn_->run("SELECT id, name, display_name, password_hash, created_s FROM "
                                "users WHERE id = $1",
                                PgParams().add(id.value)),
                     "no user with id " + std::to_string(id.value), user_from);
}

StoreResult<std::vector<User>> PgStore::list_users() {
    return every_row<User>(conn_->run("SELECT id, name, display_name, password_hash, created_s "
                                      "FROM users ORDER BY lower(name) COLLATE \"C\", id"),
                           user_from);
}

StoreResult<Done> PgStore::set_password_hash(UserId id, std::string_view hash) {
    return changed_one(conn_->run("UPDATE users SET password_hash = $2 WHERE id = $1",
                                  PgParams().add(id.value).add(hash)),
                       "no such user");
}

StoreResult<Done> PgStore::remove_user(UserId id) {
    return changed_one(conn_->run("DELETE FROM users WHERE id = $1", PgParams().add(id.value)),
                       "no such user");
}

// App passwords

StoreResult<AppPassword> PgStore::add_app_password(const NewAppPassword& password) {
    auto r = conn_->run("INSERT INTO app_passwords (user_id, label, hash, created_s) VALUES ($1, "
                        "$2, $3, $4) RETURNING id",
                        PgParams()
                            .add(password.user.value)
                            .add(std::string_view(password.label))
                            .add(std::string_view(password.hash))
                            .add(password.created_s));
    if (!r) {
        return unexpected(with_message(r.error(), StoreErrorKind::NotFound, "no such user"));
    }
    return AppPassword{r->int64(0, 0), password.user,      password.label,
                       password.hash,  password.created_s, {}};
}

StoreResult<AppPassword> PgStore::find_app_password(std::string_view hash) {
    return first_row(conn_->run("SELECT id, user_id, label, hash, created_s, last_used_s FROM "
                                "app_passwords WHERE hash = $1",
                                PgParams().add(hash)),
                     "no such app password", app_password_from);
}

StoreResult<std::vector<AppPassword>> PgStore::app_passwords(UserId user) {
    return every_row<AppPassword>(
        conn_->run("SELECT id, user_id, label, hash, created_s, last_used_s FROM app_passwords "
                   "WHERE user_id = $1 ORDER BY id",
                   PgParams().add(user.value)),
        app_password_from);
}

StoreResult<Done> PgStore::touch_app_password(int64_t id, int64_t now_s) {
    return changed_one(conn_->run("UPDATE app_passwords SET last_used_s = $2 WHERE id = $1",
                                  PgParams().add(id).add(now_s)),
                       "no such app password");
}

StoreResult<Done> PgStore::remove_app_password(int64_t id) {
    return changed_one(conn_->run("DELETE FROM app_passwords WHERE id = $1", PgParams().add(id)),
                       "no such app password");
}

// Login sessions

StoreResult<Done> PgStore::add_login_session(const LoginSession& session) {
    auto r = conn_->run("INSERT INTO login_sessions (token_hash, user_id, csrf_token, expires_s) "
                        "VALUES ($1, $2, $3, $4)",
                        PgParams()
                            .add(std::string_view(session.token_hash))
                            .add(session.user.value)
                            .add(std::string_view(session.csrf_token))
                            .add(session.expires_s));
    if (!r) {
        return unexpected(with_message(r.error(), StoreErrorKind::NotFound, "no such user"));
    }
    return Done{};
}

StoreResult<LoginSession> PgStore::find_login_session(std::string_view token_hash) {
    return first_row(
        conn_->run("SELECT token_hash, user_id, csrf_token, expires_s FROM "
                   "login_sessions WHERE token_hash = $1",
                   PgParams().add(token_hash)),
        "no such session", [](const PgRows& r, int i) {
            return LoginSession{r.text(i, 0), UserId{r.int64(i, 1)}, r.text(i, 2), r.int64(i, 3)};
        });
}

StoreResult<Done> PgStore::remove_login_session(std::string_view token_hash) {
    return changed_one(
        conn_->run("DELETE FROM login_sessions WHERE token_hash = $1", PgParams().add(token_hash)),
        "no such session");
}

StoreResult<uint64_t> PgStore::remove_user_sessions(UserId user) {
    return changed(
        conn_->run("DELETE FROM login_sessions WHERE user_id = $1", PgParams().add(user.value)));
}

StoreResult<uint64_t> PgStore::remove_expired_sessions(int64_t now_s) {
    return changed(
        conn_->run("DELETE FROM login_sessions WHERE expires_s <= $1", PgParams().add(now_s)));
}

StoreResult<int> PgStore::schema_version() {
    return pg_schema_version(*conn_);
}

}  // namespace tern::sig::backend
