#include "dataplane/sfu/index_table.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <vector>

using tern::sfu::hash32;
using tern::sfu::IndexTable;

TEST_CASE("IndexTable: find, several slots under one key, erase keeps the rest reachable",
          "[sfu][index]") {
    IndexTable t{4};
    std::vector<uint64_t> key_of(8);
    auto find = [&](uint64_t key) {
        return t.find(hash32(key), [&](uint32_t s) { return key_of[s] == key; });
    };
    key_of[0] = 100;
    key_of[1] = 200;
    key_of[2] = 100;  // a second slot with the same key (a multimap)
    REQUIRE(t.insert(hash32(100), 0));
    REQUIRE(t.insert(hash32(200), 1));
    REQUIRE(t.insert(hash32(100), 2));
    CHECK(find(200) == 1);
    CHECK(find(300) == IndexTable::kNone);
    std::vector<uint32_t> under_100;
    (void)t.find(hash32(100), [&](uint32_t s) {
        under_100.push_back(s);
        return false;  // visit them all
    });
    CHECK(under_100.size() == 2);
    CHECK(t.erase(hash32(100), 0));
    CHECK_FALSE(t.erase(hash32(100), 0));
    CHECK(find(100) == 2);
    CHECK(t.size() == 2);
    // Full at its size: an insert is refused, nothing grows.
    REQUIRE(t.insert(hash32(1), 3));
    REQUIRE(t.insert(hash32(2), 4));
    CHECK_FALSE(t.insert(hash32(3), 5));
}

TEST_CASE("IndexTable: colliding hashes and deletions agree with a reference map", "[sfu][index]") {
    // Few distinct hashes, so runs wrap and collide; backward-shift deletion must keep every
    // remaining entry reachable.
    constexpr uint32_t kSlots = 64;
    IndexTable t{kSlots};
    std::multimap<uint32_t, uint32_t> ref;  // hash -> slot
    std::vector<bool> used(kSlots);
    std::mt19937 rng{7};
    for (int step = 0; step < 20'000; ++step) {
        const uint32_t slot = rng() % kSlots;
        const uint32_t h = (rng() % 5) * 0x10001u + 124u;  // homes 124..127 and 0 of 128: runs wrap
        if (!used[slot]) {
            REQUIRE(t.insert(h, slot));
            ref.emplace(h, slot);
            used[slot] = true;
        } else {
            for (auto it = ref.begin(); it != ref.end(); ++it) {
                if (it->second == slot) {
                    REQUIRE(t.erase(it->first, slot));
                    ref.erase(it);
                    break;
                }
            }
            used[slot] = false;
        }
        if (step % 97 == 0) {
            for (const auto& [hash, s] : ref) {
                const uint32_t want = s;
                REQUIRE(t.find(hash, [&](uint32_t x) { return x == want; }) == want);
            }
            REQUIRE(t.size() == ref.size());
        }
    }
}
