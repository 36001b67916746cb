#include "signaling/backend/store/pg_connection.hpp"

#include <charconv>
#include <cstring>
#include <libpq-fe.h>
#include <utility>

namespace tern::sig::backend {

namespace {

/// SQLSTATE classes (PostgreSQL manual, appendix A) to our kinds.
StoreErrorKind kind_of(std::string_view state) {
    if (state == "23505") {  // unique_violation
        return StoreErrorKind::Conflict;
    }
    if (state == "23503") {  // foreign_key_violation: the row refers to one that is not there
        return StoreErrorKind::NotFound;
    }
    if (state == "40001" || state == "40P01" || state == "55P03") {
        return StoreErrorKind::Busy;  // serialization failure, deadlock, lock not available
    }
    return StoreErrorKind::Io;
}

std::string trimmed(const char* message) {
    std::string s = message != nullptr ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
        s.pop_back();
    }
    return s;
}

}  // namespace

// PgRows

PgRows::PgRows(pg_result* result) : result_(result) {}

PgRows::PgRows(PgRows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

PgRows::~PgRows() {
    if (result_ != nullptr) {
        PQclear(result_);
    }
}

int PgRows::size() const {
    return PQntuples(result_);
}

std::string PgRows::text(int row, int column) const {
    return {PQgetvalue(result_, row, column),
            static_cast<std::size_t>(PQgetlength(result_, row, column))};
}

int64_t PgRows::int64(int row, int column) const {
    const char* v = PQgetvalue(result_, row, column);
    int64_t out = 0;
    std::from_chars(v, v + std::strlen(v), out);
    return out;
}

bool PgRows::is_null(int row, int column) const {
    return PQgetisnull(result_, row, column) == 1;
}

uint64_t PgRows::affected() const {
    const char* n = PQcmdTuples(result_);
    uint64_t out = 0;
    std::from_chars(n, n + std::strlen(n), out);
    return out;
}

// PgConnection

StoreResult<std::unique_ptr<PgConnection>> PgConnection::connect(const std::string& conninfo) {
    pg_conn* raw = PQconnectdb(conninfo.c_str());
    std::unique_ptr<PgConnection> c(new PgConnection(raw));
    if (raw == nullptr) {
        return unexpected(StoreError{StoreErrorKind::Io, "postgresql: out of memory"});
    }
    if (PQstatus(raw) != CONNECTION_OK) {
        return unexpected(
            StoreError{StoreErrorKind::Io, "postgresql: connect: " + trimmed(PQerrorMessage(raw))});
    }
    // Notices (such as "relation exists, skipping") are not errors; keep them off stderr.
    PQsetNoticeProcessor(
        raw, [](void*, const char*) {}, nullptr);
    return c;
}

PgConnection::~PgConnection() {
    PQfinish(conn_);
}

StoreError PgConnection::error_of(pg_result* result, std::string_view what) const {
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const char* message = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
    return StoreError{kind_of(state != nullptr ? state : ""),
                      "postgresql: " + std::string(what) + ": " + trimmed(message)};
}

StoreResult<Done> PgConnection::exec(const char* sql) {
    pg_result* r = PQexec(conn_, sql);
    const ExecStatusType status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        StoreError e = error_of(r, "exec");
        PQclear(r);
        return unexpected(e);
    }
    PQclear(r);
    return Done{};
}

StoreResult<PgRows> PgConnection::run(const char* sql, const PgParams& params) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
        const std::string name = "tern_" + std::to_string(prepared_.size() + 1);
        pg_result* p = PQprepare(conn_, name.c_str(), sql, 0, nullptr);
        const bool ok = p != nullptr && PQresultStatus(p) == PGRES_COMMAND_OK;
        if (!ok) {
            StoreError e = error_of(p, "prepare");
            PQclear(p);
            return unexpected(e);
        }
        PQclear(p);
        it = prepared_.emplace(sql, name).first;
    }
    std::vector<const char*> values;
    values.reserve(params.values().size());
    for (const auto& v : params.values()) {
        values.push_back(v ? v->c_str() : nullptr);
    }
    pg_result* r = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                                  values.data(), nullptr, nullptr, 0);
    const ExecStatusType status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        StoreError e = error_of(r, "statement");
        PQclear(r);
        return unexpected(e);
    }
    return PgRows(r);
}

// PgTransaction

StoreResult<PgTransaction> PgTransaction::begin(PgConnection& conn) {
    if (auto r = conn.exec("BEGIN"); !r) {
        return unexpected(r.error());
    }
    return PgTransaction(conn);
}

PgTransaction::~PgTransaction() {
    if (open_) {
        (void)conn_->exec("ROLLBACK");
    }
}

StoreResult<Done> PgTransaction::commit() {
    auto r = conn_->exec("COMMIT");
    if (r) {
        open_ = false;
    }
    return r;
}

}  // namespace tern::sig::backend
