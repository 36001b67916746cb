// The Store implementations the shared suite (store_test.cpp) runs against. Each factory opens
// a fresh, empty store whose files live in the given directory; a PostgreSQL factory (a
// throwaway cluster under that directory) joins this list when that store exists.
#pragma once

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

inline std::vector<StoreFactory> store_factories() {
    return {
        {"sqlite",
         [](const std::string& dir) -> StoreResult<std::unique_ptr<Store>> {
             auto s = SqliteStore::open(dir + "/tern.db");
             if (!s) {
                 return unexpected(s.error());
             }
             return std::unique_ptr<Store>(std::move(*s));
         }},
    };
}

}  // namespace tern::sig::backend
