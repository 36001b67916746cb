#include "common/wire/checksum.hpp"

namespace tern::wire {

uint64_t checksum_add(ByteSpan data, uint64_t sum) noexcept {
    const std::byte* p = data.data();
    std::size_t n = data.size();
    // Four words per step; a 64-bit accumulator cannot overflow for any frame size.
    while (n >= 8) {
        sum += load_u32be(p);
        sum += load_u32be(p + 4);
        p += 8;
        n -= 8;
    }
    while (n >= 2) {
        sum += load_u16be(p);
        p += 2;
        n -= 2;
    }
    if (n == 1) {
        sum += static_cast<uint64_t>(std::to_integer<uint8_t>(*p)) << 8;
    }
    return sum;
}

uint16_t checksum_finish(uint64_t sum) noexcept {
    while ((sum >> 16) != 0) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<uint16_t>(~sum & 0xffff);
}

uint64_t pseudo_header_v4(Ipv4Addr src, Ipv4Addr dst, uint8_t protocol, uint32_t length) noexcept {
    return uint64_t{src.v >> 16} + (src.v & 0xffff) + (dst.v >> 16) + (dst.v & 0xffff) + protocol +
           length;
}

uint64_t pseudo_header_v6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t next_header,
                          uint32_t length) noexcept {
    uint64_t sum = checksum_add(as_bytes(src.b.data(), 16));
    sum = checksum_add(as_bytes(dst.b.data(), 16), sum);
    return sum + (length >> 16) + (length & 0xffff) + next_header;
}

}  // namespace tern::wire
