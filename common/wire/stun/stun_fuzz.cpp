// libFuzzer target: the STUN parser, attribute walking, address decoding, integrity checks,
// and a round trip through the builder for what parses.
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/stun/stun_message.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace tern::wire;
    using namespace tern::wire::stun;
    static const tern::crypto::HmacSha1Key key1{tern::as_bytes("VOkJxbRl1RmTxUk/WvJxBt", 22)};
    static const tern::crypto::HmacSha256Key key256{tern::as_bytes("secret", 6)};
    const tern::ByteSpan in = tern::as_bytes(data, size);
    volatile uint64_t sink = Message::looks_like_stun(in);
    auto m = Message::parse(in, {.allow_classic = true});
    if (!m) {
        return 0;
    }
    sink = sink + m->method() + static_cast<uint8_t>(m->cls());
    m->for_each([&](const Attribute& a) {
        sink = sink + a.type + a.value.size();
        if (auto ep = m->xor_address(a)) {
            sink = sink + ep->port;
        }
        if (auto ep = Message::plain_address(a)) {
            sink = sink + ep->port;
        }
        if (auto ec = Message::error_code(a)) {
            sink = sink + ec->code + ec->reason.size();
        }
    });
    sink = sink + m->check_integrity(key1) + m->check_integrity_sha256(key256);
    std::array<uint16_t, 4> unknown{};
    sink = sink + m->unknown_required(unknown, [](uint16_t t) { return t == attr::kUsername; });
    // Echo the transaction into a response; the builder must never overrun its buffer.
    std::array<std::byte, 128> out{};
    Builder b{out, message_type(m->method(), Class::Success), m->transaction_id()};
    if (auto u = m->find(attr::kUsername)) {
        b.add(attr::kUsername, u->value);
    }
    b.add_xor_address(attr::kXorMappedAddress, Endpoint::from_v4(Ipv4Addr{0x01020304}, 5));
    b.add_message_integrity(key1).add_fingerprint();
    if (auto n = b.finish()) {
        auto back = Message::parse(tern::ByteSpan{out}.first(*n));
        if (!back || !back->check_integrity(key1)) {
            __builtin_trap();  // what we build must parse and verify
        }
    }
    return 0;
}
