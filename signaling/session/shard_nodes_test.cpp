// Shard node ids: shard 0 keeps the configured node id, and every shard reads back from its id.
#include "signaling/session/shard_nodes.hpp"

#include <catch2/catch.hpp>

using tern::sig::ShardNodes;

TEST_CASE("shard nodes: shard 0 keeps the configured id, each shard is told apart") {
    constexpr ShardNodes n{7, 4};
    CHECK(n.node_of(0) == 7);
    CHECK(n.node_of(1) == 7 + 1024);
    CHECK(n.node_of(3) == 7 + 3 * 1024);
    for (unsigned s = 0; s < 4; ++s) {
        CHECK(n.shard_of(n.node_of(s)) == s);
    }
    CHECK_FALSE(n.shard_of(8));             // another process's node
    CHECK_FALSE(n.shard_of(7 + 4 * 1024));  // a shard this process does not have
    CHECK_FALSE(n.shard_of(8 + 1 * 1024));  // shard 1 of another node
    constexpr ShardNodes widest{ShardNodes::kMaxNodeId, ShardNodes::kMaxShards};
    CHECK(widest.node_of(ShardNodes::kMaxShards - 1) == 0xFFFF);
    CHECK(widest.shard_of(0xFFFF) == ShardNodes::kMaxShards - 1);
}
