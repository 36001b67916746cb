#include "dataplane/turn/allocation_table.hpp"

#include <cstring>

namespace tern::dp {

namespace {

bool same_ip(const wire::Endpoint& a, const wire::Endpoint& b) {
    return a.is_v6 == b.is_v6 && (a.is_v6 ? a.v6 == b.v6 : a.v4 == b.v4);
}

uint64_t mix(const wire::Endpoint& e) {
    uint64_t h = e.port;
    if (e.is_v6) {
        uint64_t a = 0;
        uint64_t b = 0;
        std::memcpy(&a, e.v6.b.data(), 8);
        std::memcpy(&b, e.v6.b.data() + 8, 8);
        h ^= a * 0x9e3779b97f4a7c15ULL ^ b * 0xc2b2ae3d27d4eb4fULL;
    } else {
        h ^= uint64_t{e.v4.v} * 0x9e3779b97f4a7c15ULL;
    }
    return h;
}

}  // namespace

Permission* Allocation::find_permission(const wire::Endpoint& peer, uint64_t now_s) noexcept {
    for (Permission& p : permissions) {
        if (p.expires_s > now_s && same_ip(p.peer, peer)) {
            return &p;
        }
    }
    return nullptr;
}

Channel* Allocation::channel_by_number(uint16_t n, uint64_t now_s) noexcept {
    for (Channel& c : channels) {
        if (c.number == n && c.expires_s > now_s) {
            return &c;
        }
    }
    return nullptr;
}

Channel* Allocation::channel_by_peer(const wire::Endpoint& peer, uint64_t now_s) noexcept {
    for (Channel& c : channels) {
        if (c.number != 0 && c.expires_s > now_s && c.peer == peer) {
            return &c;
        }
    }
    return nullptr;
}

AllocationTable::AllocationTable(uint32_t capacity, PortRange relay)
    : pool_(capacity), relay_min_(relay.lo), relay_max_(relay.hi) {
    free_.reserve(capacity);
    for (uint32_t i = capacity; i > 0; --i) {
        free_.push_back(i - 1);
    }
    uint32_t n = 16;
    while (n < capacity * 2) {
        n <<= 1;
    }
    buckets_.assign(n, kNoAllocation);
    const std::size_t ports = relay.size();
    port_owner_.assign(ports, kNoAllocation);
    free_ports_.resize(ports);
    for (std::size_t i = 0; i < ports; ++i) {
        free_ports_[i] = static_cast<uint16_t>(relay.lo + i);
    }
    free_ports_count_ = ports;
    wheel_.fill(kNoAllocation);
}

uint32_t AllocationTable::bucket(const wire::Endpoint& c, const wire::Endpoint& s,
                                 uint64_t stream) const noexcept {
    uint64_t h = mix(c) * 31 + mix(s) + stream * 0xff51afd7ed558ccdULL;
    h ^= h >> 31;
    return static_cast<uint32_t>(h) & static_cast<uint32_t>(buckets_.size() - 1);
}

uint32_t AllocationTable::find(const wire::Endpoint& client, const wire::Endpoint& server,
                               uint64_t stream) const noexcept {
    for (uint32_t i = buckets_[bucket(client, server, stream)]; i != kNoAllocation;
         i = pool_[i].hash_next) {
        if (pool_[i].client == client && pool_[i].server == server && pool_[i].stream == stream) {
            return i;
        }
    }
    return kNoAllocation;
}

uint32_t AllocationTable::by_relay_port(uint16_t port) const noexcept {
    return owns_port(port) ? port_owner_[port - relay_min_] : kNoAllocation;
}

uint32_t AllocationTable::create(const wire::Endpoint& client, const wire::Endpoint& server,
                                 bool even_port, uint64_t expires_s, uint64_t now_s,
                                 uint64_t stream) noexcept {
    if (free_.empty() || free_ports_count_ == 0) {
        return kNoAllocation;
    }
    // Ports are handed out round-robin from a ring, so a just-released port is reused last
    // (late packets of an old allocation do not land in a new one). For EVEN-PORT, odd ports met
    // on the way go back to the tail.
    uint16_t port = 0;
    std::size_t tries = free_ports_count_;
    while (tries-- > 0) {
        const uint16_t p = free_ports_[free_ports_head_];
        free_ports_head_ = (free_ports_head_ + 1) % free_ports_.size();
        --free_ports_count_;
        if (!even_port || p % 2 == 0) {
            port = p;
            break;
        }
        free_ports_[(free_ports_head_ + free_ports_count_) % free_ports_.size()] = p;
        ++free_ports_count_;
    }
    if (port == 0) {
        return kNoAllocation;
    }
    const uint32_t idx = free_.back();
    free_.pop_back();
    Allocation& a = pool_[idx];
    a = Allocation{};
    a.in_use = true;
    a.client = client;
    a.server = server;
    a.stream = stream;
    a.relay_port = port;
    a.relayed = server;
    a.relayed.port = port;
    a.expires_s = expires_s;
    a.created_s = now_s;
    a.bucket_stamp = now_s;
    const uint32_t b = bucket(client, server, stream);
    a.hash_next = buckets_[b];
    buckets_[b] = idx;
    port_owner_[port - relay_min_] = idx;
    wheel_link(idx);
    ++active_;
    return idx;
}

void AllocationTable::refresh(uint32_t idx, uint64_t expires_s) noexcept {
    pool_[idx].expires_s = expires_s;  // the wheel re-files it lazily when its old slot comes up
}

void AllocationTable::release(uint32_t idx) noexcept {
    Allocation& a = pool_[idx];
    if (!a.in_use) {
        return;
    }
    uint32_t* link = &buckets_[bucket(a.client, a.server, a.stream)];
    while (*link != kNoAllocation && *link != idx) {
        link = &pool_[*link].hash_next;
    }
    if (*link == idx) {
        *link = a.hash_next;
    }
    wheel_unlink(idx);
    port_owner_[a.relay_port - relay_min_] = kNoAllocation;
    free_ports_[(free_ports_head_ + free_ports_count_) % free_ports_.size()] = a.relay_port;
    ++free_ports_count_;
    a.in_use = false;
    free_.push_back(idx);
    --active_;
}

uint32_t AllocationTable::count_user(std::string_view user) const noexcept {
    uint32_t n = 0;
    for (const Allocation& a : pool_) {
        n += a.in_use && a.user() == user ? 1 : 0;
    }
    return n;
}

void AllocationTable::wheel_link(uint32_t idx) noexcept {
    Allocation& a = pool_[idx];
    const uint32_t slot = wheel_slot_of(a.expires_s);
    a.wheel_slot = slot;
    a.wheel_prev = kNoAllocation;
    a.wheel_next = wheel_[slot];
    if (a.wheel_next != kNoAllocation) {
        pool_[a.wheel_next].wheel_prev = idx;
    }
    wheel_[slot] = idx;
}

void AllocationTable::wheel_unlink(uint32_t idx) noexcept {
    Allocation& a = pool_[idx];
    if (a.wheel_prev != kNoAllocation) {
        pool_[a.wheel_prev].wheel_next = a.wheel_next;
    } else if (wheel_[a.wheel_slot] == idx) {
        wheel_[a.wheel_slot] = a.wheel_next;
    }
    if (a.wheel_next != kNoAllocation) {
        pool_[a.wheel_next].wheel_prev = a.wheel_prev;
    }
    a.wheel_next = a.wheel_prev = kNoAllocation;
}

}  // namespace tern::dp
