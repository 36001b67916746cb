#include "common/wire/ipv4.hpp"

#include "common/wire/checksum.hpp"

namespace tern::wire {

Result<Ipv4View, Error> parse_ipv4(ByteSpan packet) noexcept {
    ByteReader r{packet};
    const uint8_t vihl = r.u8();
    Ipv4View v;
    v.tos = r.u8();
    v.total_length = r.u16be();
    v.id = r.u16be();
    v.frag = r.u16be();
    v.ttl = r.u8();
    v.protocol = r.u8();
    (void)r.u16be();  // checksum, verified over the whole header below
    v.src.v = r.u32be();
    v.dst.v = r.u32be();
    if (!r.ok()) {
        return unexpected(Error::Truncated);
    }
    if ((vihl >> 4) != 4) {
        return unexpected(Error::BadVersion);
    }
    v.header_len = static_cast<std::size_t>(vihl & 0x0f) * 4;
    if (v.header_len < kIpv4HeaderLen) {
        return unexpected(Error::BadLength);
    }
    if (v.header_len > packet.size()) {
        return unexpected(Error::Truncated);
    }
    if (v.total_length < v.header_len || v.total_length > packet.size()) {
        return unexpected(v.total_length > packet.size() ? Error::Truncated : Error::BadLength);
    }
    if (!checksum_verifies(packet.first(v.header_len))) {
        return unexpected(Error::BadChecksum);
    }
    if (v.is_fragment()) {
        return unexpected(Error::Fragment);
    }
    v.options = packet.subspan(kIpv4HeaderLen, v.header_len - kIpv4HeaderLen);
    v.payload = packet.subspan(v.header_len, v.total_length - v.header_len);
    return v;
}

void write_ipv4(ByteWriter& w, Ipv4Addr src, Ipv4Addr dst, uint8_t protocol,
                uint16_t payload_len, uint8_t ttl, uint8_t tos) noexcept {
    const std::size_t start = w.size();
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
        const uint16_t c = checksum_finish(checksum_add(as_bytes(w.at(start), kIpv4HeaderLen)));
        store_u16be(w.at(csum_at), c);
    }
}

}  // namespace tern::wire
