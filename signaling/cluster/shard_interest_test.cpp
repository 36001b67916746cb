// The routing table of the bus between shards: bits per subject, and shards changing their own
// bits at once.
#include "signaling/cluster/shard_interest.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

using tern::sig::cluster::ShardInterest;

TEST_CASE("shard interest: bits per subject, set and cleared by each shard") {
    ShardInterest t;
    CHECK(t.shards_for("room.a") == 0);
    t.set(0, "room.a", true);
    t.set(3, "room.a", true);
    t.set(3, "room.a", true);  // at most once per shard: a second set changes nothing
    CHECK(t.shards_for("room.a") == 0b1001);
    CHECK(t.shards_for("room.b") == 0);
    t.set(0, "room.a", false);
    CHECK(t.shards_for("room.a") == 0b1000);
    t.set(5, "room.a", false);  // a shard that never wanted it
    CHECK(t.shards_for("room.a") == 0b1000);
    CHECK(t.subjects() == 1);
    t.set(3, "room.a", false);
    CHECK(t.shards_for("room.a") == 0);
    CHECK(t.subjects() == 0);  // a subject nobody wants is forgotten
    t.set(63, "session.x", true);
    CHECK(t.shards_for("session.x") == uint64_t{1} << 63);
}

TEST_CASE("shard interest: shards changing their own bits at once never lose another's") {
    ShardInterest t;
    constexpr unsigned kShards = 4;
    constexpr int kSubjects = 200;
    constexpr int kRounds = 50;
    std::vector<std::thread> threads;
    for (unsigned s = 0; s < kShards; ++s) {
        threads.emplace_back([&t, s] {
            for (int r = 0; r < kRounds; ++r) {
                for (int i = 0; i < kSubjects; ++i) {
                    t.set(s, "room." + std::to_string(i), true);
                }
                for (int i = 0; i < kSubjects; i += 2) {
                    t.set(s, "room." + std::to_string(i), false);
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    for (int i = 0; i < kSubjects; ++i) {
        INFO("subject " << i);
        CHECK(t.shards_for("room." + std::to_string(i)) == (i % 2 == 0 ? 0U : 0b1111U));
    }
    CHECK(t.subjects() == kSubjects / 2);
}
