// What the Store suite's files (store_test.cpp, store_rooms_test.cpp, store_chat_test.cpp)
// share: each test case runs once per implementation in store_factories(), on a fresh store.
#pragma once

#include "signaling/backend/store/store_factories_test_support.hpp"
#include "signaling/backend/store/temp_dir_test_support.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace tern::sig::backend {

/// One of the implementations per run of a test case (Catch2 runs the case once for each).
inline const StoreFactory& each_store() {
    static const std::vector<StoreFactory> factories = store_factories();
    const auto i = GENERATE(range(std::size_t{0}, store_factories().size()));
    return factories.at(i);
}

inline std::unique_ptr<Store> open_store(const StoreFactory& f, const TempDir& dir) {
    auto s = f.open(dir.path());
    INFO(f.name << ": " << (s ? std::string() : s.error().message));
    REQUIRE(s);
    return std::move(*s);
}

}  // namespace tern::sig::backend
