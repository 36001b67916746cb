#include "signaling/session/session_ids.hpp"

#include "common/base64url.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace tern::sig {

namespace {

constexpr std::size_t kBodyLen = 26;
constexpr std::size_t kTagLen = 10;
constexpr std::string_view kPublicLabel = "public-session|";
constexpr std::string_view kPrivateLabel = "private-session|";

using Body = std::array<std::byte, kBodyLen>;

void store_u64be(std::byte* p, uint64_t v) noexcept {
    store_u32be(p, static_cast<uint32_t>(v >> 32));
    store_u32be(p + 4, static_cast<uint32_t>(v));
}
uint64_t load_u64be(const std::byte* p) noexcept {
    return (uint64_t{load_u32be(p)} << 32) | load_u32be(p + 4);
}

Body make_body(uint16_t node, uint64_t serial, uint64_t created_us, uint64_t random) {
    Body b{};
    store_u16be(b.data(), node);
    store_u64be(b.data() + 2, serial);
    store_u64be(b.data() + 10, created_us);
    store_u64be(b.data() + 18, random);
    return b;
}

std::array<uint8_t, kTagLen> tag(const crypto::HmacSha256Key& key, std::string_view label,
                                 const Body& body) {
    const auto mac = key.compute({as_bytes(label.data(), label.size()), ByteSpan{body}});
    std::array<uint8_t, kTagLen> t{};
    std::memcpy(t.data(), mac.data(), kTagLen);
    return t;
}

std::string encode(const Body& body, const std::array<uint8_t, kTagLen>& t) {
    std::string raw(reinterpret_cast<const char*>(body.data()), body.size());
    raw.append(reinterpret_cast<const char*>(t.data()), t.size());
    return base64url_encode(raw);
}

std::optional<SessionIdParts> read(const crypto::HmacSha256Key& key, std::string_view id,
                                   bool is_public) {
    if (id.size() != SessionIds::kIdLen) {
        return std::nullopt;
    }
    auto raw = base64url_decode(id);
    if (!raw || raw->size() != kBodyLen + kTagLen) {
        return std::nullopt;
    }
    Body body{};
    std::memcpy(body.data(), raw->data(), kBodyLen);
    if (is_public) {
        std::reverse(body.begin(), body.end());
    }
    const auto expected = tag(key, is_public ? kPublicLabel : kPrivateLabel, body);
    if (!crypto::equal_ct(as_bytes(expected.data(), kTagLen),
                          as_bytes(raw->data() + kBodyLen, kTagLen))) {
        return std::nullopt;
    }
    return SessionIdParts{load_u16be(body.data()), load_u64be(body.data() + 2),
                          load_u64be(body.data() + 10)};
}

}  // namespace

SessionIdPair SessionIds::issue(uint64_t serial, uint64_t created_us, uint64_t random) const {
    const Body body = make_body(node_, serial, created_us, random);
    SessionIdPair ids;
    ids.resume_id = encode(body, tag(key_, kPrivateLabel, body));
    Body reversed = body;
    std::reverse(reversed.begin(), reversed.end());
    ids.public_id = encode(reversed, tag(key_, kPublicLabel, body));
    return ids;
}

std::optional<SessionIdParts> SessionIds::read_public(std::string_view id) const {
    return read(key_, id, true);
}

std::optional<SessionIdParts> SessionIds::read_resume(std::string_view id) const {
    return read(key_, id, false);
}

}  // namespace tern::sig
