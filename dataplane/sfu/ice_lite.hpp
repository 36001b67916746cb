// ICE-lite (RFC 8445 §2.5) for one transport: its local credentials (and the previous ones
// across an ICE restart), the remote addresses that passed a check (its valid paths), and the
// connectivity check itself: parsed, answered with success or 401. The engine owns the tables
// that find a transport by ufrag or remote address; what is here decides and writes, it never
// sends. Lcore-local.
#pragma once

#include "common/byte_reader.hpp"
#include "common/crypto/hmac.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/stun/stun_message.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tern::sfu {

/// An ICE ufrag, inline (the control channel carries at most 64 characters).
class Ufrag {
public:
    static constexpr std::size_t kMax = 64;
    /// False (and empty) when `s` is longer than kMax.
    bool assign(std::string_view s) noexcept {
        if (s.size() > kMax) {
            len_ = 0;
            return false;
        }
        std::memcpy(b_.data(), s.data(), s.size());
        len_ = static_cast<uint8_t>(s.size());
        return true;
    }
    void clear() noexcept { len_ = 0; }
    [[nodiscard]] bool empty() const noexcept { return len_ == 0; }
    [[nodiscard]] std::string_view view() const noexcept { return {b_.data(), len_}; }

private:
    std::array<char, kMax> b_{};
    uint8_t len_ = 0;
};

/// A transport's local ICE credentials (from the answer SDP). After an ICE restart the previous
/// ones are still answered, keeping the old pair's consent, until a check with the new ones.
struct IceCredentials {
    Ufrag ufrag;
    crypto::HmacSha1Key pwd;
    Ufrag prev_ufrag;  // empty: no restart pending
    crypto::HmacSha1Key prev_pwd;
};

/// A remote address that passed a check (RFC 8445 §7.3.1.4: a valid pair), and where it reached us.
struct IcePath {
    wire::Endpoint remote, local;
    wire::MacAddr mac;        // the next hop it came from
    uint64_t checked_us = 0;  // its last valid check
};

/// A transport's valid paths. A full agent starts sending on a new pair before it nominates it
/// (libwebrtc nominates a lite agent's pair only once it selected it, up to a ping interval
/// later) and packets of the old pair are still in flight: media from any of these is taken.
class IcePaths {
public:
    static constexpr std::size_t kMax = 4;

    [[nodiscard]] const IcePath* find(const wire::Endpoint& remote) const noexcept {
        for (uint8_t i = 0; i < n_; ++i) {
            if (paths_[i].remote == remote) {
                return &paths_[i];
            }
        }
        return nullptr;
    }

    /// What note() did: `added` a path (the remote is new), evicting `evicted` when full.
    struct Noted {
        bool added = false;
        bool evicted = false;
        wire::Endpoint evicted_remote;
    };
    /// Records a valid check from `path.remote`. A new path when full replaces the least
    /// recently checked one that is not `selected` (null: none is).
    Noted note(const IcePath& path, const wire::Endpoint* selected) noexcept;

    [[nodiscard]] uint8_t size() const noexcept { return n_; }
    [[nodiscard]] const IcePath& operator[](uint8_t i) const noexcept { return paths_[i]; }
    void clear() noexcept { n_ = 0; }

private:
    std::array<IcePath, kMax> paths_{};
    uint8_t n_ = 0;
};

/// A Binding request's parts ICE-lite needs.
struct IceCheck {
    std::string_view local_ufrag;  // our side of USERNAME "local:remote" (RFC 8445 §7.3)
    bool use_candidate = false;    // nominates the path it came on
};

enum class IceVerdict : uint8_t {
    Check,       // a Binding request with USERNAME and MESSAGE-INTEGRITY: look up its ufrag
    Indication,  // a Binding indication (keepalive): consumed silently
    Reject,      // anything else: dropped
};

/// Parses `msg` into `m` and `check`.
IceVerdict parse_check(ByteSpan msg, wire::stun::Message& m, IceCheck& check) noexcept;

/// The success response to check `m` from `peer`, signed with `pwd`, in `out`; its length or 0.
std::size_t write_success(const wire::stun::Message& m, const wire::Endpoint& peer,
                          const crypto::HmacSha1Key& pwd, MutableByteSpan out) noexcept;
/// 401 Unauthorized for a check whose MESSAGE-INTEGRITY failed; its length or 0.
std::size_t write_unauthorized(const wire::stun::Message& m, MutableByteSpan out) noexcept;

/// A remote address's hash, for the engine's index of paths.
inline uint64_t endpoint_key(const wire::Endpoint& e) noexcept {
    uint64_t h = e.port;
    if (e.is_v6) {
        uint64_t a = 0;
        uint64_t b = 0;
        std::memcpy(&a, e.v6.b.data(), 8);
        std::memcpy(&b, e.v6.b.data() + 8, 8);
        h ^= (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL) ^ 1;
    } else {
        h ^= uint64_t{e.v4.v} << 16;
    }
    return h;
}

}  // namespace tern::sfu
