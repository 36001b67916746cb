#include "common/wire/ipv4.hpp"

#include "common/wire/checksum.hpp"

namespace tern::wire {

bool parse_ipv4(ByteSpan packet, Ipv4View& v, Error& why) noexcept {
    if (packet.size() < kIpv4HeaderLen) {
        why = Error::Truncated;
        return false;
    }
    const std::byte* h = packet.data();
    const uint8_t vihl = std::to_integer<uint8_t>(h[0]);
    v.tos = std::to_integer<uint8_t>(h[1]);
    v.total_length = load_u16be(h + 2);
    v.id = load_u16be(h + 4);
    v.frag = load_u16be(h + 6);
    v.ttl = std::to_integer<uint8_t>(h[8]);
    v.protocol = std::to_integer<uint8_t>(h[9]);
    v.src.v = load_u32be(h + 12);
    v.dst.v = load_u32be(h + 16);
    if ((vihl >> 4) != 4) {
        why = Error::BadVersion;
        return false;
    }
    v.header_len = static_cast<std::size_t>(vihl & 0x0f) * 4;
    if (v.header_len < kIpv4HeaderLen) {
        why = Error::BadLength;
        return false;
    }
    if (v.header_len > packet.size()) {
        why = Error::Truncated;
        return false;
    }
    if (v.total_length < v.header_len || v.total_length > packet.size()) {
        why = v.total_length > packet.size() ? Error::Truncated : Error::BadLength;
        return false;
    }
    if (!checksum_verifies(packet.first(v.header_len))) {
        why = Error::BadChecksum;
        return false;
    }
    if (v.is_fragment()) {
        why = Error::Fragment;
        return false;
    }
    v.options = packet.subspan(kIpv4HeaderLen, v.header_len - kIpv4HeaderLen);
    v.payload = packet.subspan(v.header_len, v.total_length - v.header_len);
    return true;
}

Result<Ipv4View, Error> parse_ipv4(ByteSpan packet) noexcept {
    Ipv4View v;
    Error why{};
    if (!parse_ipv4(packet, v, why)) {
        return unexpected(why);
    }
    return v;
}

void write_ipv4(ByteWriter& w, Ipv4Addr src, Ipv4Addr dst, uint8_t protocol, uint16_t payload_len,
                uint8_t ttl, uint8_t tos) noexcept {
    w.u8(0x45);
    w.u8(tos);
    w.u16be(static_cast<uint16_t>(kIpv4HeaderLen + payload_len));
    w.u16be(0);
    w.u16be(0x4000);  // DF
    w.u8(ttl);
    w.u8(protocol);
    const std::size_t csum_at = w.reserve(2);
    w.u32be(src.v);
    w.u32be(dst.v);
    if (w.ok()) {
        // Summed from the values, not re-read from the bytes just written (a re-read of fresh
        // stores stalls on store forwarding, on every relayed packet).
        const uint64_t sum = (0x45U << 8 | tos) + kIpv4HeaderLen + payload_len + 0x4000U +
                             (uint32_t{ttl} << 8 | protocol) + (src.v >> 16) + (src.v & 0xffff) +
                             (dst.v >> 16) + (dst.v & 0xffff);
        store_u16be(w.at(csum_at), checksum_finish(sum));
    }
}

}  // namespace tern::wire
