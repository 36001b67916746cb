// The one file that speaks libpq: a connection, statements prepared once per connection and
// named from a cache, results owned by RAII, and PostgreSQL's SQLSTATE codes mapped to
// StoreError. Everything above it (the schema steps, PgStore) goes through these types.
//
// Parameters and results travel in libpq's text format: numbers as decimal text. A commit
// returns after the server has flushed its write-ahead log (synchronous_commit=on, the
// server's default, which tern expects and does not override).
//
// Not thread-safe: one owner thread per PgConnection.
#pragma once

#include "signaling/backend/store/store_result.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace tern::sig::backend {

/// Rows of one statement's result. Owned; freed with it.
class PgRows {
public:
    explicit PgRows(pg_result* result);
    PgRows(const PgRows&) = delete;
    PgRows& operator=(const PgRows&) = delete;
    PgRows(PgRows&& other) noexcept;
    PgRows& operator=(PgRows&&) = delete;
    ~PgRows();

    [[nodiscard]] int size() const;
    [[nodiscard]] std::string text(int row, int column) const;
    [[nodiscard]] int64_t int64(int row, int column) const;
    [[nodiscard]] bool is_null(int row, int column) const;
    /// Rows changed by an INSERT, UPDATE or DELETE.
    [[nodiscard]] uint64_t affected() const;

private:
    pg_result* result_;  // owned
};

/// One statement's parameters, in order ($1, $2, ...); nullopt is SQL NULL.
class PgParams {
public:
    PgParams& add(std::string_view text) {
        values_.emplace_back(std::string(text));
        return *this;
    }
    PgParams& add(int64_t value) {
        values_.emplace_back(std::to_string(value));
        return *this;
    }
    PgParams& add_null() {
        values_.emplace_back(std::nullopt);
        return *this;
    }
    [[nodiscard]] const std::vector<std::optional<std::string>>& values() const noexcept {
        return values_;
    }

private:
    std::vector<std::optional<std::string>> values_;
};

class PgConnection {
public:
    /// Connects with a libpq connection string ("host=/run/postgresql dbname=tern" or a
    /// postgresql:// URI). Io when the server cannot be reached or refuses the login.
    static StoreResult<std::unique_ptr<PgConnection>> connect(const std::string& conninfo);
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;
    ~PgConnection();

    /// Runs SQL without parameters (schema steps, BEGIN/COMMIT; several statements allowed).
    StoreResult<Done> exec(const char* sql);
    /// Runs `sql` as a statement prepared on this connection at its first use.
    StoreResult<PgRows> run(const char* sql, const PgParams& params = {});

private:
    explicit PgConnection(pg_conn* conn) : conn_(conn) {}
    [[nodiscard]] StoreError error_of(pg_result* result, std::string_view what) const;

    pg_conn* conn_;                                          // owned
    std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
};

/// BEGIN, then ROLLBACK unless commit() succeeded.
class PgTransaction {
public:
    static StoreResult<PgTransaction> begin(PgConnection& conn);
    PgTransaction(const PgTransaction&) = delete;
    PgTransaction& operator=(const PgTransaction&) = delete;
    PgTransaction(PgTransaction&& other) noexcept
        : conn_(other.conn_), open_(std::exchange(other.open_, false)) {}
    PgTransaction& operator=(PgTransaction&&) = delete;
    ~PgTransaction();

    StoreResult<Done> commit();

private:
    explicit PgTransaction(PgConnection& conn) : conn_(&conn), open_(true) {}

    PgConnection* conn_;  // borrowed, outlives this
    bool open_;
};

}  // namespace tern::sig::backend
