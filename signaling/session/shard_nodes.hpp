// The node ids of one process's shards. Each shard (thread) of tern-signaling is a node of the
// cluster of its own: its own session ids, its own interest on the cluster bus. Shard s of the
// configured node n is node n | s << 10, so shard 0 keeps the configured id (a one-shard server
// numbers its sessions as before) and a resume id tells which shard holds the session. Node ids
// of a server with more than one shard are therefore at most kMaxNodeId (checked by the
// configuration), and a process has at most kMaxShards shards.
#pragma once

#include <cstdint>
#include <optional>

namespace tern::sig {

struct ShardNodes {
    static constexpr unsigned kShardShift = 10;
    static constexpr uint16_t kMaxNodeId = (1U << kShardShift) - 1;
    static constexpr unsigned kMaxShards = 1U << (16 - kShardShift);

    uint16_t node_id = 0;  // the configuration's
    unsigned shards = 1;

    [[nodiscard]] constexpr uint16_t node_of(unsigned shard) const noexcept {
        return static_cast<uint16_t>(node_id | (shard << kShardShift));
    }
    /// The shard of this process that `node` names; nullopt for another process's node.
    [[nodiscard]] constexpr std::optional<unsigned> shard_of(uint16_t node) const noexcept {
        const unsigned shard = node >> kShardShift;
        if ((node & kMaxNodeId) != node_id || shard >= shards) {
            return std::nullopt;
        }
        return shard;
    }
};

}  // namespace tern::sig
