#include "common/wire/stun/stun_builder.hpp"

#include <cstring>

namespace tern::wire::stun {

Builder::Builder(MutableByteSpan out, uint16_t type, const TransactionId& txid,
                 uint32_t cookie_word) noexcept
    : w_(out), txid_(txid) {
    w_.u16be(type);
    w_.u16be(0);
    w_.u32be(cookie_word);
    w_.bytes(as_bytes(txid.data(), txid.size()));
}

void Builder::set_length(std::size_t total) noexcept {
    if (w_.ok()) {
        store_u16be(w_.at(2), static_cast<uint16_t>(total - kHeaderLen));
    }
}

void Builder::begin_attr(uint16_t type, std::size_t len) noexcept {
    w_.u16be(type);
    w_.u16be(static_cast<uint16_t>(len));
}

void Builder::end_attr(std::size_t len) noexcept {
    w_.zeros((4 - len % 4) % 4);
    set_length(w_.size());
}

Builder& Builder::add(uint16_t type, ByteSpan value) noexcept {
    if (value.size() > 0xffff) {
        w_.fail();
        return *this;
    }
    begin_attr(type, value.size());
    w_.bytes(value);
    end_attr(value.size());
    return *this;
}

Builder& Builder::add_string(uint16_t type, std::string_view s) noexcept {
    return add(type, as_bytes(s.data(), s.size()));
}

Builder& Builder::add_u32(uint16_t type, uint32_t v) noexcept {
    begin_attr(type, 4);
    w_.u32be(v);
    end_attr(4);
    return *this;
}

Builder& Builder::add_xor_address(uint16_t type, const Endpoint& ep) noexcept {
    const std::size_t len = ep.is_v6 ? 20 : 8;
    begin_attr(type, len);
    w_.u8(0);
    w_.u8(ep.is_v6 ? 2 : 1);
    w_.u16be(ep.port ^ static_cast<uint16_t>(kMagicCookie >> 16));
    if (ep.is_v6) {
        uint8_t mask[16];
        store_u32be(reinterpret_cast<std::byte*>(mask), kMagicCookie);
        std::memcpy(mask + 4, txid_.data(), txid_.size());
        for (std::size_t i = 0; i < 16; ++i) {
            w_.u8(ep.v6.b[i] ^ mask[i]);
        }
    } else {
        w_.u32be(ep.v4.v ^ kMagicCookie);
    }
    end_attr(len);
    return *this;
}

Builder& Builder::add_plain_address(uint16_t type, const Endpoint& ep) noexcept {
    const std::size_t len = ep.is_v6 ? 20 : 8;
    begin_attr(type, len);
    w_.u8(0);
    w_.u8(ep.is_v6 ? 2 : 1);
    w_.u16be(ep.port);
    if (ep.is_v6) {
        w_.bytes(as_bytes(ep.v6.b.data(), 16));
    } else {
        w_.u32be(ep.v4.v);
    }
    end_attr(len);
    return *this;
}

Builder& Builder::add_error_code(uint16_t code, std::string_view reason) noexcept {
    // §14.8: reason phrase at most 127 characters; we never send longer ones.
    const std::size_t rlen = reason.size() > 127 ? 127 : reason.size();
    const std::size_t len = 4 + rlen;
    begin_attr(attr::kErrorCode, len);
    w_.u16be(0);
    w_.u8(static_cast<uint8_t>(code / 100));
    w_.u8(static_cast<uint8_t>(code % 100));
    w_.bytes(as_bytes(reason.data(), rlen));
    end_attr(len);
    return *this;
}

Builder& Builder::add_unknown_attributes(std::span<const uint16_t> types) noexcept {
    const std::size_t len = types.size() * 2;
    begin_attr(attr::kUnknownAttributes, len);
    for (uint16_t t : types) {
        w_.u16be(t);
    }
    end_attr(len);
    return *this;
}

Builder& Builder::add_message_integrity(const crypto::HmacSha1Key& key) noexcept {
    const std::size_t at = w_.size();
    begin_attr(attr::kMessageIntegrity, crypto::HmacSha1Key::kDigestLen);
    const std::size_t value_at = w_.reserve(crypto::HmacSha1Key::kDigestLen);
    set_length(w_.size());  // the length covers MESSAGE-INTEGRITY itself while hashing
    if (w_.ok()) {
        const auto mac = key.compute({w_.written().first(at)});
        std::memcpy(w_.at(value_at), mac.data(), mac.size());
    }
    return *this;
}

Builder& Builder::add_message_integrity_sha256(const crypto::HmacSha256Key& key) noexcept {
    const std::size_t at = w_.size();
    begin_attr(attr::kMessageIntegritySha256, crypto::HmacSha256Key::kDigestLen);
    const std::size_t value_at = w_.reserve(crypto::HmacSha256Key::kDigestLen);
    set_length(w_.size());
    if (w_.ok()) {
        const auto mac = key.compute({w_.written().first(at)});
        std::memcpy(w_.at(value_at), mac.data(), mac.size());
    }
    return *this;
}

Builder& Builder::add_fingerprint() noexcept {
    const std::size_t at = w_.size();
    begin_attr(attr::kFingerprint, 4);
    const std::size_t value_at = w_.reserve(4);
    set_length(w_.size());
    if (w_.ok()) {
        store_u32be(w_.at(value_at), crypto::crc32(w_.written().first(at)) ^ kFingerprintXor);
    }
    return *this;
}

Result<std::size_t, Error> Builder::finish() const noexcept {
    if (!w_.ok()) {
        return unexpected(Error::NoSpace);
    }
    return w_.size();
}

}  // namespace tern::wire::stun
