#include "signaling/limits/hello_rate_limiter.hpp"

#include <algorithm>

namespace tern::sig {

HelloRateLimiter::HelloRateLimiter(uint32_t per_second, uint32_t burst, std::size_t max_addresses)
    : slots_(per_second == 0 ? 0 : std::max<std::size_t>(max_addresses, 1)) {
    if (per_second != 0) {
        interval_us_ = 1'000'000 / per_second;
        tolerance_us_ = interval_us_ * (std::max<uint32_t>(burst, 1) - 1);
        index_.reserve(slots_.size());
    }
}

bool HelloRateLimiter::admit(std::string_view address, uint64_t now_us) {
    if (slots_.empty()) {
        return true;
    }
    const AddressKey k = address_key(address);
    uint32_t i = kNone;
    if (auto it = index_.find(k); it != index_.end()) {
        i = it->second;
        unlink(i);
    } else {
        if (free_ < slots_.size()) {
            i = free_++;
        } else {
            i = tail_;  // the least recently seen address makes room
            unlink(i);
            index_.erase(slots_[i].key);
            if (slots_[i].tat > now_us) {
                ++evicted_active_;
            }
        }
        slots_[i].key = k;
        slots_[i].tat = now_us;  // a full bucket
        index_.emplace(k, i);
    }
    push_front(i);
    Slot& s = slots_[i];
    if (s.tat > now_us + tolerance_us_ + interval_us_) {
        // Further ahead than any sequence of hellos can put it: the clock stepped back (the hub
        // runs on the wall clock). Start afresh rather than refuse for the length of the step.
        s.tat = now_us;
    }
    const uint64_t tat = std::max(s.tat, now_us);
    if (tat - now_us > tolerance_us_) {
        return false;
    }
    s.tat = tat + interval_us_;
    return true;
}

void HelloRateLimiter::unlink(uint32_t i) {
    Slot& s = slots_[i];
    if (s.prev != kNone) {
        slots_[s.prev].next = s.next;
    } else {
        head_ = s.next;
    }
    if (s.next != kNone) {
        slots_[s.next].prev = s.prev;
    } else {
        tail_ = s.prev;
    }
    s.prev = kNone;
    s.next = kNone;
}

void HelloRateLimiter::push_front(uint32_t i) {
    Slot& s = slots_[i];
    s.prev = kNone;
    s.next = head_;
    if (head_ != kNone) {
        slots_[head_].prev = i;
    }
    head_ = i;
    if (tail_ == kNone) {
        tail_ = i;
    }
}

}  // namespace tern::sig
