#include "signaling/backend/rest/credential_cache.hpp"

#include "signaling/backend/auth/secret_token.hpp"

namespace tern::sig::backend::rest {

std::string CredentialCache::key_of(std::string_view name, std::string_view password) {
    std::string both;
    both.reserve(name.size() + 1 + password.size());
    for (const char c : name) {
        both.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    }
    both.push_back('\n');  // names hold no control characters (user_name.hpp)
    both.append(password);
    return secret_digest(both);
}

std::optional<UserId> CredentialCache::find(std::string_view name, std::string_view password,
                                            uint64_t now_us) {
    auto it = entries_.find(key_of(name, password));
    if (it == entries_.end() || it->second.expires_us <= now_us) {
        return std::nullopt;
    }
    return it->second.user;
}

void CredentialCache::remember(std::string_view name, std::string_view password, UserId user,
                               uint64_t now_us) {
    if (capacity_ == 0) {
        return;
    }
    std::string key = key_of(name, password);
    if (entries_.find(key) == entries_.end() && entries_.size() >= capacity_) {
        // The soonest to expire goes (an expired one when there is one).
        auto oldest = by_expiry_.begin();
        entries_.erase(oldest->second);
        by_expiry_.erase(oldest);
    }
    // Drop the key's older expiry record, if any.
    if (auto old = entries_.find(key); old != entries_.end()) {
        auto [first, last] = by_expiry_.equal_range(old->second.expires_us);
        for (auto i = first; i != last; ++i) {
            if (i->second == key) {
                by_expiry_.erase(i);
                break;
            }
        }
    }
    const uint64_t expires = now_us + ttl_us_;
    entries_[key] = Entry{user, expires};
    by_expiry_.emplace(expires, std::move(key));
}

}  // namespace tern::sig::backend::rest
