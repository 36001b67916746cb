#include "signaling/backend/store/sqlite_db.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sqlite3.h>
#include <unistd.h>
#include <utility>

namespace tern::sig::backend {

namespace {

StoreErrorKind kind_of(int code) {
    switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return StoreErrorKind::Conflict;
    case SQLITE_CONSTRAINT_FOREIGNKEY:  // the row refers to one that is not there (a user)
        return StoreErrorKind::NotFound;
    default: break;
    }
    switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return StoreErrorKind::Busy;
    default: return StoreErrorKind::Io;
    }
}

/// Creates the file with owner-only permissions when it does not exist yet: it holds password
/// hashes. SQLite gives the -wal and -shm files the permissions of the database file.
StoreResult<Done> create_private(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
        return Done{};
    }
    if (errno == EEXIST) {
        return Done{};
    }
    return unexpected(
        StoreError{StoreErrorKind::Io, "cannot create " + path + ": " + std::strerror(errno)});
}

}  // namespace

// SqliteQuery

SqliteQuery::SqliteQuery(SqliteQuery&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), bind_error_(other.bind_error_) {}

SqliteQuery::~SqliteQuery() {
    if (stmt_ != nullptr) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

SqliteQuery& SqliteQuery::bind(int index, int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK && bind_error_ == 0) {
        bind_error_ = rc;
    }
    return *this;
}

SqliteQuery& SqliteQuery::bind(int index, std::string_view text) {
    // An empty view may have no data pointer, which SQLite would bind as NULL, not as ''.
    const char* data = text.data() != nullptr ? text.data() : "";
    const int rc =
        sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK && bind_error_ == 0) {
        bind_error_ = rc;
    }
    return *this;
}

SqliteQuery& SqliteQuery::bind_null(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK && bind_error_ == 0) {
        bind_error_ = rc;
    }
    return *this;
}

StoreResult<bool> SqliteQuery::step() {
    if (bind_error_ != 0) {
        return unexpected(SqliteDb::error_of(bind_error_, "bind"));
    }
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    return unexpected(db_->error("step"));
}

StoreResult<Done> SqliteQuery::run() {
    for (;;) {
        auto row = step();
        if (!row) {
            return unexpected(row.error());
        }
        if (!*row) {
            return Done{};
        }
    }
}

int64_t SqliteQuery::int64(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::string SqliteQuery::text(int column) const {
    const unsigned char* p = sqlite3_column_text(stmt_, column);
    const int n = sqlite3_column_bytes(stmt_, column);
    if (p == nullptr || n <= 0) {
        return {};
    }
    return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)};
}

bool SqliteQuery::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// SqliteDb

StoreResult<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path,
                                                      const SqliteOptions& options) {
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (options.read_only) {
        flags |= SQLITE_OPEN_READONLY;
    } else {
        flags |= SQLITE_OPEN_READWRITE;
        if (options.create) {
            if (auto made = create_private(path); !made) {
                return unexpected(made.error());
            }
        }
    }
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
    if (rc != SQLITE_OK) {
        return unexpected(raw != nullptr ? db->error("open") : error_of(rc, "open " + path));
    }
    sqlite3_busy_timeout(raw, options.busy_timeout_ms);
    // A file that is not a database fails on its first read, here, rather than later.
    if (options.read_only) {
        if (auto r = db->exec("PRAGMA schema_version"); !r) {
            return unexpected(r.error());
        }
        return db;
    }
    if (options.wal) {
        auto q = db->query("PRAGMA journal_mode=WAL");
        if (!q) {
            return unexpected(q.error());
        }
        auto row = q->step();
        if (!row) {
            return unexpected(row.error());
        }
        if (!*row || q->text(0) != "wal") {
            return unexpected(StoreError{StoreErrorKind::Io,
                                         "sqlite: " + path + " cannot use write-ahead logging"});
        }
    }
    for (const char* pragma : {"PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
        if (auto r = db->exec(pragma); !r) {
            return unexpected(r.error());
        }
    }
    return db;
}

SqliteDb::~SqliteDb() {
    for (auto& [sql, stmt] : statements_) {
        sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(db_);
}

StoreResult<Done> SqliteDb::exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        return unexpected(error("exec"));
    }
    return Done{};
}

StoreResult<SqliteQuery> SqliteDb::query(const char* sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
            SQLITE_OK) {
            return unexpected(error("prepare"));
        }
        it = statements_.emplace(sql, stmt).first;
    }
    return SqliteQuery(*this, it->second);
}

int64_t SqliteDb::changes() const {
    return sqlite3_changes64(db_);
}

int64_t SqliteDb::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

StoreError SqliteDb::error(std::string_view what) const {
    const int code = sqlite3_extended_errcode(db_);
    return StoreError{kind_of(code), "sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db_) +
                                         " (" + path_ + ")"};
}

StoreError SqliteDb::error_of(int code, std::string_view what) {
    return StoreError{kind_of(code), "sqlite: " + std::string(what) + ": " + sqlite3_errstr(code)};
}

// SqliteTransaction

StoreResult<SqliteTransaction> SqliteTransaction::begin(SqliteDb& db) {
    if (auto r = db.exec("BEGIN IMMEDIATE"); !r) {
        return unexpected(r.error());
    }
    return SqliteTransaction(db);
}

SqliteTransaction::~SqliteTransaction() {
    if (open_) {
        (void)db_->exec("ROLLBACK");
    }
}

StoreResult<Done> SqliteTransaction::commit() {
    auto r = db_->exec("COMMIT");
    if (r) {
        open_ = false;
    }
    return r;
}

std::string make_database_folder(const std::string& database) {
    const std::filesystem::path dir = std::filesystem::path(database).parent_path();
    std::error_code ec;
    if (dir.empty() || std::filesystem::exists(dir, ec)) {
        return {};
    }
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return "cannot create " + dir.string() + ": " + ec.message();
    }
    std::filesystem::permissions(dir,
                                 std::filesystem::perms::owner_all |
                                     std::filesystem::perms::group_read |
                                     std::filesystem::perms::group_exec,
                                 ec);
    return {};
}

}  // namespace tern::sig::backend
