#include "signaling/backend/store/sqlite_backup.hpp"

#include "signaling/backend/store/sqlite_db.hpp"
#include "signaling/backend/store/sqlite_schema.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tern::sig::backend {

namespace {

/// Copies every page of `from` into `to` in one step (our databases are small next to the time
/// a reader may hold a snapshot); waits out a busy destination up to the busy timeout.
StoreResult<Done> copy_pages(SqliteDb& from, SqliteDb& to) {
    sqlite3_backup* b = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
    if (b == nullptr) {
        return unexpected(to.error("backup"));
    }
    int rc = SQLITE_OK;
    for (int tries = 0; tries < 100; ++tries) {
        rc = sqlite3_backup_step(b, -1);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
            break;
        }
        sqlite3_sleep(50);
    }
    const int finish = sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        return unexpected(SqliteDb::error_of(rc, "backup step"));
    }
    if (finish != SQLITE_OK) {
        return unexpected(to.error("backup"));
    }
    return Done{};
}

StoreError io_error(const std::string& what, const std::string& path) {
    return StoreError{StoreErrorKind::Io, what + " " + path + ": " + std::strerror(errno)};
}

StoreResult<Done> sync_path(const std::string& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        StoreError e = io_error("cannot sync", path);
        if (fd >= 0) {
            ::close(fd);
        }
        return unexpected(e);
    }
    ::close(fd);
    return Done{};
}

std::string directory_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) {
        return ".";
    }
    return slash == 0 ? "/" : path.substr(0, slash);
}

/// `file` is a tern database this binary can take: it opens, passes SQLite's quick check, and
/// its schema version is not newer than ours.
StoreResult<Done> check_restorable(SqliteDb& db) {
    auto q = db.query("PRAGMA quick_check");
    if (!q) {
        return unexpected(q.error());
    }
    auto row = q->step();
    if (!row) {
        return unexpected(row.error());
    }
    if (!*row || q->text(0) != "ok") {
        return unexpected(StoreError{
            StoreErrorKind::Io, db.path() + " is damaged: " + (*row ? q->text(0) : "no answer")});
    }
    auto version = sqlite_schema_version(db);
    if (!version) {
        return unexpected(version.error());
    }
    if (*version == 0) {
        return unexpected(StoreError{StoreErrorKind::Io,
                                     db.path() + " is not a tern database (no schema_version)"});
    }
    if (*version > latest_sqlite_schema()) {
        return unexpected(StoreError{StoreErrorKind::TooNew,
                                     db.path() + " has schema version " + std::to_string(*version) +
                                         ", newer than this tern knows (" +
                                         std::to_string(latest_sqlite_schema()) + ")"});
    }
    return Done{};
}

}  // namespace

StoreResult<Done> sqlite_backup(const std::string& database, const std::string& file) {
    struct stat st {};
    if (::stat(database.c_str(), &st) != 0) {
        return unexpected(io_error("cannot read", database));
    }
    SqliteOptions source_options;
    source_options.read_only = true;
    auto source = SqliteDb::open(database, source_options);
    if (!source) {
        return unexpected(source.error());
    }
    const std::string tmp = file + ".tmp";
    (void)std::remove(tmp.c_str());
    {
        SqliteOptions target_options;
        target_options.wal = false;
        auto target = SqliteDb::open(tmp, target_options);
        if (!target) {
            return unexpected(target.error());
        }
        if (auto r = copy_pages(**source, **target); !r) {
            (void)std::remove(tmp.c_str());
            return r;
        }
        // The copy took the source's header, WAL mode included; FILE alone must be the whole
        // backup, with no log beside it.
        if (auto r = (*target)->exec("PRAGMA journal_mode=DELETE"); !r) {
            (void)std::remove(tmp.c_str());
            return r;
        }
    }
    if (auto r = sync_path(tmp, O_RDONLY); !r) {
        return r;
    }
    if (std::rename(tmp.c_str(), file.c_str()) != 0) {
        return unexpected(io_error("cannot rename " + tmp + " to", file));
    }
    return sync_path(directory_of(file), O_RDONLY | O_DIRECTORY);
}

StoreResult<Done> sqlite_restore(const std::string& file, const std::string& database) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        return unexpected(io_error("cannot read", file));
    }
    SqliteOptions source_options;
    source_options.read_only = true;
    auto source = SqliteDb::open(file, source_options);
    if (!source) {
        return unexpected(source.error());
    }
    if (auto r = check_restorable(**source); !r) {
        return r;
    }
    auto target = SqliteDb::open(database);
    if (!target) {
        return unexpected(target.error());
    }
    if (auto r = copy_pages(**source, **target); !r) {
        return r;
    }
    // The copy left the target in the backup's journal mode; tern's settings and the
    // migrations of an older backup come back with a fresh open.
    target->reset();
    auto reopened = SqliteDb::open(database);
    if (!reopened) {
        return unexpected(reopened.error());
    }
    if (auto v = migrate_sqlite(**reopened); !v) {
        return unexpected(v.error());
    }
    return Done{};
}

}  // namespace tern::sig::backend
