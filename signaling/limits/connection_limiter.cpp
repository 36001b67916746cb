#include "signaling/limits/connection_limiter.hpp"

namespace tern::sig {

ConnectionLimiter::ConnectionLimiter(uint32_t per_address, std::size_t max_addresses)
    : per_address_(per_address), max_addresses_(max_addresses) {
    if (per_address_ != 0) {
        open_.reserve(max_addresses_);
    }
}

ConnectionLimiter::Verdict ConnectionLimiter::admit(std::string_view address) {
    if (per_address_ == 0) {
        return Verdict::Untracked;
    }
    const AddressKey k = address_key(address);
    auto it = open_.find(k);
    if (it == open_.end()) {
        if (open_.size() >= max_addresses_) {
            return Verdict::Untracked;
        }
        open_.emplace(k, 1);
        return Verdict::Admitted;
    }
    if (it->second >= per_address_) {
        return Verdict::Refused;
    }
    ++it->second;
    return Verdict::Admitted;
}

void ConnectionLimiter::release(std::string_view address) {
    auto it = open_.find(address_key(address));
    if (it == open_.end()) {
        return;  // not admitted by this limiter: nothing to give back
    }
    if (--it->second == 0) {
        open_.erase(it);
    }
}

uint32_t ConnectionLimiter::open(std::string_view address) const {
    const auto it = open_.find(address_key(address));
    return it == open_.end() ? 0 : it->second;
}

}  // namespace tern::sig
