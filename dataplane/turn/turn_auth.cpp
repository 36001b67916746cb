#include "dataplane/turn/turn_auth.hpp"

#include <cstring>
#include <string_view>

namespace tern::dp {

namespace stun = wire::stun;
namespace attr = wire::stun::attr;

namespace {

std::string_view text(ByteSpan s) {
    return {reinterpret_cast<const char*>(s.data()), s.size()};
}

void put_hex(char* out, uint64_t v) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
        out[i] = kHex[v & 0xf];
        v >>= 4;
    }
}

bool get_hex(const char* in, uint64_t& v) {
    v = 0;
    for (int i = 0; i < 16; ++i) {
        const char c = in[i];
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) {
            return false;
        }
        v = (v << 4) | static_cast<uint64_t>(d);
    }
    return true;
}

}  // namespace

TurnAuth::TurnAuth(const TurnConfig& cfg, uint64_t start_unix_s, ByteSpan nonce_secret)
    : cfg_(cfg), nonce_key_(nonce_secret), start_unix_s_(start_unix_s) {
    for (const std::string& s : cfg.secrets) {
        secret_keys_.emplace_back(as_bytes(s.data(), s.size()));
    }
    for (const TurnUser& u : cfg.users) {
        static_users_.emplace_back(u.name, turn::long_term_key(u.name, cfg.realm, u.password));
    }
}

// ---- nonces: stateless, bound to the client address, with an expiry (RFC 8489 §9.2) ----------

void TurnAuth::make_nonce(const wire::Endpoint& client, uint64_t now_s,
                          char out[32]) const noexcept {
    const uint64_t expiry = start_unix_s_ + now_s + cfg_.nonce_lifetime_s;
    put_hex(out, expiry);
    const auto mac =
        nonce_key_.compute({as_bytes(out, 16), client.is_v6 ? as_bytes(client.v6.b.data(), 16)
                                                            : as_bytes(&client.v4.v, 4)});
    uint64_t tag = 0;
    std::memcpy(&tag, mac.data(), sizeof tag);
    put_hex(out + 16, tag);
}

bool TurnAuth::nonce_valid(ByteSpan nonce, const wire::Endpoint& client,
                           uint64_t now_s) const noexcept {
    if (nonce.size() != 32) {
        return false;
    }
    const char* n = reinterpret_cast<const char*>(nonce.data());
    uint64_t expiry = 0;
    uint64_t tag = 0;
    if (!get_hex(n, expiry) || !get_hex(n + 16, tag) || expiry < start_unix_s_ + now_s) {
        return false;
    }
    char expect[32];
    make_nonce(client, expiry - cfg_.nonce_lifetime_s - start_unix_s_, expect);
    return std::memcmp(expect + 16, n + 16, 16) == 0;
}

// ---- authentication ---------------------------------------------------------------------------

bool TurnAuth::rate_limited(const wire::Endpoint& client, uint64_t now_s, bool record) noexcept {
    wire::Endpoint who = client;
    who.port = 0;
    const std::size_t h =
        (client.is_v6 ? client.v6.b[15] ^ client.v6.b[14] : client.v4.v * 2654435761U) %
        failures_.size();
    FailureSlot& s = failures_[h];
    if (!(s.who == who) || now_s >= s.window_start_s + 60) {
        if (!record) {
            return false;
        }
        s = FailureSlot{who, now_s, 0};
    }
    if (record) {
        ++s.failures;
    }
    return s.failures > cfg_.auth_failures_per_minute;
}

TurnAuth::Result TurnAuth::authenticate(const stun::Message& m, const wire::Endpoint& client,
                                        uint64_t now_s) noexcept {
    Result a;
    auto user = m.find(attr::kUsername);
    auto realm = m.find(attr::kRealm);
    auto nonce = m.find(attr::kNonce);
    if (!user || !realm || !nonce || text(realm->value) != cfg_.realm) {
        return a;
    }
    if (!nonce_valid(nonce->value, client, now_s)) {
        return a;  // caller distinguishes stale nonces
    }
    const std::string_view name = text(user->value);
    for (const auto& [n, key] : static_users_) {
        if (n == name) {
            if (m.check_integrity(crypto::HmacSha1Key{as_bytes(key.data(), key.size())})) {
                a.ok = true;
                a.key = key;
                return a;
            }
        }
    }
    if (!secret_keys_.empty()) {
        const auto expiry = turn::rest_expiry(name);
        if (expiry && *expiry >= start_unix_s_ + now_s) {
            for (const crypto::HmacSha1Key& sk : secret_keys_) {
                const auto mac = sk.compute({user->value});
                char pw[32];
                const std::size_t pw_len =
                    turn::base64_encode(as_bytes(mac.data(), mac.size()), pw);
                const auto key =
                    crypto::long_term_key_md5(user->value, realm->value, as_bytes(pw, pw_len));
                if (m.check_integrity(crypto::HmacSha1Key{as_bytes(key.data(), key.size())})) {
                    a.ok = true;
                    a.key = key;
                    return a;
                }
            }
        }
    }
    return a;
}

}  // namespace tern::dp
