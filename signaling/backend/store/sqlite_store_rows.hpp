// How SqliteStore's implementation files (sqlite_store*.cpp) turn a query's rows into values:
// the one row of a lookup, every row of a listing, a statement that must change one row. Not
// for use outside them.
#pragma once

#include "signaling/backend/store/sqlite_db.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tern::sig::backend::sqlite_rows {

inline StoreError not_found(std::string what) {
    return StoreError{StoreErrorKind::NotFound, std::move(what)};
}

/// The one row a lookup query returns, read by `read`; NotFound (`what`) when there is none.
template <class Read>
auto one_row(StoreResult<SqliteQuery> q, const std::string& what, Read read)
    -> StoreResult<decltype(read(*q))> {
    if (!q) {
        return unexpected(q.error());
    }
    auto row = q->step();
    if (!row) {
        return unexpected(row.error());
    }
    if (!*row) {
        return unexpected(not_found(what));
    }
    return read(*q);
}

/// The row a write's RETURNING clause gives, read by `read`, then the statement run to its end:
/// outside a transaction SQLite commits there, so a failed commit is reported, not lost.
template <class Read>
auto returned_row(StoreResult<SqliteQuery> q, Read read) -> StoreResult<decltype(read(*q))> {
    if (!q) {
        return unexpected(q.error());
    }
    auto row = q->step();
    if (!row) {
        return unexpected(row.error());
    }
    if (!*row) {
        return unexpected(not_found("no row written"));
    }
    auto value = read(*q);
    if (auto r = q->run(); !r) {
        return unexpected(r.error());
    }
    return value;
}

template <class T, class Read>
StoreResult<std::vector<T>> all_rows(StoreResult<SqliteQuery> q, Read read) {
    if (!q) {
        return unexpected(q.error());
    }
    std::vector<T> out;
    for (;;) {
        auto row = q->step();
        if (!row) {
            return unexpected(row.error());
        }
        if (!*row) {
            return out;
        }
        out.push_back(read(*q));
    }
}

/// Runs a statement that must change exactly one row of `db`; NotFound (`what`) when it
/// changed none.
inline StoreResult<Done> change_one(SqliteDb& db, StoreResult<SqliteQuery> q, const char* what) {
    if (!q) {
        return unexpected(q.error());
    }
    if (auto r = q->run(); !r) {
        return r;
    }
    if (db.changes() == 0) {
        return unexpected(not_found(what));
    }
    return Done{};
}

/// Binds an optional value: NULL when absent.
template <class T>
void bind_optional(SqliteQuery& q, int index, const std::optional<T>& value) {
    if (value) {
        q.bind(index, *value);
    } else {
        q.bind_null(index);
    }
}

inline std::optional<int64_t> optional_int64(const SqliteQuery& q, int column) {
    return q.is_null(column) ? std::nullopt : std::optional<int64_t>(q.int64(column));
}

inline std::optional<std::string> optional_text(const SqliteQuery& q, int column) {
    return q.is_null(column) ? std::nullopt : std::optional<std::string>(q.text(column));
}

}  // namespace tern::sig::backend::sqlite_rows
