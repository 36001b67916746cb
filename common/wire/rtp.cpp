#include "common/wire/rtp.hpp"

#include <cstring>

namespace tern::wire {

bool parse_rtp(ByteSpan p, RtpView& v, Error& why) noexcept {
    if (p.size() < kRtpHeaderLen) {
        why = Error::Truncated;
        return false;
    }
    const uint8_t b0 = std::to_integer<uint8_t>(p[0]);
    const uint8_t b1 = std::to_integer<uint8_t>(p[1]);
    if ((b0 >> 6) != 2) {
        why = Error::BadVersion;
        return false;
    }
    v.padding = (b0 & 0x20) != 0;
    v.extension = (b0 & 0x10) != 0;
    v.csrc_count = b0 & 0x0f;
    v.marker = (b1 & 0x80) != 0;
    v.payload_type = b1 & 0x7f;
    v.seq = load_u16be(p.data() + 2);
    v.timestamp = load_u32be(p.data() + 4);
    v.ssrc = load_u32be(p.data() + 8);
    std::size_t off = kRtpHeaderLen + std::size_t{v.csrc_count} * 4;
    v.ext_profile = 0;
    v.ext_data = {};
    if (v.extension) {
        if (p.size() < off + 4) {
            why = Error::Truncated;
            return false;
        }
        v.ext_profile = load_u16be(p.data() + off);
        const std::size_t words = load_u16be(p.data() + off + 2);
        if (p.size() < off + 4 + words * 4) {
            why = Error::Truncated;
            return false;
        }
        v.ext_data = p.subspan(off + 4, words * 4);
        off += 4 + words * 4;
    } else if (p.size() < off) {
        why = Error::Truncated;
        return false;
    }
    v.header_len = off;
    v.payload = p.subspan(off);
    return true;
}

bool find_rtp_extension(const RtpView& v, uint8_t want, ByteSpan& out) noexcept {
    if (!v.extension || want == 0) {
        return false;
    }
    const bool two = is_rtp_ext_two_byte(v.ext_profile);
    if (!two && v.ext_profile != kRtpExtOneByte) {
        return false;
    }
    const ByteSpan e = v.ext_data;
    std::size_t i = 0;
    while (i < e.size()) {
        const uint8_t b = std::to_integer<uint8_t>(e[i]);
        if (b == 0) {
            ++i;  // padding between elements
            continue;
        }
        uint8_t id = 0;
        std::size_t len = 0;
        if (two) {
            if (i + 2 > e.size()) {
                return false;
            }
            id = b;
            len = std::to_integer<uint8_t>(e[i + 1]);
            i += 2;
        } else {
            id = b >> 4;
            len = (b & 0x0f) + 1u;
            if (id == 15) {
                return false;  // reserved: stop reading (RFC 8285 §4.2)
            }
            i += 1;
        }
        if (i + len > e.size()) {
            return false;
        }
        if (id == want) {
            out = e.subspan(i, len);
            return true;
        }
        i += len;
    }
    return false;
}

std::size_t remap_rtp_extensions(std::byte* e, std::size_t size, uint16_t profile,
                                 const RtpExtMap& map) noexcept {
    const bool two = is_rtp_ext_two_byte(profile);
    if (!two && profile != kRtpExtOneByte) {
        std::memset(e, 0, size);
        return 0;
    }
    std::size_t kept = 0;
    std::size_t i = 0;
    while (i < size) {
        const uint8_t b = std::to_integer<uint8_t>(e[i]);
        if (b == 0) {
            ++i;
            continue;
        }
        uint8_t id = 0;
        std::size_t head = 1;
        std::size_t len = 0;
        if (two) {
            if (i + 2 > size) {
                break;
            }
            id = b;
            head = 2;
            len = std::to_integer<uint8_t>(e[i + 1]);
        } else {
            id = b >> 4;
            len = (b & 0x0f) + 1u;
            if (id == 15) {
                break;
            }
        }
        if (i + head + len > size) {
            break;
        }
        const uint8_t to = map.map(id);
        if (to != 0 && (two || to <= 14)) {
            e[i] = two ? std::byte{to} : std::byte(static_cast<uint8_t>(to << 4 | (b & 0x0f)));
            ++kept;
        } else {
            std::memset(e + i, 0, head + len);
        }
        i += head + len;
    }
    if (i < size) {
        std::memset(e + i, 0, size - i);
    }
    return kept;
}

std::size_t write_forward_header(std::byte* dst, std::size_t room, const std::byte* src,
                                 std::size_t hl, uint8_t abs_id, uint32_t abs_value,
                                 uint8_t twcc_id, uint16_t twcc_seq) noexcept {
    if (hl < kRtpHeaderLen) {
        return 0;
    }
    const uint8_t b0 = std::to_integer<uint8_t>(src[0]);
    const std::size_t fixed = kRtpHeaderLen + 4u * (b0 & 0x0f);
    const bool has_block = (b0 & 0x10) != 0;
    if (has_block ? fixed + 4 > hl || fixed + 4 + 4u * load_u16be(src + fixed + 2) != hl
                  : fixed != hl) {
        return 0;
    }
    const uint16_t profile = has_block ? load_u16be(src + fixed) : kRtpExtOneByte;
    const bool two = is_rtp_ext_two_byte(profile);
    const bool known = two || profile == kRtpExtOneByte;
    // RFC 8285 §4.2: one-byte ids stop at 14.
    const bool abs = known && abs_id != 0 && (two || abs_id <= 14);
    const bool twcc = known && twcc_id != 0 && (two || twcc_id <= 14);
    if (!abs && !twcc) {
        if (room < hl) {
            return 0;
        }
        std::memcpy(dst, src, hl);
        return hl;
    }
    const std::size_t head = two ? 2 : 1;  // an element's header in this form
    const std::size_t add = (abs ? head + 3 : 0) + (twcc ? head + 2 : 0);
    const std::size_t data = has_block ? hl - fixed - 4 : 0;
    const std::size_t padded = (data + add + 3) & ~std::size_t{3};
    const std::size_t out = fixed + 4 + padded;
    if (room < out) {
        return 0;
    }
    std::memcpy(dst, src, has_block ? hl : fixed);
    dst[0] = std::byte(b0 | 0x10);
    store_u16be(dst + fixed, profile);
    store_u16be(dst + fixed + 2, static_cast<uint16_t>(padded / 4));
    std::byte* w = dst + fixed + 4 + data;
    auto element = [&](uint8_t id, uint8_t len) {
        if (two) {
            *w++ = std::byte{id};
            *w++ = std::byte{len};
        } else {
            *w++ = std::byte(static_cast<uint8_t>(id << 4 | (len - 1)));
        }
    };
    if (abs) {
        element(abs_id, 3);
        *w++ = std::byte(static_cast<uint8_t>(abs_value >> 16));
        *w++ = std::byte(static_cast<uint8_t>(abs_value >> 8));
        *w++ = std::byte(static_cast<uint8_t>(abs_value));
    }
    if (twcc) {
        element(twcc_id, 2);
        *w++ = std::byte(static_cast<uint8_t>(twcc_seq >> 8));
        *w++ = std::byte(static_cast<uint8_t>(twcc_seq));
    }
    std::memset(w, 0, static_cast<std::size_t>(dst + out - w));
    return out;
}

bool parse_rtcp_ssrc(ByteSpan p, uint32_t& ssrc, Error& why) noexcept {
    if (p.size() < kRtcpHeaderLen) {
        why = Error::Truncated;
        return false;
    }
    if ((std::to_integer<uint8_t>(p[0]) >> 6) != 2) {
        why = Error::BadVersion;
        return false;
    }
    const std::size_t len = (std::size_t{load_u16be(p.data() + 2)} + 1) * 4;
    if (len > p.size()) {
        why = Error::BadLength;
        return false;
    }
    ssrc = load_u32be(p.data() + 4);
    return true;
}

}  // namespace tern::wire
