#include "signaling/backend/store/pg_schema.hpp"

#include <array>
#include <string>

namespace tern::sig::backend {

namespace {

constexpr std::array kSteps{
    PgSchemaStep{1, "users",
                 "CREATE TABLE users ("
                 " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                 " name TEXT NOT NULL,"
                 " display_name TEXT NOT NULL DEFAULT '',"
                 " password_hash TEXT NOT NULL,"
                 " created_s BIGINT NOT NULL);"
                 "CREATE UNIQUE INDEX users_name ON users (lower(name));"},
    PgSchemaStep{2, "app passwords",
                 "CREATE TABLE app_passwords ("
                 " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                 " user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
                 " label TEXT NOT NULL DEFAULT '',"
                 " hash TEXT NOT NULL UNIQUE,"
                 " created_s BIGINT NOT NULL,"
                 " last_used_s BIGINT);"
                 "CREATE INDEX app_passwords_user ON app_passwords(user_id);"},
    PgSchemaStep{3, "login sessions",
                 "CREATE TABLE login_sessions ("
                 " token_hash TEXT PRIMARY KEY,"
                 " user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
                 " csrf_token TEXT NOT NULL,"
                 " expires_s BIGINT NOT NULL);"
                 "CREATE INDEX login_sessions_user ON login_sessions(user_id);"
                 "CREATE INDEX login_sessions_expiry ON login_sessions(expires_s);"},
};

// A fixed key for pg_advisory_xact_lock: "tern" in ASCII, then the schema's purpose.
constexpr const char* kLock = "SELECT pg_advisory_xact_lock(1952805486, 1)";

}  // namespace

std::span<const PgSchemaStep> pg_schema_steps() {
    return kSteps;
}

int latest_pg_schema() {
    return kSteps.back().version;
}

StoreResult<int> pg_schema_version(PgConnection& conn) {
    auto exists = conn.run("SELECT to_regclass('schema_version') IS NOT NULL");
    if (!exists) {
        return unexpected(exists.error());
    }
    if (exists->text(0, 0) != "t") {
        return 0;
    }
    auto v = conn.run("SELECT coalesce(max(version), 0) FROM schema_version");
    if (!v) {
        return unexpected(v.error());
    }
    return static_cast<int>(v->int64(0, 0));
}

StoreResult<int> migrate_pg(PgConnection& conn, int up_to) {
    const int target = up_to > 0 ? up_to : latest_pg_schema();
    auto tx = PgTransaction::begin(conn);
    if (!tx) {
        return unexpected(tx.error());
    }
    if (auto r = conn.exec(kLock); !r) {
        return unexpected(r.error());
    }
    if (auto r = conn.exec("CREATE TABLE IF NOT EXISTS schema_version ("
                           " version INTEGER PRIMARY KEY,"
                           " what TEXT NOT NULL,"
                           " applied_s BIGINT NOT NULL)");
        !r) {
        return unexpected(r.error());
    }
    auto current = pg_schema_version(conn);
    if (!current) {
        return unexpected(current.error());
    }
    if (*current > latest_pg_schema()) {
        return unexpected(StoreError{
            StoreErrorKind::TooNew,
            "the database has schema version " + std::to_string(*current) +
                ", written by a newer tern; this one knows versions up to " +
                std::to_string(latest_pg_schema()) +
                ": run the newer tern-signaling, or restore a backup made by this version"});
    }
    for (const PgSchemaStep& step : kSteps) {
        if (step.version <= *current || step.version > target) {
            continue;
        }
        if (auto r = conn.exec(step.sql); !r) {
            StoreError e = r.error();
            e.message = "schema step " + std::to_string(step.version) + " (" + step.what +
                        "): " + e.message;
            return unexpected(e);
        }
        auto q = conn.run("INSERT INTO schema_version (version, what, applied_s) VALUES ($1, $2, "
                          "extract(epoch FROM now())::bigint)",
                          PgParams().add(int64_t{step.version}).add(std::string_view(step.what)));
        if (!q) {
            return unexpected(q.error());
        }
    }
    if (auto r = tx->commit(); !r) {
        return unexpected(r.error());
    }
    return *current > target ? *current : target;
}

}  // namespace tern::sig::backend
