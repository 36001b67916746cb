#include "dataplane/sfu/ice_lite.hpp"

#include "common/wire/stun/stun_builder.hpp"

namespace tern::sfu {

namespace stun = wire::stun;

IcePaths::Noted IcePaths::note(const IcePath& path, const wire::Endpoint* selected) noexcept {
    Noted r;
    for (uint8_t i = 0; i < n_; ++i) {
        if (paths_[i].remote == path.remote) {
            paths_[i] = path;
            return r;
        }
    }
    r.added = true;
    uint8_t at = n_;
    if (at == kMax) {
        // Full: the least recently checked path other than the selected one goes.
        at = UINT8_MAX;
        for (uint8_t i = 0; i < n_; ++i) {
            if (!(selected != nullptr && paths_[i].remote == *selected) &&
                (at == UINT8_MAX || paths_[i].checked_us < paths_[at].checked_us)) {
                at = i;
            }
        }
        r.evicted = true;
        r.evicted_remote = paths_[at].remote;
    } else {
        ++n_;
    }
    paths_[at] = path;
    return r;
}

IceVerdict parse_check(ByteSpan msg, stun::Message& m, IceCheck& check) noexcept {
    auto parsed = stun::Message::parse(msg);
    if (!parsed || parsed->cls() != stun::Class::Request ||
        parsed->method() != stun::method::kBinding) {
        return parsed && parsed->cls() == stun::Class::Indication ? IceVerdict::Indication
                                                                  : IceVerdict::Reject;
    }
    m = *parsed;
    // RFC 8445 §7.3: USERNAME is "local-ufrag:remote-ufrag"; our ufrag picks the transport and
    // its password keys MESSAGE-INTEGRITY.
    auto user = m.find(stun::attr::kUsername);
    if (!user || !m.find(stun::attr::kMessageIntegrity)) {
        return IceVerdict::Reject;
    }
    const std::string_view name{reinterpret_cast<const char*>(user->value.data()),
                                user->value.size()};
    const std::size_t colon = name.find(':');
    if (colon == std::string_view::npos) {
        return IceVerdict::Reject;
    }
    check.local_ufrag = name.substr(0, colon);
    check.use_candidate = m.find(stun::attr::kUseCandidate).has_value();
    return IceVerdict::Check;
}

std::size_t write_success(const stun::Message& m, const wire::Endpoint& peer,
                          const crypto::HmacSha1Key& pwd, MutableByteSpan out) noexcept {
    stun::Builder b{out, stun::message_type(stun::method::kBinding, stun::Class::Success),
                    m.transaction_id()};
    b.add_xor_address(stun::attr::kXorMappedAddress, peer)
        .add_message_integrity(pwd)
        .add_fingerprint();
    auto n = b.finish();
    return n ? *n : 0;
}

std::size_t write_unauthorized(const stun::Message& m, MutableByteSpan out) noexcept {
    stun::Builder b{out, stun::message_type(stun::method::kBinding, stun::Class::Error),
                    m.transaction_id()};
    b.add_error_code(stun::error::kUnauthorized, "Unauthorized").add_fingerprint();
    auto n = b.finish();
    return n ? *n : 0;
}

}  // namespace tern::sfu
