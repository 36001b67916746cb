// What a Store operation returns: the value, or a StoreError that says which kind of failure it
// was (so callers map it to a status without reading the message) and, for people, what went
// wrong. Every backend (SQLite now, PostgreSQL later) reports with these kinds.
#pragma once

#include "common/result.hpp"

#include <cstdint>
#include <string>

namespace tern::sig::backend {

enum class StoreErrorKind : uint8_t {
    NotFound,  // no row with that key
    Conflict,  // a unique key is taken (a user name, a session token)
    Busy,      // another writer held the database longer than the busy timeout
    TooNew,    // the database was written by a newer tern (schema version above ours)
    Io,        // the file or server failed: disk full, permissions, corruption, lost link
};

struct StoreError {
    StoreErrorKind kind = StoreErrorKind::Io;
    std::string message;
};

/// The value of an operation that returns nothing but may fail.
struct Done {};

template <class T>
using StoreResult = Result<T, StoreError>;

/// "not found", "conflict", ...: for logs and messages.
const char* to_string(StoreErrorKind kind) noexcept;

}  // namespace tern::sig::backend
