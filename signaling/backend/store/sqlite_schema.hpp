// The SQLite schema as numbered steps. A database records each step it has taken in its
// schema_version table; opening it takes the missing steps in one transaction (all or none), and
// refuses a database that has taken steps this binary does not know (it was written by a newer
// tern, and this one could corrupt what it does not understand).
//
// A change to the schema is always a new step at the end; a step that shipped is never edited.
#pragma once

#include "signaling/backend/store/sqlite_db.hpp"

#include <span>

namespace tern::sig::backend {

struct SchemaStep {
    int version;       // 1, 2, 3, ...: the step's place, recorded in schema_version
    const char* what;  // one line for the log and the version table
    const char* sql;
};

/// Every step, in order (version i at index i - 1).
std::span<const SchemaStep> sqlite_schema_steps();

/// The version a database is at after all of this binary's steps.
int latest_sqlite_schema();

/// Takes the steps from the database's version up to `up_to` (default: all), in one
/// transaction; returns the version it is at. TooNew when the database is beyond what this
/// binary knows. `up_to` below the latest is for tests that build an old database.
StoreResult<int> migrate_sqlite(SqliteDb& db, int up_to = 0);

/// The version recorded in `db` (0 for a database that never took a step).
StoreResult<int> sqlite_schema_version(SqliteDb& db);

}  // namespace tern::sig::backend
