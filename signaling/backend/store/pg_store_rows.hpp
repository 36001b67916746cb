// How PgStore's implementation files (pg_store*.cpp) turn a statement's rows into values: the
// first row of a lookup, every row of a listing, a statement that must change one row, NULLs and
// booleans in libpq's text format. Not for use outside them.
#pragma once

#include "signaling/backend/store/pg_connection.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tern::sig::backend::pg_rows {

/// The first row of `rows`, read by `read`; NotFound (`what`) when there is none.
template <class Read>
auto first_row(StoreResult<PgRows> rows, const std::string& what, Read read)
    -> StoreResult<decltype(read(*rows, 0))> {
    if (!rows) {
        return unexpected(rows.error());
    }
    if (rows->size() == 0) {
        return unexpected(StoreError{StoreErrorKind::NotFound, what});
    }
    return read(*rows, 0);
}

template <class T, class Read>
StoreResult<std::vector<T>> every_row(StoreResult<PgRows> rows, Read read) {
    if (!rows) {
        return unexpected(rows.error());
    }
    std::vector<T> out;
    out.reserve(static_cast<std::size_t>(rows->size()));
    for (int i = 0; i < rows->size(); ++i) {
        out.push_back(read(*rows, i));
    }
    return out;
}

/// A statement that must change one row; NotFound (`what`) when it changed none.
inline StoreResult<Done> changed_one(StoreResult<PgRows> rows, const char* what) {
    if (!rows) {
        return unexpected(rows.error());
    }
    if (rows->affected() == 0) {
        return unexpected(StoreError{StoreErrorKind::NotFound, what});
    }
    return Done{};
}

inline StoreResult<uint64_t> changed(StoreResult<PgRows> rows) {
    if (!rows) {
        return unexpected(rows.error());
    }
    return rows->affected();
}

/// `e` with `message` when it is of `kind`; unchanged else.
inline StoreError with_message(StoreError e, StoreErrorKind kind, std::string message) {
    if (e.kind == kind) {
        e.message = std::move(message);
    }
    return e;
}

template <class T>
PgParams& add_optional(PgParams& p, const std::optional<T>& value) {
    if (value) {
        return p.add(*value);
    }
    return p.add_null();
}

inline PgParams& add_bool(PgParams& p, bool value) {
    return p.add(std::string_view(value ? "true" : "false"));
}

inline std::optional<int64_t> optional_int64(const PgRows& r, int row, int column) {
    return r.is_null(row, column) ? std::nullopt : std::optional<int64_t>(r.int64(row, column));
}

inline std::optional<std::string> optional_text(const PgRows& r, int row, int column) {
    return r.is_null(row, column) ? std::nullopt : std::optional<std::string>(r.text(row, column));
}

inline bool boolean(const PgRows& r, int row, int column) {
    return r.text(row, column) == "t";
}

}  // namespace tern::sig::backend::pg_rows
