#include "signaling/cluster/shard_interest.hpp"

namespace tern::sig::cluster {

void ShardInterest::set(unsigned shard, std::string_view subject, bool on) {
    const uint64_t bit = uint64_t{1} << shard;
    Stripe& s = stripe(subject);
    std::lock_guard lock(s.mu);
    auto it = s.bits.find(subject);
    if (on) {
        if (it == s.bits.end()) {
            s.bits.emplace(std::string(subject), bit);
        } else {
            it->second |= bit;
        }
    } else if (it != s.bits.end()) {
        it->second &= ~bit;
        if (it->second == 0) {
            s.bits.erase(it);
        }
    }
}

uint64_t ShardInterest::shards_for(std::string_view subject) const {
    const Stripe& s = stripe(subject);
    std::lock_guard lock(s.mu);
    const auto it = s.bits.find(subject);
    return it == s.bits.end() ? 0 : it->second;
}

std::size_t ShardInterest::subjects() const {
    std::size_t n = 0;
    for (const Stripe& s : stripes_) {
        std::lock_guard lock(s.mu);
        n += s.bits.size();
    }
    return n;
}

}  // namespace tern::sig::cluster
