// A TURN client for tests (RFC 8656 long-term credentials): it numbers its transactions, builds
// requests with the attributes a test adds, and signs them (USERNAME, REALM, NONCE,
// MESSAGE-INTEGRITY) once it has learnt the realm and nonce from a 401 or 438. FINGERPRINT
// always. The TURN server, stream and SFU tests drive the data plane with it.
#pragma once

#include "common/turn/credentials.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/stun/stun_message.hpp"
#include "support/packets.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

namespace tern::test {

struct TurnClient {
    std::string user;
    std::string password;
    std::string realm;  // "" until a challenge taught it
    std::string nonce;  // "" until a challenge taught it: requests go unsigned
    uint32_t tx = 0;    // the last transaction number used

    /// The next transaction id: the number in its first four bytes (host order).
    wire::stun::TransactionId txid() {
        wire::stun::TransactionId t{};
        ++tx;
        std::memcpy(t.data(), &tx, sizeof tx);
        return t;
    }
    [[nodiscard]] tern::turn::LongTermKey key() const {
        return tern::turn::long_term_key(user, realm, password);
    }

    /// A request of `method` carrying what `fill` adds, signed once the nonce is known.
    Bytes request(uint16_t method, const std::function<void(wire::stun::Builder&)>& fill) {
        namespace stun = wire::stun;
        std::array<std::byte, 512> buf{};
        stun::Builder b{buf, stun::message_type(method, stun::Class::Request), txid()};
        fill(b);
        if (!nonce.empty()) {
            b.add_string(stun::attr::kUsername, user)
                .add_string(stun::attr::kRealm, realm)
                .add_string(stun::attr::kNonce, nonce);
            const auto k = key();
            b.add_message_integrity(crypto::HmacSha1Key{as_bytes(k.data(), k.size())});
        }
        b.add_fingerprint();
        return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*b.finish())};
    }

    /// Takes REALM and NONCE from a challenge (401, 438); false when it carries neither.
    bool learn(const wire::stun::Message& challenge) {
        const auto r = challenge.find(wire::stun::attr::kRealm);
        const auto n = challenge.find(wire::stun::attr::kNonce);
        if (!r || !n) {
            return false;
        }
        realm.assign(reinterpret_cast<const char*>(r->value.data()), r->value.size());
        nonce.assign(reinterpret_cast<const char*>(n->value.data()), n->value.size());
        return true;
    }
};

/// A Send indication (RFC 8656 §10.1) with DATA for `peer`; Send indications are never signed.
inline Bytes send_indication(const wire::Endpoint& peer, std::string_view data) {
    namespace stun = wire::stun;
    std::array<std::byte, 512> buf{};
    stun::Builder b{buf, stun::message_type(stun::method::kSend, stun::Class::Indication), {9}};
    b.add_xor_address(stun::attr::kXorPeerAddress, peer).add_string(stun::attr::kData, data);
    return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*b.finish())};
}

}  // namespace tern::test
