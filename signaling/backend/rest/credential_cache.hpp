// The Basic credentials that logged in recently, so that a client sending them with every
// request (a bridge, a bot, Talk's clients) costs one argon2id hash and one login-throttle
// attempt per `ttl`, not per request: without it a bridge polling and posting would spend the
// address's login budget (login_throttle.hpp) and be refused with 429.
//
// Keyed by the SHA-256 of name and password (never the password itself); an entry says which
// user they opened and until when. The price: a password changed or an app password revoked
// still opens for up to `ttl` on this shard, so the default is short (60 s). Fixed capacity:
// when full, expired entries go first, else the oldest.
//
// Not thread-safe (one per shard, like the service).
#pragma once

#include "signaling/backend/store/records.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tern::sig::backend::rest {

class CredentialCache {
public:
    explicit CredentialCache(uint64_t ttl_us = 60'000'000, std::size_t capacity = 4096)
        : ttl_us_(ttl_us), capacity_(capacity) {}

    /// The user these credentials opened within the last ttl; nullopt else.
    std::optional<UserId> find(std::string_view name, std::string_view password, uint64_t now_us);
    /// Records a successful login.
    void remember(std::string_view name, std::string_view password, UserId user, uint64_t now_us);
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

private:
    struct Entry {
        UserId user;
        uint64_t expires_us = 0;
    };
    static std::string key_of(std::string_view name, std::string_view password);

    uint64_t ttl_us_;
    std::size_t capacity_;
    std::unordered_map<std::string, Entry> entries_;
    std::multimap<uint64_t, std::string> by_expiry_;  // soonest first
};

}  // namespace tern::sig::backend::rest
