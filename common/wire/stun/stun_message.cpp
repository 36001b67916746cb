#include "common/wire/stun/stun_message.hpp"

#include <cstring>

namespace tern::wire::stun {

bool Message::looks_like_stun(ByteSpan p) noexcept {
    return p.size() >= kHeaderLen && (std::to_integer<uint8_t>(p[0]) & 0xc0) == 0 &&
           load_u32be(p.data() + 4) == kMagicCookie && (load_u16be(p.data() + 2) & 3) == 0;
}

Result<Message, Error> Message::parse(ByteSpan packet, Options opts) noexcept {
    ByteReader r{packet};
    Message m;
    m.type_ = r.u16be();
    const uint16_t length = r.u16be();
    m.cookie_ = r.u32be();
    r.copy_to(m.txid_);
    if (!r.ok()) {
        return unexpected(Error::Truncated);
    }
    if ((m.type_ & 0xc000) != 0) {
        return unexpected(Error::Malformed);  // §5: the two most significant bits are zero
    }
    if (length % 4 != 0) {
        return unexpected(Error::BadLength);
    }
    if (kHeaderLen + length != packet.size()) {
        return unexpected(kHeaderLen + length > packet.size() ? Error::Truncated
                                                              : Error::BadLength);
    }
    if (m.cookie_ != kMagicCookie) {
        const bool classic_binding = m.method() == method::kBinding;
        if (!opts.allow_classic || !classic_binding) {
            return unexpected(Error::BadMagic);
        }
        m.classic_ = true;
    }
    m.bytes_ = packet;

    std::size_t covered_end = kHeaderLen;
    while (r.remaining() > 0) {
        const std::size_t at = r.offset();
        const uint16_t t = r.u16be();
        const uint16_t len = r.u16be();
        r.skip(len);
        r.skip((4 - len % 4) % 4);
        if (!r.ok()) {
            return unexpected(Error::Truncated);
        }
        if (m.fingerprint_at_ != 0) {
            return unexpected(Error::Malformed);  // §14.7: FINGERPRINT is the last attribute
        }
        if (t == attr::kFingerprint) {
            if (len != 4) {
                return unexpected(Error::Malformed);
            }
            m.fingerprint_at_ = at;
            continue;
        }
        if (t == attr::kMessageIntegrity && m.integrity_at_ == 0 && m.integrity256_at_ == 0) {
            if (len != crypto::HmacSha1Key::kDigestLen) {
                return unexpected(Error::Malformed);
            }
            m.integrity_at_ = at;
            covered_end = r.offset();
            continue;
        }
        if (t == attr::kMessageIntegritySha256 && m.integrity256_at_ == 0) {
            if (len < 16 || len > crypto::HmacSha256Key::kDigestLen || len % 4 != 0) {
                return unexpected(Error::Malformed);  // §14.6: 16..32 bytes, multiple of 4
            }
            m.integrity256_at_ = at;
            covered_end = r.offset();
            continue;
        }
        if (m.integrity_at_ == 0 && m.integrity256_at_ == 0) {
            covered_end = r.offset();
        }
    }
    m.covered_end_ = covered_end;

    if (m.fingerprint_at_ != 0) {
        const uint32_t want = load_u32be(packet.data() + m.fingerprint_at_ + 4);
        const uint32_t got = crypto::crc32(packet.first(m.fingerprint_at_)) ^ kFingerprintXor;
        if (want != got) {
            return unexpected(Error::BadFingerprint);
        }
    }
    return m;
}

std::optional<Attribute> Message::find(uint16_t type) const noexcept {
    std::optional<Attribute> found;
    for_each([&](const Attribute& a) {
        if (!found && a.type == type) {
            found = a;
        }
    });
    return found;
}

namespace {

/// The header with its length field rewritten to end right after the attribute at `end`.
std::array<std::byte, kHeaderLen> header_for_integrity(ByteSpan msg, std::size_t end) noexcept {
    std::array<std::byte, kHeaderLen> h;
    std::memcpy(h.data(), msg.data(), kHeaderLen);
    store_u16be(h.data() + 2, static_cast<uint16_t>(end - kHeaderLen));
    return h;
}

}  // namespace

bool Message::check_integrity(const crypto::HmacSha1Key& key) const noexcept {
    if (integrity_at_ == 0) {
        return false;
    }
    const std::size_t value_at = integrity_at_ + 4;
    const auto hdr = header_for_integrity(bytes_, value_at + crypto::HmacSha1Key::kDigestLen);
    const auto mac = key.compute({hdr, bytes_.subspan(kHeaderLen, integrity_at_ - kHeaderLen)});
    return crypto::equal_ct(as_bytes(mac.data(), mac.size()),
                            bytes_.subspan(value_at, crypto::HmacSha1Key::kDigestLen));
}

bool Message::check_integrity_sha256(const crypto::HmacSha256Key& key) const noexcept {
    if (integrity256_at_ == 0) {
        return false;
    }
    const std::size_t len = load_u16be(bytes_.data() + integrity256_at_ + 2);
    const std::size_t value_at = integrity256_at_ + 4;
    const auto hdr = header_for_integrity(bytes_, value_at + len);
    const auto mac = key.compute({hdr, bytes_.subspan(kHeaderLen, integrity256_at_ - kHeaderLen)});
    return crypto::equal_ct(as_bytes(mac.data(), len), bytes_.subspan(value_at, len));
}

std::optional<Endpoint> Message::xor_address(const Attribute& a) const noexcept {
    ByteReader r{a.value};
    (void)r.u8();
    const uint8_t family = r.u8();
    const uint16_t port = r.u16be() ^ static_cast<uint16_t>(kMagicCookie >> 16);
    if (family == 1 && a.value.size() == 8) {
        return Endpoint::from_v4(Ipv4Addr{r.u32be() ^ kMagicCookie}, port);
    }
    if (family == 2 && a.value.size() == 20) {
        Ipv6Addr ip;
        r.copy_to(ip.b);
        uint8_t mask[16];
        store_u32be(reinterpret_cast<std::byte*>(mask), kMagicCookie);
        std::memcpy(mask + 4, txid_.data(), txid_.size());
        for (std::size_t i = 0; i < 16; ++i) {
            ip.b[i] ^= mask[i];
        }
        return Endpoint::from_v6(ip, port);
    }
    return std::nullopt;
}

std::optional<Endpoint> Message::plain_address(const Attribute& a) noexcept {
    ByteReader r{a.value};
    (void)r.u8();
    const uint8_t family = r.u8();
    const uint16_t port = r.u16be();
    if (family == 1 && a.value.size() == 8) {
        return Endpoint::from_v4(Ipv4Addr{r.u32be()}, port);
    }
    if (family == 2 && a.value.size() == 20) {
        Ipv6Addr ip;
        r.copy_to(ip.b);
        return Endpoint::from_v6(ip, port);
    }
    return std::nullopt;
}

std::optional<ErrorCode> Message::error_code(const Attribute& a) noexcept {
    ByteReader r{a.value};
    const uint32_t w = r.u32be();
    if (!r.ok()) {
        return std::nullopt;
    }
    const uint32_t cls = (w >> 8) & 0x7;
    const uint32_t number = w & 0xff;
    if (cls < 3 || cls > 6 || number > 99) {
        return std::nullopt;
    }
    return ErrorCode{static_cast<uint16_t>(cls * 100 + number), r.rest()};
}

}  // namespace tern::wire::stun
