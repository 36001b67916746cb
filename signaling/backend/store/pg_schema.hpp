// The PostgreSQL schema as numbered steps, the same steps as sqlite_schema.hpp in PostgreSQL's
// dialect (identity columns, a unique index on lower(name) for names that compare without regard
// to case). Opening takes the missing steps in one transaction under an advisory lock, so nodes
// starting together do not race; a database beyond this binary's steps is refused (TooNew).
#pragma once

#include "signaling/backend/store/pg_connection.hpp"

#include <span>

namespace tern::sig::backend {

struct PgSchemaStep {
    int version;
    const char* what;
    const char* sql;
};

std::span<const PgSchemaStep> pg_schema_steps();
int latest_pg_schema();

/// As migrate_sqlite: to `up_to` (default all) in one transaction; the version reached.
StoreResult<int> migrate_pg(PgConnection& conn, int up_to = 0);

/// The version recorded (0 for a database that never took a step).
StoreResult<int> pg_schema_version(PgConnection& conn);

}  // namespace tern::sig::backend
