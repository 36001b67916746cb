// RFC 5769 test vectors plus malformed-input cases for the STUN parser and builder.
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/stun/stun_message.hpp"
#include "support/packets.hpp"
#include "support/rfc5769.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tern;
using namespace tern::wire;
using namespace tern::wire::stun;

namespace {

using test::rfc5769::kRequest;
using test::rfc5769::kRequestLongTerm;
using test::rfc5769::kResponseV4;
using test::rfc5769::kResponseV6;

const crypto::HmacSha1Key kShortTermKey{
    as_bytes(test::rfc5769::kShortTermPassword.data(), test::rfc5769::kShortTermPassword.size())};

}  // namespace

TEST_CASE("STUN: RFC 5769 §2.1 sample request", "[wire][stun][rfc5769]") {
    auto m = Message::parse(kRequest);
    REQUIRE(m);
    CHECK(m->method() == method::kBinding);
    CHECK(m->cls() == Class::Request);
    CHECK(m->has_fingerprint());
    CHECK(m->check_integrity(kShortTermKey));
    CHECK_FALSE(m->check_integrity(crypto::HmacSha1Key{as_bytes("wrong", 5)}));
    auto user = m->find(attr::kUsername);
    REQUIRE(user);
    CHECK(std::string(reinterpret_cast<const char*>(user->value.data()), user->value.size()) ==
          "evtj:h6vY");
    auto prio = m->find(attr::kPriority);
    REQUIRE(prio);
    CHECK(load_u32be(prio->value.data()) == 0x6e0001ff);
}

TEST_CASE("STUN: RFC 5769 §2.2 IPv4 response decodes 192.0.2.1:32853", "[wire][stun][rfc5769]") {
    auto m = Message::parse(kResponseV4);
    REQUIRE(m);
    CHECK(m->cls() == Class::Success);
    CHECK(m->check_integrity(kShortTermKey));
    auto a = m->find(attr::kXorMappedAddress);
    REQUIRE(a);
    auto ep = m->xor_address(*a);
    REQUIRE(ep);
    CHECK(*ep == Endpoint::from_v4(test::ip4("192.0.2.1"), 32853));
}

TEST_CASE("STUN: RFC 5769 §2.3 IPv6 response decodes its address", "[wire][stun][rfc5769]") {
    auto m = Message::parse(kResponseV6);
    REQUIRE(m);
    CHECK(m->check_integrity(kShortTermKey));
    auto ep = m->xor_address(*m->find(attr::kXorMappedAddress));
    REQUIRE(ep);
    CHECK(*ep == Endpoint::from_v6(test::ip6("2001:db8:1234:5678:11:2233:4455:6677"), 32853));
}

TEST_CASE("STUN: RFC 5769 §2.4 long-term credentials", "[wire][stun][rfc5769]") {
    auto m = Message::parse(kRequestLongTerm);
    REQUIRE(m);
    CHECK_FALSE(m->has_fingerprint());
    auto user = m->find(attr::kUsername);
    auto realm = m->find(attr::kRealm);
    REQUIRE(user);
    REQUIRE(realm);
    // The password "The<U+00AD>M<U+00AA>tr<U+2168>" after SASLprep is "TheMatrIX".
    const auto key = crypto::long_term_key_md5(user->value, realm->value, as_bytes("TheMatrIX", 9));
    CHECK(m->check_integrity(crypto::HmacSha1Key{as_bytes(key.data(), key.size())}));
    const auto bad = crypto::long_term_key_md5(user->value, realm->value, as_bytes("TheMatrix", 9));
    CHECK_FALSE(m->check_integrity(crypto::HmacSha1Key{as_bytes(bad.data(), bad.size())}));
}

TEST_CASE("STUN: builder reproduces the RFC 5769 §2.2 response byte for byte",
          "[wire][stun][rfc5769]") {
    TransactionId txid;
    std::copy_n(reinterpret_cast<const uint8_t*>(kResponseV4.data()) + 8, 12, txid.begin());
    std::array<std::byte, 256> buf{};
    Builder b{buf, message_type(method::kBinding, Class::Success), txid};
    // The vector pads SOFTWARE with a space (0x20), which a builder zero-pads; so the value is
    // taken as the full 12 bytes minus the pad and the pad byte patched before comparing.
    b.add_string(attr::kSoftware, "test vector")
        .add_xor_address(attr::kXorMappedAddress, Endpoint::from_v4(test::ip4("192.0.2.1"), 32853));
    auto len_before_mi = b.finish();
    REQUIRE(len_before_mi);
    buf[20 + 4 + 11] = std::byte{0x20};
    b.add_message_integrity(kShortTermKey).add_fingerprint();
    auto len = b.finish();
    REQUIRE(len);
    REQUIRE(*len == kResponseV4.size());
    CHECK(std::equal(kResponseV4.begin(), kResponseV4.end(), buf.begin()));
}

TEST_CASE("STUN: builder output parses back with SHA256 integrity and errors", "[wire][stun]") {
    TransactionId txid{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    std::array<std::byte, 256> buf{};
    const crypto::HmacSha256Key key{as_bytes("secret", 6)};
    const std::array<uint16_t, 2> unknown{0x0031, 0x0032};
    Builder b{buf, message_type(method::kBinding, Class::Error), txid};
    b.add_error_code(error::kUnknownAttribute, "Unknown Attribute")
        .add_unknown_attributes(unknown)
        .add_xor_address(attr::kXorMappedAddress, Endpoint::from_v6(test::ip6("2001:2::1"), 9))
        .add_message_integrity_sha256(key)
        .add_fingerprint();
    auto len = b.finish();
    REQUIRE(len);
    auto m = Message::parse(ByteSpan{buf}.first(*len));
    REQUIRE(m);
    CHECK(m->cls() == Class::Error);
    CHECK(m->check_integrity_sha256(key));
    CHECK_FALSE(m->check_integrity_sha256(crypto::HmacSha256Key{as_bytes("other", 5)}));
    auto ec = Message::error_code(*m->find(attr::kErrorCode));
    REQUIRE(ec);
    CHECK(ec->code == 420);
    CHECK(m->xor_address(*m->find(attr::kXorMappedAddress)) ==
          Endpoint::from_v6(test::ip6("2001:2::1"), 9));
}

TEST_CASE("STUN: message_type packs method and class as RFC 8489 §5 shows", "[wire][stun]") {
    CHECK(message_type(method::kBinding, Class::Request) == 0x0001);
    CHECK(message_type(method::kBinding, Class::Success) == 0x0101);
    CHECK(message_type(method::kBinding, Class::Error) == 0x0111);
    CHECK(message_type(method::kAllocate, Class::Request) == 0x0003);
    CHECK(message_type(method::kSend, Class::Indication) == 0x0016);
    CHECK(message_type(method::kData, Class::Indication) == 0x0017);
    for (uint16_t meth = 0; meth < 0x1000; meth += 0x37) {
        for (int c = 0; c < 4; ++c) {
            const uint16_t t = message_type(meth, static_cast<Class>(c));
            CHECK(method_of(t) == meth);
            CHECK(class_of(t) == static_cast<Class>(c));
        }
    }
}

TEST_CASE("STUN: unknown comprehension-required attributes are listed", "[wire][stun]") {
    TransactionId txid{};
    std::array<std::byte, 128> buf{};
    Builder b{buf, message_type(method::kBinding, Class::Request), txid};
    b.add_u32(0x0031, 1).add_u32(0x8031, 2).add_u32(attr::kPriority, 3);
    auto m = Message::parse(ByteSpan{buf}.first(*b.finish()));
    REQUIRE(m);
    std::array<uint16_t, 4> out{};
    const std::size_t n = m->unknown_required(out, [](uint16_t t) { return t == attr::kPriority; });
    CHECK(n == 1);
    CHECK(out[0] == 0x0031);
}

TEST_CASE("STUN: malformed messages are refused with their reason", "[wire][stun]") {
    auto bad_fp = kRequest;
    bad_fp[27] = std::byte{23};  // inside SOFTWARE: fingerprint no longer matches
    CHECK(Message::parse(bad_fp).error() == Error::BadFingerprint);

    CHECK(Message::parse(ByteSpan{kRequest}.first(19)).error() == Error::Truncated);
    CHECK(Message::parse(ByteSpan{kRequest}.first(kRequest.size() - 4)).error() ==
          Error::Truncated);

    auto longer = kRequest;
    longer.resize(longer.size() + 4);
    CHECK(Message::parse(longer).error() == Error::BadLength);

    auto top_bits = kRequest;
    top_bits[0] = std::byte{0x40};
    CHECK(Message::parse(top_bits).error() == Error::Malformed);

    auto odd_len = kRequest;
    store_u16be(odd_len.data() + 2, 0x57);
    CHECK(Message::parse(odd_len).error() == Error::BadLength);

    auto cookie = kRequest;
    cookie[4] = std::byte{0};
    CHECK(Message::parse(cookie).error() == Error::BadMagic);

    // An attribute whose length runs past the message.
    auto attr_len = test::hex("00010008 2112a442 000000000000000000000000 80220010 41414141");
    CHECK(Message::parse(attr_len).error() == Error::Truncated);

    // Anything after FINGERPRINT.
    auto after_fp = test::hex("00010010 2112a442 000000000000000000000000 80280004 00000000"
                              "80220000 ");
    store_u16be(after_fp.data() + 2, 12);
    after_fp.resize(32);
    CHECK_FALSE(Message::parse(after_fp));

    // MESSAGE-INTEGRITY with the wrong length.
    auto mi_len = test::hex("00010008 2112a442 000000000000000000000000 00080004 00000000");
    CHECK(Message::parse(mi_len).error() == Error::Malformed);
}

TEST_CASE("STUN: attributes after MESSAGE-INTEGRITY are ignored (RFC 8489 §14.5)", "[wire][stun]") {
    TransactionId txid{};
    std::array<std::byte, 128> buf{};
    Builder b{buf, message_type(method::kBinding, Class::Request), txid};
    b.add_string(attr::kUsername, "a:b")
        .add_message_integrity(kShortTermKey)
        .add_u32(attr::kPriority, 5);
    auto m = Message::parse(ByteSpan{buf}.first(*b.finish()));
    REQUIRE(m);
    CHECK(m->find(attr::kUsername));
    CHECK_FALSE(m->find(attr::kPriority));
}

TEST_CASE("STUN: RFC 3489 requests only when allowed", "[wire][stun]") {
    auto classic = test::hex("00010000 0102030405060708090a0b0c0d0e0f10");
    CHECK(Message::parse(classic).error() == Error::BadMagic);
    auto m = Message::parse(classic, {.allow_classic = true});
    REQUIRE(m);
    CHECK(m->classic());
    CHECK(m->cookie_word() == 0x01020304);
    CHECK_FALSE(Message::looks_like_stun(classic));
    CHECK(Message::looks_like_stun(kRequest));
}
