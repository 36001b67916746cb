#include "signaling/limits/brute_force.hpp"

#include <algorithm>

namespace tern::sig {

std::size_t BruteForceLimiter::KeyHash::operator()(const Key& k) const noexcept {
    return AddressKeyHash{}(k.addr) ^ static_cast<std::size_t>(k.action);
}

BruteForceLimiter::Key BruteForceLimiter::key_of(GuardedAction action, std::string_view address) {
    return Key{address_key(address), action};
}

int BruteForceLimiter::recent(const Failures& f, Clock::time_point now) {
    int n = 0;
    const auto stored = std::min<uint32_t>(f.count, static_cast<uint32_t>(f.at.size()));
    for (uint32_t i = 0; i < stored; ++i) {
        if (now - f.at[i] < kWindow) {
            ++n;
        }
    }
    return n;
}

bool BruteForceLimiter::blocked(GuardedAction action, std::string_view address,
                                Clock::time_point now) const {
    const auto it = entries_.find(key_of(action, address));
    return it != entries_.end() && recent(it->second, now) > kMaxFailures;
}

std::chrono::milliseconds BruteForceLimiter::record_failure(GuardedAction action,
                                                            std::string_view address,
                                                            Clock::time_point now) {
    const Key k = key_of(action, address);
    auto it = entries_.find(k);
    if (it == entries_.end()) {
        if (entries_.size() >= max_addresses_ && !entries_.empty()) {
            auto oldest = std::min_element(
                entries_.begin(), entries_.end(),
                [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
            entries_.erase(oldest);
        }
        it = entries_.emplace(k, Failures{}).first;
    }
    Failures& f = it->second;
    f.at[f.count % f.at.size()] = now;
    ++f.count;
    f.last = now;
    const int n = recent(f, now);
    const auto delay = std::chrono::milliseconds{100} * (1LL << std::min(n - 1, 20));
    return std::min<std::chrono::milliseconds>(delay, kMaxDelay);
}

void BruteForceLimiter::prune(Clock::time_point now) {
    std::erase_if(entries_, [now](const auto& e) { return now - e.second.last >= kWindow; });
}

}  // namespace tern::sig
