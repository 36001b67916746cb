#include "common/wire/icmp4.hpp"

#include "common/wire/checksum.hpp"

namespace tern::wire {

Result<Icmp4View, Error> parse_icmp4(ByteSpan message) noexcept {
    ByteReader r{message};
    Icmp4View v;
    v.type = r.u8();
    v.code = r.u8();
    (void)r.u16be();
    v.id = r.u16be();
    v.seq = r.u16be();
    if (!r.ok()) {
        return unexpected(Error::Truncated);
    }
    if (!checksum_verifies(message)) {
        return unexpected(Error::BadChecksum);
    }
    v.message = message;
    v.data = r.rest();
    return v;
}

void icmp4_echo_request_to_reply(MutableByteSpan m) noexcept {
    if (m.size() < 8) {
        return;
    }
    // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m = type/code word 0x0800, m' = 0x0000.
    const uint16_t old_word = load_u16be(m.data());
    const uint16_t hc = load_u16be(m.data() + 2);
    m[0] = std::byte{kIcmpEchoReply};
    const uint16_t new_word = load_u16be(m.data());
    uint64_t sum = static_cast<uint16_t>(~hc);
    sum += static_cast<uint16_t>(~old_word);
    sum += new_word;
    store_u16be(m.data() + 2, checksum_finish(sum));
}

}  // namespace tern::wire
