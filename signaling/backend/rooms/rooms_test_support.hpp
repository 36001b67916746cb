// For the rooms and chat tests: the same people, and Rooms over a fresh store (the first of
// store_factories(), in a temporary folder) with argon2id at its cheapest.
#pragma once

#include "signaling/backend/rooms/rooms.hpp"
#include "signaling/backend/store/store_factories_test_support.hpp"
#include "signaling/backend/store/temp_dir_test_support.hpp"

#include <catch2/catch.hpp>

#include <memory>

namespace tern::sig::backend {

inline const Argon2Params kFast{64, 1, 1};
inline const NamedActor kAlice{Actor{ActorType::Users, "alice"}, "Alice"};
inline const NamedActor kBob{Actor{ActorType::Users, "bob"}, "Bob"};
inline const NamedActor kCarol{Actor{ActorType::Users, "carol"}, "Carol"};
inline const NamedActor kGuest{Actor{ActorType::Guests, "g1"}, "Visitor"};

struct RoomsFixture {
    TempDir dir;
    std::unique_ptr<Store> store;
    PasswordHasher hasher{kFast};
    RandomBytes random = system_random_bytes();
    Rooms rooms;

    RoomsFixture() : store(open()), rooms(*store, hasher, random) {}

    std::unique_ptr<Store> open() {
        auto s = store_factories().front().open(dir.path());
        REQUIRE(s);
        return std::move(*s);
    }
};

}  // namespace tern::sig::backend
