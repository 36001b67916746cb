// The Store implementations the shared suite (store_test.cpp) runs against. Each factory opens
// a fresh, empty store for a given test directory: SQLite a file in it, PostgreSQL a database of
// its own (named after the directory) in the process's throwaway cluster
// (pg_cluster_test_support.hpp). PostgreSQL is left out, with a note on stderr, where it is not
// installed. TERN_STORE_TESTS=sqlite or =postgresql runs one of them only (meson registers the
// suite twice: SQLite as a unit test, PostgreSQL, which starts a server, as an integration test).
#pragma once

#include "signaling/backend/store/pg_cluster_test_support.hpp"
#include "signaling/backend/store/pg_store.hpp"
#include "signaling/backend/store/sqlite_store.hpp"
#include "signaling/backend/store/store.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tern::sig::backend {

struct StoreFactory {
    std::string name;
    /// A fresh store in `dir`; a second call with the same `dir` reopens the same database.
    std::function<StoreResult<std::unique_ptr<Store>>(const std::string& dir)> open;
};

inline StoreResult<std::unique_ptr<Store>> open_sqlite_for_test(const std::string& dir) {
    auto s = SqliteStore::open(dir + "/tern.db");
    if (!s) {
        return unexpected(s.error());
    }
    return std::unique_ptr<Store>(std::move(*s));
}

inline StoreResult<std::unique_ptr<Store>> open_pg_for_test(const std::string& dir) {
    PgTestCluster* cluster = PgTestCluster::shared();
    if (cluster == nullptr) {
        return unexpected(StoreError{StoreErrorKind::Io, "no PostgreSQL test cluster"});
    }
    std::ostringstream name;
    name << "t" << std::hex << std::hash<std::string>{}(dir);
    auto conninfo = cluster->database(name.str());
    if (!conninfo) {
        return unexpected(conninfo.error());
    }
    auto s = PgStore::open(*conninfo);
    if (!s) {
        return unexpected(s.error());
    }
    return std::unique_ptr<Store>(std::move(*s));
}

inline std::vector<StoreFactory> store_factories() {
    const char* env = std::getenv("TERN_STORE_TESTS");
    const std::string only = env != nullptr ? env : "";
    std::vector<StoreFactory> out;
    if (only != "postgresql") {
        out.push_back({"sqlite", open_sqlite_for_test});
    }
    if (only == "sqlite") {
        return out;
    }
    if (PgTestCluster::bin_dir()) {
        out.push_back({"postgresql", open_pg_for_test});
    } else {
        static const bool noted = [] {
            std::fprintf(stderr, "store tests: PostgreSQL is not installed, SQLite only\n");
            return true;
        }();
        (void)noted;
    }
    return out;
}

}  // namespace tern::sig::backend
