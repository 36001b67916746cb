#include "dataplane/stack/neighbor_table.hpp"

#include <cstring>

namespace tern::dp {

NeighborTable::NeighborTable(uint32_t capacity, uint64_t reachable_ticks, uint64_t retry_ticks)
    : capacity_(capacity), reachable_ticks_(reachable_ticks), retry_ticks_(retry_ticks) {
    uint32_t n = 16;
    while (n < capacity * 2) {
        n <<= 1;
    }
    slots_.resize(n);
    mask_ = n - 1;
}

uint32_t NeighborTable::hash(const wire::Ipv6Addr& ip) const noexcept {
    uint64_t a = 0;
    uint64_t b = 0;
    std::memcpy(&a, ip.b.data(), 8);
    std::memcpy(&b, ip.b.data() + 8, 8);
    uint64_t h = (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL);
    h ^= h >> 29;
    return static_cast<uint32_t>(h) & mask_;
}

const NeighborTable::Entry* NeighborTable::find(const wire::Ipv6Addr& ip) const noexcept {
    const uint32_t h = hash(ip);
    for (uint32_t i = 0; i < kProbe; ++i) {
        const Entry& e = slots_[(h + i) & mask_];
        if (e.state != State::Empty && e.ip == ip) {
            return &e;
        }
    }
    return nullptr;
}

NeighborTable::Entry* NeighborTable::slot_for(const wire::Ipv6Addr& ip, uint64_t now) noexcept {
    const uint32_t h = hash(ip);
    Entry* reuse = nullptr;
    Entry* oldest = nullptr;
    for (uint32_t i = 0; i < kProbe; ++i) {
        Entry& e = slots_[(h + i) & mask_];
        if (e.state != State::Empty && e.ip == ip) {
            return &e;
        }
        const bool stale =
            e.state == State::Empty || (e.state == State::Reachable && e.expires <= now) ||
            (e.state == State::Incomplete && e.last_request + 3 * retry_ticks_ <= now);
        if (stale && reuse == nullptr) {
            reuse = &e;
        }
        if (oldest == nullptr || e.expires < oldest->expires) {
            oldest = &e;
        }
    }
    // A full probe window evicts its entry closest to expiry, so the table never refuses.
    Entry* e = reuse != nullptr ? reuse : oldest;
    *e = Entry{};
    e->ip = ip;
    return e;
}

void NeighborTable::learn(const wire::Ipv6Addr& ip, const wire::MacAddr& mac,
                          uint64_t now) noexcept {
    Entry* e = slot_for(ip, now);
    e->mac = mac;
    e->state = State::Reachable;
    e->expires = now + reachable_ticks_;
}

bool NeighborTable::refresh_if_known(const wire::Ipv6Addr& ip, const wire::MacAddr& mac,
                                     uint64_t now) noexcept {
    if (find(ip) == nullptr) {
        return false;
    }
    learn(ip, mac, now);
    return true;
}

std::optional<wire::MacAddr> NeighborTable::resolve(const wire::Ipv6Addr& ip, uint64_t now,
                                                    bool& solicit) noexcept {
    solicit = false;
    const Entry* found = find(ip);
    if (found != nullptr && found->state == State::Reachable && found->expires > now) {
        return found->mac;
    }
    Entry* e = slot_for(ip, now);
    if (e->state != State::Incomplete || e->last_request + retry_ticks_ <= now) {
        e->state = State::Incomplete;
        e->last_request = now;
        solicit = true;
    }
    return std::nullopt;
}

uint32_t NeighborTable::size(uint64_t now) const noexcept {
    uint32_t n = 0;
    for (const Entry& e : slots_) {
        n += e.state == State::Reachable && e.expires > now ? 1 : 0;
    }
    return n;
}

}  // namespace tern::dp
