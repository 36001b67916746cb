#include "common/wire/ipv6.hpp"

namespace tern::wire {

namespace {
constexpr uint8_t kHopByHop = 0;
constexpr uint8_t kRouting = 43;
constexpr uint8_t kFragment = 44;
constexpr uint8_t kEsp = 50;
constexpr uint8_t kAh = 51;
constexpr uint8_t kDestOptions = 60;
}  // namespace

Result<Ipv6View, Error> parse_ipv6(ByteSpan packet) noexcept {
    ByteReader r{packet};
    const uint32_t vtf = r.u32be();
    Ipv6View v;
    v.payload_length = r.u16be();
    uint8_t next = r.u8();
    v.hop_limit = r.u8();
    r.copy_to(v.src.b);
    r.copy_to(v.dst.b);
    if (!r.ok()) {
        return unexpected(Error::Truncated);
    }
    if ((vtf >> 28) != 6) {
        return unexpected(Error::BadVersion);
    }
    v.traffic_class = static_cast<uint8_t>((vtf >> 20) & 0xff);
    v.flow_label = vtf & 0xfffff;
    if (v.payload_length > packet.size() - kIpv6HeaderLen) {
        return unexpected(Error::Truncated);  // jumbograms (length 0 + HBH option) unsupported too
    }
    ByteReader body{packet.subspan(kIpv6HeaderLen, v.payload_length)};
    for (int i = 0;; ++i) {
        if (i == kIpv6MaxExtensionHeaders) {
            return unexpected(Error::Unsupported);
        }
        if (next == kHopByHop && i != 0) {
            return unexpected(Error::Malformed);  // RFC 8200 §4.1: only right after the header
        }
        if (next == kHopByHop || next == kRouting || next == kDestOptions) {
            const uint8_t nh = body.u8();
            const std::size_t len = (static_cast<std::size_t>(body.u8()) + 1) * 8;
            body.skip(len - 2);
            next = nh;
        } else if (next == kAh) {
            const uint8_t nh = body.u8();
            const std::size_t len = (static_cast<std::size_t>(body.u8()) + 2) * 4;  // RFC 4302 §2.2
            body.skip(len - 2);
            next = nh;
        } else if (next == kFragment) {
            const uint8_t nh = body.u8();
            (void)body.u8();
            const uint16_t off_m = body.u16be();
            (void)body.u32be();
            if (!body.ok()) {
                return unexpected(Error::Truncated);
            }
            if (off_m != 0 && (off_m & 0xfff9) != 0) {
                return unexpected(Error::Fragment);
            }
            next = nh;  // atomic fragment (offset 0, M=0): processed as whole (RFC 6946)
        } else if (next == kEsp) {
            return unexpected(Error::Unsupported);
        } else {
            break;
        }
        if (!body.ok()) {
            return unexpected(Error::Truncated);
        }
    }
    v.next_header = next;
    v.header_len = kIpv6HeaderLen + body.offset();
    v.payload = body.rest();
    return v;
}

void write_ipv6(ByteWriter& w, const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t next_header,
                uint16_t payload_len, uint8_t hop_limit) noexcept {
    w.u32be(0x60000000U);
    w.u16be(payload_len);
    w.u8(next_header);
    w.u8(hop_limit);
    w.bytes(as_bytes(src.b.data(), 16));
    w.bytes(as_bytes(dst.b.data(), 16));
}

}  // namespace tern::wire
