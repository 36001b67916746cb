// IPv4 (ARP) and IPv6 (ND) neighbour cache of one lcore: fixed capacity, open addressing, no
// allocation after construction. IPv4 addresses are stored v4-mapped (::ffff:a.b.c.d) so one
// table serves both families.
#pragma once

#include "common/wire/addr.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace tern::dp {

class NeighborTable {
public:
    enum class State : uint8_t { Empty, Incomplete, Reachable };

    struct Entry {
        wire::Ipv6Addr ip;
        wire::MacAddr mac;
        State state = State::Empty;
        uint64_t expires = 0;       // tsc; Reachable until then
        uint64_t last_request = 0;  // tsc of the last solicitation we sent
    };

    /// `capacity` entries at most; lifetimes in TSC ticks.
    NeighborTable(uint32_t capacity, uint64_t reachable_ticks, uint64_t retry_ticks);

    static wire::Ipv6Addr key(wire::Ipv4Addr a) noexcept {
        wire::Ipv6Addr k;
        k.b[10] = 0xff;
        k.b[11] = 0xff;
        k.b[12] = static_cast<uint8_t>(a.v >> 24);
        k.b[13] = static_cast<uint8_t>(a.v >> 16);
        k.b[14] = static_cast<uint8_t>(a.v >> 8);
        k.b[15] = static_cast<uint8_t>(a.v);
        return k;
    }

    /// Records a confirmed mapping (an ARP packet from the host, an NA, an NS with SLLA).
    void learn(const wire::Ipv6Addr& ip, const wire::MacAddr& mac, uint64_t now) noexcept;
    /// Updates an existing entry only (RFC 826's "merge" for packets not addressed to us).
    bool refresh_if_known(const wire::Ipv6Addr& ip, const wire::MacAddr& mac,
                          uint64_t now) noexcept;

    /// The MAC when reachable. Otherwise, true in `solicit` when the caller should send a
    /// request now (first miss, or retry interval passed); the entry then becomes Incomplete.
    std::optional<wire::MacAddr> resolve(const wire::Ipv6Addr& ip, uint64_t now,
                                         bool& solicit) noexcept;

    [[nodiscard]] const Entry* find(const wire::Ipv6Addr& ip) const noexcept;
    [[nodiscard]] uint32_t size(uint64_t now) const noexcept;
    [[nodiscard]] uint32_t capacity() const noexcept { return capacity_; }

    template <class F>
    void for_each(F&& f) const {
        for (const Entry& e : slots_) {
            if (e.state != State::Empty) {
                f(e);
            }
        }
    }

private:
    static constexpr uint32_t kProbe = 16;
    [[nodiscard]] uint32_t hash(const wire::Ipv6Addr& ip) const noexcept;
    Entry* slot_for(const wire::Ipv6Addr& ip, uint64_t now) noexcept;

    std::vector<Entry> slots_;  // owned; sized once in the constructor
    uint32_t mask_;
    uint32_t capacity_;
    uint64_t reachable_ticks_;
    uint64_t retry_ticks_;
};

}  // namespace tern::dp
