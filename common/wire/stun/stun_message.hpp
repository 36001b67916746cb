// A zero-copy, validated view of one STUN message (RFC 8489).
#pragma once

#include "common/byte_reader.hpp"
#include "common/crypto/hmac.hpp"
#include "common/result.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/error.hpp"
#include "common/wire/stun/stun_constants.hpp"

#include <array>
#include <optional>
#include <span>

namespace tern::wire {

/// A transport address: IPv4 or IPv6 plus a port.
struct Endpoint {
    bool is_v6 = false;
    Ipv4Addr v4;
    Ipv6Addr v6;
    uint16_t port = 0;

    static Endpoint from_v4(Ipv4Addr a, uint16_t port) { return {false, a, {}, port}; }
    static Endpoint from_v6(const Ipv6Addr& a, uint16_t port) { return {true, {}, a, port}; }
    /// Compares only the address of the endpoint's family (the other is unused).
    bool operator==(const Endpoint& o) const noexcept {
        return is_v6 == o.is_v6 && port == o.port && (is_v6 ? v6 == o.v6 : v4 == o.v4);
    }
};

}  // namespace tern::wire

namespace tern::wire::stun {

using TransactionId = std::array<uint8_t, 12>;

struct Attribute {
    uint16_t type = 0;
    ByteSpan value;      // without padding
    std::size_t offset;  // of the attribute header within the message
};

struct ErrorCode {
    uint16_t code = 0;  // 300..699
    ByteSpan reason;
};

class Message {
public:
    struct Options {
        /// Accept RFC 3489 Binding messages (no magic cookie): requests are answered with
        /// MAPPED-ADDRESS; clients parse the responses.
        bool allow_classic = false;
    };

    /// Validates the header (§5), walks every attribute within bounds and checks that
    /// FINGERPRINT, when present, is last and correct. Attributes after MESSAGE-INTEGRITY other
    /// than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are ignored as §14.5 requires.
    static Result<Message, Error> parse(ByteSpan packet, Options opts) noexcept;
    static Result<Message, Error> parse(ByteSpan packet) noexcept {
        return parse(packet, Options{});
    }

    /// Cheap pre-check used by demultiplexers: first two bits zero, cookie present, length sane.
    static bool looks_like_stun(ByteSpan packet) noexcept;

    [[nodiscard]] uint16_t type() const noexcept { return type_; }
    [[nodiscard]] uint16_t method() const noexcept { return method_of(type_); }
    [[nodiscard]] Class cls() const noexcept { return class_of(type_); }
    [[nodiscard]] const TransactionId& transaction_id() const noexcept { return txid_; }
    /// RFC 3489 message: the cookie bytes are part of a 128-bit transaction id.
    [[nodiscard]] bool classic() const noexcept { return classic_; }
    [[nodiscard]] uint32_t cookie_word() const noexcept { return cookie_; }
    [[nodiscard]] ByteSpan bytes() const noexcept { return bytes_; }
    [[nodiscard]] bool has_fingerprint() const noexcept { return fingerprint_at_ != 0; }

    /// First occurrence of `type` among the attributes covered by integrity (§14: later
    /// duplicates are ignored).
    [[nodiscard]] std::optional<Attribute> find(uint16_t type) const noexcept;

    /// Calls f(Attribute) for each attribute covered by integrity, in order.
    template <class F>
    void for_each(F&& f) const noexcept {
        ByteReader r{bytes_.subspan(kHeaderLen, covered_end_ - kHeaderLen)};
        while (r.remaining() >= 4) {
            const std::size_t off = kHeaderLen + r.offset();
            const uint16_t t = r.u16be();
            const uint16_t len = r.u16be();
            ByteSpan v = r.bytes(len);
            r.skip((4 - len % 4) % 4);
            f(Attribute{t, v, off});
        }
    }

    /// Writes up to out.size() comprehension-required attribute types not accepted by
    /// `known(type)` into `out`; returns how many there were in total.
    template <class Known>
    std::size_t unknown_required(std::span<uint16_t> out, Known&& known) const noexcept {
        std::size_t n = 0;
        for_each([&](const Attribute& a) {
            if (attr::is_comprehension_required(a.type) && !known(a.type)) {
                if (n < out.size()) {
                    out[n] = a.type;
                }
                ++n;
            }
        });
        return n;
    }

    /// MESSAGE-INTEGRITY (HMAC-SHA1) check; false when absent or wrong.
    [[nodiscard]] bool check_integrity(const crypto::HmacSha1Key& key) const noexcept;
    /// MESSAGE-INTEGRITY-SHA256 check (full 32-byte or truncated to >= 16 bytes, §14.6).
    [[nodiscard]] bool check_integrity_sha256(const crypto::HmacSha256Key& key) const noexcept;

    /// Decodes an XOR-MAPPED/PEER/RELAYED-ADDRESS value (§14.2).
    [[nodiscard]] std::optional<Endpoint> xor_address(const Attribute& a) const noexcept;
    /// Decodes a plain MAPPED-ADDRESS value (§14.1).
    static std::optional<Endpoint> plain_address(const Attribute& a) noexcept;
    static std::optional<ErrorCode> error_code(const Attribute& a) noexcept;

private:
    ByteSpan bytes_;
    uint16_t type_ = 0;
    uint32_t cookie_ = 0;
    TransactionId txid_{};
    bool classic_ = false;
    std::size_t covered_end_ = 0;   // end of attributes that count (integrity-covered ones)
    std::size_t integrity_at_ = 0;  // offset of MESSAGE-INTEGRITY header, 0 if none
    std::size_t integrity256_at_ = 0;
    std::size_t fingerprint_at_ = 0;
};

}  // namespace tern::wire::stun
