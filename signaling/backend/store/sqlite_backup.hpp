// Online backup and restore of the SQLite store (ternctl backup FILE / ternctl restore FILE),
// with SQLite's backup API: pages are copied from one open database to another while others keep
// using the source, so tern-signaling need not stop.
//
// backup: a consistent copy as of one moment (a read transaction on the source; in WAL mode it
//   does not block writers), written to FILE.tmp, synced, then renamed over FILE: a crash leaves
//   the old FILE or the new one, never a torn one.
// restore: FILE is checked first (a database, intact, with a schema version this binary knows),
//   then copied into the live database under its write lock, and migrated to this binary's
//   schema. Connections that stay open see the restored content on their next statement.
#pragma once

#include "signaling/backend/store/store_result.hpp"

#include <string>

namespace tern::sig::backend {

StoreResult<Done> sqlite_backup(const std::string& database, const std::string& file);

StoreResult<Done> sqlite_restore(const std::string& file, const std::string& database);

}  // namespace tern::sig::backend
