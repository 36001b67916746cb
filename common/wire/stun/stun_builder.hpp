// Builds one STUN message into a caller-provided buffer, keeping the header length current so
// MESSAGE-INTEGRITY and FINGERPRINT can be appended in order (RFC 8489 §14.5, §14.7).
#pragma once

#include "common/byte_reader.hpp"
#include "common/crypto/hmac.hpp"
#include "common/result.hpp"
#include "common/wire/error.hpp"
#include "common/wire/stun/stun_message.hpp"

#include <span>
#include <string_view>

namespace tern::wire::stun {

class Builder {
public:
    /// Starts a message; `cookie_word` is the magic cookie, or for an RFC 3489 reply the first
    /// four bytes of the request's 128-bit transaction id.
    Builder(MutableByteSpan out, uint16_t type, const TransactionId& txid,
            uint32_t cookie_word = kMagicCookie) noexcept;

    Builder& add(uint16_t type, ByteSpan value) noexcept;
    Builder& add_string(uint16_t type, std::string_view s) noexcept;
    Builder& add_u32(uint16_t type, uint32_t v) noexcept;
    Builder& add_xor_address(uint16_t type, const Endpoint& ep) noexcept;
    Builder& add_plain_address(uint16_t type, const Endpoint& ep) noexcept;
    Builder& add_error_code(uint16_t code, std::string_view reason) noexcept;
    Builder& add_unknown_attributes(std::span<const uint16_t> types) noexcept;
    Builder& add_message_integrity(const crypto::HmacSha1Key& key) noexcept;
    Builder& add_message_integrity_sha256(const crypto::HmacSha256Key& key) noexcept;
    Builder& add_fingerprint() noexcept;

    /// Total length written, or Error::NoSpace if any step ran out of room.
    [[nodiscard]] Result<std::size_t, Error> finish() const noexcept;

private:
    void begin_attr(uint16_t type, std::size_t len) noexcept;
    void end_attr(std::size_t len) noexcept;
    void set_length(std::size_t total) noexcept;

    ByteWriter w_;
    TransactionId txid_;
};

}  // namespace tern::wire::stun
