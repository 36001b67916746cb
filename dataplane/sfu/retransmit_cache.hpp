// The last packets of one outgoing stream, by sequence number, for answering NACKs (RFC 4585
// §6.2.1) without asking the publisher. A fixed ring (power of two): storing packet n evicts
// packet n - slots; nothing is allocated after construction. `Handle` is what the data plane
// keeps (an mbuf pointer, with a reference held); an evicted handle is returned to the caller
// to release.
#pragma once

#include <cstdint>
#include <vector>

namespace tern::sfu {

template <class Handle>
class RetransmitCache {
public:
    /// `slots` is rounded up to a power of two; packets older than `max_age_us` are not resent
    /// (the receiver's jitter buffer has given up on them).
    explicit RetransmitCache(uint32_t slots = 512, uint64_t max_age_us = 1'000'000)
        : max_age_us_(max_age_us) {
        uint32_t n = 1;
        while (n < slots) {
            n <<= 1;
        }
        slots_.resize(n);
    }

    /// Keeps `h` for `seq`; returns the handle it displaces (or Handle{}).
    Handle store(uint16_t seq, Handle h, uint64_t now_us) noexcept {
        Slot& s = slots_[seq & (slots_.size() - 1)];
        Handle old = s.used ? s.handle : Handle{};
        s = Slot{h, seq, now_us, 0, true};
        return old;
    }

    /// The packet to resend for `seq`: held, young enough, and not resent within
    /// `min_interval_us` (a NACK storm or repeated NACKs within one RTT send it once).
    Handle for_resend(uint16_t seq, uint64_t now_us, uint64_t min_interval_us) noexcept {
        Slot& s = slots_[seq & (slots_.size() - 1)];
        if (!s.used || s.seq != seq || now_us - s.stored_us > max_age_us_) {
            ++misses_;
            return Handle{};
        }
        if (s.resent_us != 0 && now_us - s.resent_us < min_interval_us) {
            ++throttled_;
            return Handle{};
        }
        s.resent_us = now_us == 0 ? 1 : now_us;
        ++resent_;
        return s.handle;
    }

    /// Releases everything held (stream closed).
    template <class F>
    void clear(F&& release) {
        for (Slot& s : slots_) {
            if (s.used) {
                release(s.handle);
                s = Slot{};
            }
        }
    }

    [[nodiscard]] uint64_t resent() const noexcept { return resent_; }
    [[nodiscard]] uint64_t misses() const noexcept { return misses_; }
    [[nodiscard]] uint64_t throttled() const noexcept { return throttled_; }
    [[nodiscard]] std::size_t slots() const noexcept { return slots_.size(); }

private:
    struct Slot {
        Handle handle{};
        uint16_t seq = 0;
        uint64_t stored_us = 0;
        uint64_t resent_us = 0;
        bool used = false;
    };
    std::vector<Slot> slots_;
    uint64_t max_age_us_;
    uint64_t resent_ = 0;
    uint64_t misses_ = 0;
    uint64_t throttled_ = 0;
};

}  // namespace tern::sfu
