// The one file that speaks libsqlite3: opening a database with tern's settings, a cache of
// prepared statements, transactions, and SQLite's result codes mapped to StoreError. Everything
// above it (the schema steps, SqliteStore, backup and restore) goes through these types.
//
// Settings applied at open, and why:
// - journal_mode=WAL: readers never block the writer nor the writer them, so a ternctl backup
//   or a second process reading does not stall tern-signaling.
// - synchronous=FULL: each commit syncs the write-ahead log before it returns, so a write that
//   was acknowledged survives kill -9 and power loss (NORMAL would survive kill -9 only).
// - busy_timeout: a writer waits this long for another one before giving up with Busy.
// - foreign_keys=ON: removing a user removes its app passwords and sessions (ON DELETE CASCADE).
//
// Not thread-safe (opened with SQLITE_OPEN_NOMUTEX): one owner thread per SqliteDb.
#pragma once

#include "signaling/backend/store/store_result.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace tern::sig::backend {

struct SqliteOptions {
    int busy_timeout_ms = 5000;
    bool read_only = false;  // no journal-mode change, no creation (backup sources, checks)
    bool create = true;      // create the file (mode 0600) when missing
    bool wal = true;         // false: keep the file's journal mode (a backup's target)
};

class SqliteDb;

/// A cached statement being used: parameters bound, rows stepped. Returns the statement to the
/// cache (reset, parameters cleared) when it goes out of scope. Borrowed from its SqliteDb, which
/// outlives it.
class SqliteQuery {
public:
    SqliteQuery(SqliteDb& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
    SqliteQuery(const SqliteQuery&) = delete;
    SqliteQuery& operator=(const SqliteQuery&) = delete;
    SqliteQuery(SqliteQuery&& other) noexcept;
    SqliteQuery& operator=(SqliteQuery&&) = delete;
    ~SqliteQuery();

    /// Parameters count from 1, as in the SQL (?1, ?2 ...). A failed bind (a programming error)
    /// is reported by the next step().
    SqliteQuery& bind(int index, int64_t value);
    SqliteQuery& bind(int index, std::string_view text);
    SqliteQuery& bind_null(int index);

    /// Moves to the next row: true when there is one, false when the statement is done.
    StoreResult<bool> step();
    /// Steps to the end, for statements that return no rows.
    StoreResult<Done> run();

    [[nodiscard]] int64_t int64(int column) const;
    [[nodiscard]] std::string text(int column) const;
    [[nodiscard]] bool is_null(int column) const;

private:
    SqliteDb* db_;        // borrowed
    sqlite3_stmt* stmt_;  // owned by db_'s cache
    int bind_error_ = 0;  // first failed bind's result code
};

class SqliteDb {
public:
    /// Opens (and with options.create, creates) the database file and applies the settings
    /// above. Io when the file cannot be opened or is not a database.
    static StoreResult<std::unique_ptr<SqliteDb>> open(const std::string& path,
                                                       const SqliteOptions& options = {});
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;
    ~SqliteDb();

    /// Runs SQL without parameters or rows (schema steps, PRAGMAs that set).
    StoreResult<Done> exec(const char* sql);
    /// The prepared statement for `sql` (prepared once, then taken from the cache).
    StoreResult<SqliteQuery> query(const char* sql);

    [[nodiscard]] int64_t changes() const;
    [[nodiscard]] int64_t last_insert_rowid() const;
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    /// For the backup API (sqlite_backup.cpp) only.
    [[nodiscard]] sqlite3* handle() const noexcept { return db_; }

    /// The error of the last failed call on this connection, with `what` it was doing.
    [[nodiscard]] StoreError error(std::string_view what) const;
    /// The error for result code `code` (when no connection-level message applies).
    static StoreError error_of(int code, std::string_view what);

private:
    SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

    sqlite3* db_;  // owned
    std::string path_;
    std::unordered_map<std::string, sqlite3_stmt*> statements_;  // owned, finalised at close
};

/// BEGIN IMMEDIATE (the write lock is taken at once, so a transaction never fails half-way on
/// a lock it could not upgrade); rolled back unless commit() succeeded.
class SqliteTransaction {
public:
    static StoreResult<SqliteTransaction> begin(SqliteDb& db);
    SqliteTransaction(const SqliteTransaction&) = delete;
    SqliteTransaction& operator=(const SqliteTransaction&) = delete;
    SqliteTransaction(SqliteTransaction&& other) noexcept
        : db_(other.db_), open_(std::exchange(other.open_, false)) {}
    SqliteTransaction& operator=(SqliteTransaction&&) = delete;
    ~SqliteTransaction();

    StoreResult<Done> commit();

private:
    explicit SqliteTransaction(SqliteDb& db) : db_(&db), open_(true) {}

    SqliteDb* db_;  // borrowed, outlives this
    bool open_;
};

/// Creates the folder of a database file when it is missing, for its owner and group only
/// (0750), as ternctl and tern-signaling do before a first open. "" when it exists or was made,
/// else a sentence naming the folder.
std::string make_database_folder(const std::string& database);

}  // namespace tern::sig::backend
