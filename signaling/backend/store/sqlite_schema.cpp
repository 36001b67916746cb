#include "signaling/backend/store/sqlite_schema.hpp"

#include <array>
#include <ctime>
#include <string>

namespace tern::sig::backend {

namespace {

// Names compare with NOCASE (ASCII only, as the names themselves: user_name.hpp); a PostgreSQL
// schema gets the same with a unique index on lower(name).
constexpr std::array kSteps{
    SchemaStep{1, "users",
               "CREATE TABLE users ("
               " id INTEGER PRIMARY KEY AUTOINCREMENT,"
               " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
               " display_name TEXT NOT NULL DEFAULT '',"
               " password_hash TEXT NOT NULL,"
               " created_s INTEGER NOT NULL);"},
    SchemaStep{2, "app passwords",
               "CREATE TABLE app_passwords ("
               " id INTEGER PRIMARY KEY AUTOINCREMENT,"
               " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
               " label TEXT NOT NULL DEFAULT '',"
               " hash TEXT NOT NULL UNIQUE,"
               " created_s INTEGER NOT NULL,"
               " last_used_s INTEGER);"
               "CREATE INDEX app_passwords_user ON app_passwords(user_id);"},
    SchemaStep{3, "login sessions",
               "CREATE TABLE login_sessions ("
               " token_hash TEXT PRIMARY KEY,"
               " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
               " csrf_token TEXT NOT NULL,"
               " expires_s INTEGER NOT NULL);"
               "CREATE INDEX login_sessions_user ON login_sessions(user_id);"
               "CREATE INDEX login_sessions_expiry ON login_sessions(expires_s);"},
    SchemaStep{4, "rooms",
               "CREATE TABLE rooms ("
               " id INTEGER PRIMARY KEY AUTOINCREMENT,"
               " token TEXT NOT NULL UNIQUE,"
               " type INTEGER NOT NULL,"
               " name TEXT NOT NULL DEFAULT '',"
               " description TEXT NOT NULL DEFAULT '',"
               " password_hash TEXT NOT NULL DEFAULT '',"
               " default_permissions INTEGER NOT NULL DEFAULT 0,"
               " lobby_state INTEGER NOT NULL DEFAULT 0,"
               " lobby_timer_s INTEGER,"
               " read_only INTEGER NOT NULL DEFAULT 0,"
               " sip_state INTEGER NOT NULL DEFAULT 0,"
               " dial_in_id TEXT UNIQUE,"
               " one_to_one_key TEXT UNIQUE,"
               " call_flags INTEGER NOT NULL DEFAULT 0,"
               " call_started_s INTEGER,"
               " last_message_id INTEGER NOT NULL DEFAULT 0,"
               " created_s INTEGER NOT NULL,"
               " last_activity_s INTEGER NOT NULL);"},
    SchemaStep{5, "participants",
               "CREATE TABLE participants ("
               " id INTEGER PRIMARY KEY AUTOINCREMENT,"
               " room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
               " actor_type TEXT NOT NULL,"
               " actor_id TEXT NOT NULL,"
               " display_name TEXT NOT NULL DEFAULT '',"
               " type INTEGER NOT NULL,"
               " permissions INTEGER NOT NULL DEFAULT 0,"
               " last_read_message INTEGER NOT NULL DEFAULT 0,"
               " in_call INTEGER NOT NULL DEFAULT 0,"
               " in_call_since_s INTEGER,"
               " session_id TEXT UNIQUE,"
               " pin TEXT,"
               " joined_s INTEGER NOT NULL,"
               " UNIQUE (room_id, actor_type, actor_id),"
               " UNIQUE (room_id, pin));"
               "CREATE INDEX participants_actor ON participants(actor_type, actor_id);"},
    // Message ids count per room (rooms.last_message_id), so the key is (room, id).
    SchemaStep{6, "chat",
               "CREATE TABLE chat_messages ("
               " room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
               " id INTEGER NOT NULL,"
               " actor_type TEXT NOT NULL,"
               " actor_id TEXT NOT NULL,"
               " actor_display_name TEXT NOT NULL DEFAULT '',"
               " created_s INTEGER NOT NULL,"
               " message TEXT NOT NULL,"
               " message_parameters TEXT NOT NULL DEFAULT '{}',"
               " system_message TEXT NOT NULL DEFAULT '',"
               " message_type TEXT NOT NULL,"
               " parent_id INTEGER,"
               " reference_id TEXT NOT NULL DEFAULT '',"
               " silent INTEGER NOT NULL DEFAULT 0,"
               " edit_actor_type TEXT,"
               " edit_actor_id TEXT,"
               " edit_actor_display_name TEXT,"
               " edit_s INTEGER,"
               " deleted_s INTEGER,"
               " PRIMARY KEY (room_id, id));"
               "CREATE TABLE chat_mentions ("
               " room_id INTEGER NOT NULL,"
               " message_id INTEGER NOT NULL,"
               " actor_type TEXT NOT NULL,"  // 'all' for @all
               " actor_id TEXT NOT NULL,"
               " PRIMARY KEY (room_id, message_id, actor_type, actor_id),"
               " FOREIGN KEY (room_id, message_id) REFERENCES chat_messages(room_id, id)"
               "  ON DELETE CASCADE);"
               "CREATE TABLE chat_reactions ("
               " id INTEGER PRIMARY KEY AUTOINCREMENT,"
               " room_id INTEGER NOT NULL,"
               " message_id INTEGER NOT NULL,"
               " actor_type TEXT NOT NULL,"
               " actor_id TEXT NOT NULL,"
               " actor_display_name TEXT NOT NULL DEFAULT '',"
               " reaction TEXT NOT NULL,"
               " created_s INTEGER NOT NULL,"
               " UNIQUE (room_id, message_id, actor_type, actor_id, reaction),"
               " FOREIGN KEY (room_id, message_id) REFERENCES chat_messages(room_id, id)"
               "  ON DELETE CASCADE);"},
};

constexpr const char* kVersionTable = "CREATE TABLE IF NOT EXISTS schema_version ("
                                      " version INTEGER PRIMARY KEY,"
                                      " what TEXT NOT NULL,"
                                      " applied_s INTEGER NOT NULL)";

}  // namespace

std::span<const SchemaStep> sqlite_schema_steps() {
    return kSteps;
}

int latest_sqlite_schema() {
    return kSteps.back().version;
}

StoreResult<int> sqlite_schema_version(SqliteDb& db) {
    auto exists = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
                           "'schema_version'");
    if (!exists) {
        return unexpected(exists.error());
    }
    auto row = exists->step();
    if (!row) {
        return unexpected(row.error());
    }
    if (!*row) {
        return 0;
    }
    auto q = db.query("SELECT coalesce(max(version), 0) FROM schema_version");
    if (!q) {
        return unexpected(q.error());
    }
    row = q->step();
    if (!row) {
        return unexpected(row.error());
    }
    return static_cast<int>(q->int64(0));
}

StoreResult<int> migrate_sqlite(SqliteDb& db, int up_to) {
    const int target = up_to > 0 ? up_to : latest_sqlite_schema();
    // The write lock first, so two processes opening a fresh file do not both take step 1.
    auto tx = SqliteTransaction::begin(db);
    if (!tx) {
        return unexpected(tx.error());
    }
    if (auto r = db.exec(kVersionTable); !r) {
        return unexpected(r.error());
    }
    auto current = sqlite_schema_version(db);
    if (!current) {
        return unexpected(current.error());
    }
    if (*current > latest_sqlite_schema()) {
        return unexpected(StoreError{
            StoreErrorKind::TooNew,
            db.path() + " has schema version " + std::to_string(*current) +
                ", written by a newer tern; this one knows versions up to " +
                std::to_string(latest_sqlite_schema()) +
                ": run the newer tern-signaling, or restore a backup made by this version"});
    }
    for (const SchemaStep& step : kSteps) {
        if (step.version <= *current || step.version > target) {
            continue;
        }
        if (auto r = db.exec(step.sql); !r) {
            StoreError e = r.error();
            e.message = "schema step " + std::to_string(step.version) + " (" + step.what +
                        "): " + e.message;
            return unexpected(e);
        }
        auto q = db.query("INSERT INTO schema_version (version, what, applied_s) VALUES (?1, "
                          "?2, ?3)");
        if (!q) {
            return unexpected(q.error());
        }
        q->bind(1, int64_t{step.version})
            .bind(2, std::string_view(step.what))
            .bind(3, static_cast<int64_t>(std::time(nullptr)));
        if (auto r = q->run(); !r) {
            return unexpected(r.error());
        }
    }
    if (auto r = tx->commit(); !r) {
        return unexpected(r.error());
    }
    return *current > target ? *current : target;
}

}  // namespace tern::sig::backend
