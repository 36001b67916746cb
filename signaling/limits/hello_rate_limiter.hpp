// How often one address may say hello (docs/signaling.md, Operations): a token bucket per
// address, `per_second` tokens a second up to `burst`, one token per hello. A v1 hello costs a
// request to the Nextcloud backend, so a client hammering hellos would load Nextcloud, not only
// this server. Addresses are counted by address_key() (an IPv6 client by its /64).
//
// The bucket is kept as its theoretical arrival time (GCRA, equivalent to a token bucket): one
// number per address, no floating point. An address whose bucket has filled up again is idle:
// forgetting it changes nothing.
//
// Memory is fixed at construction: `max_addresses` slots, allocated once, in least-recently-used
// order. A new address when every slot is taken evicts the least recently seen one; that one is
// almost always idle, and if not (more than `max_addresses` addresses said hello within one refill
// time) it starts again with a full bucket, counted in evicted_active(). Time is injected
// (`now_us`, microseconds); a step back of the clock gives the buckets it affects a fresh start
// instead of refusing for the length of the step. Not thread-safe: one owner (a Hub, per shard).
#pragma once

#include "signaling/limits/address_key.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tern::sig {

class HelloRateLimiter {
public:
    /// `per_second` 0: no limit. `burst` at least 1.
    HelloRateLimiter(uint32_t per_second, uint32_t burst, std::size_t max_addresses);

    /// Takes one token of `address`'s bucket; false when it is empty (the hello is refused and
    /// costs nothing).
    bool admit(std::string_view address, uint64_t now_us);

    [[nodiscard]] std::size_t tracked() const noexcept { return index_.size(); }
    [[nodiscard]] uint64_t evicted_active() const noexcept { return evicted_active_; }

private:
    static constexpr uint32_t kNone = UINT32_MAX;
    struct Slot {
        AddressKey key{};
        uint64_t tat = 0;  // theoretical arrival time of the next hello, µs
        uint32_t prev = kNone;
        uint32_t next = kNone;
    };

    void unlink(uint32_t i);
    void push_front(uint32_t i);

    uint64_t interval_us_ = 0;   // one token's refill time
    uint64_t tolerance_us_ = 0;  // (burst - 1) intervals
    std::vector<Slot> slots_;    // fixed size; in use or on the free list
    std::unordered_map<AddressKey, uint32_t, AddressKeyHash> index_;
    uint32_t head_ = kNone;  // most recently seen
    uint32_t tail_ = kNone;  // least recently seen
    uint32_t free_ = 0;      // slots [free_, size) never used yet
    uint64_t evicted_active_ = 0;
};

}  // namespace tern::sig
