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
    PgSchemaStep{4, "rooms",
                 "CREATE TABLE rooms ("
                 " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                 " token TEXT NOT NULL UNIQUE,"
                 " type BIGINT NOT NULL,"
                 " name TEXT NOT NULL DEFAULT '',"
                 " description TEXT NOT NULL DEFAULT '',"
                 " password_hash TEXT NOT NULL DEFAULT '',"
                 " default_permissions BIGINT NOT NULL DEFAULT 0,"
                 " lobby_state BIGINT NOT NULL DEFAULT 0,"
                 " lobby_timer_s BIGINT,"
                 " read_only BOOLEAN NOT NULL DEFAULT false,"
                 " sip_state BIGINT NOT NULL DEFAULT 0,"
                 " dial_in_id TEXT UNIQUE,"
                 " one_to_one_key TEXT UNIQUE,"
                 " call_flags BIGINT NOT NULL DEFAULT 0,"
                 " call_started_s BIGINT,"
                 " last_message_id BIGINT NOT NULL DEFAULT 0,"
                 " created_s BIGINT NOT NULL,"
                 " last_activity_s BIGINT NOT NULL);"},
    PgSchemaStep{5, "participants",
                 "CREATE TABLE participants ("
                 " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                 " room_id BIGINT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
                 " actor_type TEXT NOT NULL,"
                 " actor_id TEXT NOT NULL,"
                 " display_name TEXT NOT NULL DEFAULT '',"
                 " type BIGINT NOT NULL,"
                 " permissions BIGINT NOT NULL DEFAULT 0,"
                 " last_read_message BIGINT NOT NULL DEFAULT 0,"
                 " in_call BIGINT NOT NULL DEFAULT 0,"
                 " in_call_since_s BIGINT,"
                 " session_id TEXT UNIQUE,"
                 " pin TEXT,"
                 " joined_s BIGINT NOT NULL,"
                 " UNIQUE (room_id, actor_type, actor_id),"
                 " UNIQUE (room_id, pin));"
                 "CREATE INDEX participants_actor ON participants(actor_type, actor_id);"},
    // Message ids count per room (rooms.last_message_id), so the key is (room, id).
    PgSchemaStep{6, "chat",
                 "CREATE TABLE chat_messages ("
                 " room_id BIGINT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
                 " id BIGINT NOT NULL,"
                 " actor_type TEXT NOT NULL,"
                 " actor_id TEXT NOT NULL,"
                 " actor_display_name TEXT NOT NULL DEFAULT '',"
                 " created_s BIGINT NOT NULL,"
                 " message TEXT NOT NULL,"
                 " message_parameters TEXT NOT NULL DEFAULT '{}',"
                 " system_message TEXT NOT NULL DEFAULT '',"
                 " message_type TEXT NOT NULL,"
                 " parent_id BIGINT,"
                 " reference_id TEXT NOT NULL DEFAULT '',"
                 " silent BOOLEAN NOT NULL DEFAULT false,"
                 " edit_actor_type TEXT,"
                 " edit_actor_id TEXT,"
                 " edit_actor_display_name TEXT,"
                 " edit_s BIGINT,"
                 " deleted_s BIGINT,"
                 " PRIMARY KEY (room_id, id));"
                 "CREATE TABLE chat_mentions ("
                 " room_id BIGINT NOT NULL,"
                 " message_id BIGINT NOT NULL,"
                 " actor_type TEXT NOT NULL,"  // 'all' for @all
                 " actor_id TEXT NOT NULL,"
                 " PRIMARY KEY (room_id, message_id, actor_type, actor_id),"
                 " FOREIGN KEY (room_id, message_id) REFERENCES chat_messages(room_id, id)"
                 "  ON DELETE CASCADE);"
                 "CREATE TABLE chat_reactions ("
                 " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                 " room_id BIGINT NOT NULL,"
                 " message_id BIGINT NOT NULL,"
                 " actor_type TEXT NOT NULL,"
                 " actor_id TEXT NOT NULL,"
                 " actor_display_name TEXT NOT NULL DEFAULT '',"
                 " reaction TEXT NOT NULL,"
                 " created_s BIGINT NOT NULL,"
                 " UNIQUE (room_id, message_id, actor_type, actor_id, reaction),"
                 " FOREIGN KEY (room_id, message_id) REFERENCES chat_messages(room_id, id)"
                 "  ON DELETE CASCADE);"},
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
