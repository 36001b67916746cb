#include "signaling/backend/store/sqlite_store.hpp"

#include "signaling/backend/store/sqlite_schema.hpp"
#include "signaling/backend/store/sqlite_store_rows.hpp"

#include <utility>

namespace tern::sig::backend {

using namespace sqlite_rows;

namespace {

User user_from(const SqliteQuery& q) {
    return User{UserId{q.int64(0)}, q.text(1), q.text(2), q.text(3), q.int64(4)};
}

AppPassword app_password_from(const SqliteQuery& q) {
    AppPassword p{q.int64(0), UserId{q.int64(1)}, q.text(2), q.text(3), q.int64(4), {}};
    if (!q.is_null(5)) {
        p.last_used_s = q.int64(5);
    }
    return p;
}

}  // namespace

StoreResult<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                            const SqliteOptions& options) {
    auto db = SqliteDb::open(path, options);
    if (!db) {
        return unexpected(db.error());
    }
    if (auto v = migrate_sqlite(**db); !v) {
        return unexpected(v.error());
    }
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(*db)));
}

// Users

StoreResult<User> SqliteStore::add_user(const NewUser& user) {
    auto q = db_->query("INSERT INTO users (name, display_name, password_hash, created_s) "
                        "VALUES (?1, ?2, ?3, ?4)");
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, std::string_view(user.name))
        .bind(2, std::string_view(user.display_name))
        .bind(3, std::string_view(user.password_hash))
        .bind(4, user.created_s);
    if (auto r = q->run(); !r) {
        StoreError e = r.error();
        if (e.kind == StoreErrorKind::Conflict) {
            e.message = "a user named '" + user.name + "' exists";
        }
        return unexpected(e);
    }
    return User{UserId{db_->last_insert_rowid()}, user.name, user.display_name, user.password_hash,
                user.created_s};
}

StoreResult<User> SqliteStore::find_user(std::string_view name) {
    auto q = db_->query(
        "SELECT id, name, display_name, password_hash, created_s FROM users WHERE name = ?1");
    if (q) {
        q->bind(1, name);
    }
    return one_row(std::move(q), "no user named '" + std::string(name) + "'", user_from);
}

StoreResult<User> SqliteStore::user_by_id(UserId id) {
    auto q = db_->query(
        "SELECT id, name, display_name, password_hash, created_s FROM users WHERE id = ?1");
    if (q) {
        q->bind(1, id.value);
    }
    return one_row(std::move(q), "no user with id " + std::to_string(id.value), user_from);
}

StoreResult<std::vector<User>> SqliteStore::list_users() {
    return all_rows<User>(db_->query("SELECT id, name, display_name, password_hash, created_s "
                                     "FROM users ORDER BY name, id"),
                          user_from);
}

StoreResult<Done> SqliteStore::set_password_hash(UserId id, std::string_view hash) {
    auto q = db_->query("UPDATE users SET password_hash = ?2 WHERE id = ?1");
    if (q) {
        q->bind(1, id.value).bind(2, hash);
    }
    return change_one(*db_, std::move(q), "no such user");
}

StoreResult<Done> SqliteStore::remove_user(UserId id) {
    auto q = db_->query("DELETE FROM users WHERE id = ?1");
    if (q) {
        q->bind(1, id.value);
    }
    return change_one(*db_, std::move(q), "no such user");
}

// App passwords

StoreResult<AppPassword> SqliteStore::add_app_password(const NewAppPassword& password) {
    auto q = db_->query(
        "INSERT INTO app_passwords (user_id, label, hash, created_s) VALUES (?1, ?2, ?3, ?4)");
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, password.user.value)
        .bind(2, std::string_view(password.label))
        .bind(3, std::string_view(password.hash))
        .bind(4, password.created_s);
    if (auto r = q->run(); !r) {
        StoreError e = r.error();
        if (e.kind == StoreErrorKind::NotFound) {
            e.message = "no such user";
        }
        return unexpected(e);
    }
    return AppPassword{db_->last_insert_rowid(), password.user,
                       password.label,           password.hash,
                       password.created_s,       {}};
}

StoreResult<AppPassword> SqliteStore::find_app_password(std::string_view hash) {
    auto q = db_->query("SELECT id, user_id, label, hash, created_s, last_used_s FROM "
                        "app_passwords WHERE hash = ?1");
    if (q) {
        q->bind(1, hash);
    }
    return one_row(std::move(q), "no such app password", app_password_from);
}

StoreResult<std::vector<AppPassword>> SqliteStore::app_passwords(UserId user) {
    auto q = db_->query("SELECT id, user_id, label, hash, created_s, last_used_s FROM "
                        "app_passwords WHERE user_id = ?1 ORDER BY id");
    if (q) {
        q->bind(1, user.value);
    }
    return all_rows<AppPassword>(std::move(q), app_password_from);
}

StoreResult<Done> SqliteStore::touch_app_password(int64_t id, int64_t now_s) {
    auto q = db_->query("UPDATE app_passwords SET last_used_s = ?2 WHERE id = ?1");
    if (q) {
        q->bind(1, id).bind(2, now_s);
    }
    return change_one(*db_, std::move(q), "no such app password");
}

StoreResult<Done> SqliteStore::remove_app_password(int64_t id) {
    auto q = db_->query("DELETE FROM app_passwords WHERE id = ?1");
    if (q) {
        q->bind(1, id);
    }
    return change_one(*db_, std::move(q), "no such app password");
}

// Login sessions

StoreResult<Done> SqliteStore::add_login_session(const LoginSession& session) {
    auto q = db_->query("INSERT INTO login_sessions (token_hash, user_id, csrf_token, expires_s) "
                        "VALUES (?1, ?2, ?3, ?4)");
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, std::string_view(session.token_hash))
        .bind(2, session.user.value)
        .bind(3, std::string_view(session.csrf_token))
        .bind(4, session.expires_s);
    if (auto r = q->run(); !r) {
        StoreError e = r.error();
        if (e.kind == StoreErrorKind::NotFound) {
            e.message = "no such user";
        }
        return unexpected(e);
    }
    return Done{};
}

StoreResult<LoginSession> SqliteStore::find_login_session(std::string_view token_hash) {
    auto q = db_->query("SELECT token_hash, user_id, csrf_token, expires_s FROM login_sessions "
                        "WHERE token_hash = ?1");
    if (q) {
        q->bind(1, token_hash);
    }
    return one_row(std::move(q), "no such session", [](const SqliteQuery& r) {
        return LoginSession{r.text(0), UserId{r.int64(1)}, r.text(2), r.int64(3)};
    });
}

StoreResult<Done> SqliteStore::remove_login_session(std::string_view token_hash) {
    auto q = db_->query("DELETE FROM login_sessions WHERE token_hash = ?1");
    if (q) {
        q->bind(1, token_hash);
    }
    return change_one(*db_, std::move(q), "no such session");
}

StoreResult<uint64_t> SqliteStore::remove_user_sessions(UserId user) {
    auto q = db_->query("DELETE FROM login_sessions WHERE user_id = ?1");
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, user.value);
    if (auto r = q->run(); !r) {
        return unexpected(r.error());
    }
    return static_cast<uint64_t>(db_->changes());
}

StoreResult<uint64_t> SqliteStore::remove_expired_sessions(int64_t now_s) {
    auto q = db_->query("DELETE FROM login_sessions WHERE expires_s <= ?1");
    if (!q) {
        return unexpected(q.error());
    }
    q->bind(1, now_s);
    if (auto r = q->run(); !r) {
        return unexpected(r.error());
    }
    return static_cast<uint64_t>(db_->changes());
}

StoreResult<int> SqliteStore::schema_version() {
    return sqlite_schema_version(*db_);
}

}  // namespace tern::sig::backend
