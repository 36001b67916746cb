#include "signaling/limits/brute_force.hpp"

#include "common/wire/addr.hpp"

#include <algorithm>
#include <cstring>

namespace tern::sig {

std::size_t BruteForceLimiter::KeyHash::operator()(const Key& k) const noexcept {
    uint64_t a = 0;
    uint64_t b = 0;
    std::memcpy(&a, k.addr.data(), 8);
    std::memcpy(&b, k.addr.data() + 8, 8);
    uint64_t h = (a * 0x9e3779b97f4a7c15ULL) ^ (b + 0x632be59bd9b4e019ULL + (a << 6)) ^
                 static_cast<uint64_t>(k.action);
    h ^= h >> 29;
    return static_cast<std::size_t>(h * 0xbf58476d1ce4e5b9ULL);
}

BruteForceLimiter::Key BruteForceLimiter::key_of(GuardedAction action, std::string_view address) {
    Key k;
    k.action = action;
    if (auto v4 = wire::Ipv4Addr::parse(address)) {
        k.addr[10] = 0xff;
        k.addr[11] = 0xff;
        k.addr[12] = static_cast<uint8_t>(v4->v >> 24);
        k.addr[13] = static_cast<uint8_t>(v4->v >> 16);
        k.addr[14] = static_cast<uint8_t>(v4->v >> 8);
        k.addr[15] = static_cast<uint8_t>(v4->v);
    } else if (auto v6 = wire::Ipv6Addr::parse(address)) {
        std::memcpy(k.addr.data(), v6->b.data(), 8);  // the /64
    } else {
        // Not an address (a unix socket peer, a test): one shared bucket, all ones.
        k.addr.fill(0xff);
    }
    return k;
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
