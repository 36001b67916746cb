// Which shards of this process want a subject of the cluster bus: the routing table of the bus
// between shards (docs/signaling.md, "Shards"). A shard sets and clears its own bit from its
// thread when its hub adds or drops interest (Effects::cluster_interest), before it publishes
// anything in the same batch; any shard reads the bits of a subject it publishes on. The table is
// split into stripes, each with its own mutex held for one look-up: no lock is shared by all
// shards on the message path, and a subject's bits are exact at the moment they are read (a
// member that joined on another shard before this publish gets it).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tern::sig::cluster {

class ShardInterest {
public:
    /// Shard `shard` (< 64) wants `subject` (`on`) or no longer does.
    void set(unsigned shard, std::string_view subject, bool on);
    /// The shards that want `subject`, one bit each (bit s: shard s).
    [[nodiscard]] uint64_t shards_for(std::string_view subject) const;
    /// How many subjects some shard wants (for tests and metrics).
    [[nodiscard]] std::size_t subjects() const;

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    struct Stripe {
        mutable std::mutex mu;
        std::unordered_map<std::string, uint64_t, Hash, std::equal_to<>> bits;  // guarded by mu
    };
    static constexpr std::size_t kStripes = 64;

    Stripe& stripe(std::string_view subject) const noexcept {
        return stripes_[Hash{}(subject) % kStripes];
    }

    mutable std::array<Stripe, kStripes> stripes_;
};

}  // namespace tern::sig::cluster
