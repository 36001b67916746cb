// A fixed open-addressing index over a pool the caller owns: entries are (hash, slot) pairs, so
// no key is copied into the table (no strings, no nodes) and a lookup touches one line of it
// before the pool entry it finds. Linear probing, at most half full, deletion by backward shift
// (no tombstones: lookups never slow down as entries come and go). Several entries may share a
// key (a multimap); the caller's predicate tells a slot's real key from a colliding one.
//
// Sized once by the constructor; nothing is allocated afterwards. Lcore-local.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace tern::sfu {

class IndexTable {
public:
    static constexpr uint32_t kNone = UINT32_MAX;

    /// Room for `max_entries` entries (the table is twice as large, rounded up to a power of two).
    explicit IndexTable(uint32_t max_entries) : max_(max_entries) {
        uint32_t n = 8;
        while (n < 2 * max_entries) {
            n <<= 1;
        }
        entries_.assign(n, Entry{0, kNone});
        mask_ = n - 1;
    }

    /// The first slot under `hash` for which `match(slot)` holds, or kNone.
    template <class Match>
    [[nodiscard]] uint32_t find(uint32_t hash, Match&& match) const noexcept {
        for (uint32_t i = hash & mask_;; i = (i + 1) & mask_) {
            const Entry& e = entries_[i];
            if (e.slot == kNone) {
                return kNone;
            }
            if (e.hash == hash && match(e.slot)) {
                return e.slot;
            }
        }
    }

    /// Whether some slot under `hash` satisfies `match`.
    template <class Match>
    [[nodiscard]] bool contains(uint32_t hash, Match&& match) const noexcept {
        return find(hash, match) != kNone;
    }

    /// False when full (a control command is refused, nothing is allocated).
    bool insert(uint32_t hash, uint32_t slot) noexcept {
        if (size_ >= max_) {
            return false;
        }
        uint32_t i = hash & mask_;
        while (entries_[i].slot != kNone) {
            i = (i + 1) & mask_;
        }
        entries_[i] = Entry{hash, slot};
        ++size_;
        return true;
    }

    /// Removes the entry (hash, slot); false when there is none.
    bool erase(uint32_t hash, uint32_t slot) noexcept {
        uint32_t i = hash & mask_;
        for (;; i = (i + 1) & mask_) {
            if (entries_[i].slot == kNone) {
                return false;
            }
            if (entries_[i].hash == hash && entries_[i].slot == slot) {
                break;
            }
        }
        // Backward shift: each later entry of the run that may sit at `i` moves there, so every
        // entry stays reachable from its home without tombstones.
        for (uint32_t j = (i + 1) & mask_; entries_[j].slot != kNone; j = (j + 1) & mask_) {
            const uint32_t home = entries_[j].hash & mask_;
            // `j` may move to `i` when its home is not cyclically within (i, j].
            const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!stays) {
                entries_[i] = entries_[j];
                i = j;
            }
        }
        entries_[i] = Entry{0, kNone};
        --size_;
        return true;
    }

    [[nodiscard]] uint32_t size() const noexcept { return size_; }
    [[nodiscard]] uint32_t max_entries() const noexcept { return max_; }

private:
    struct Entry {
        uint32_t hash;
        uint32_t slot;  // kNone: free
    };
    std::vector<Entry> entries_;  // owned; sized once
    uint32_t mask_ = 0;
    uint32_t size_ = 0;
    uint32_t max_;
};

/// 64 bits mixed down to 32 (the murmur3 finalizer): neighbouring ids and SSRCs spread.
inline uint32_t hash32(uint64_t v) noexcept {
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdULL;
    v ^= v >> 33;
    v *= 0xc4ceb9fe1a85ec53ULL;
    v ^= v >> 33;
    return static_cast<uint32_t>(v);
}

/// FNV-1a over the bytes, mixed (ICE ufrags: control path and STUN checks).
inline uint32_t hash32(std::string_view s) noexcept {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : s) {
        h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
    }
    return hash32(h);
}

}  // namespace tern::sfu
