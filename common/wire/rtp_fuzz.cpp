// libFuzzer target: RTP header parsing, header extension lookup, the SFU's in-place id mapping
// and the forwarded header with abs-send-time and a transport-wide sequence number. The first
// two bytes pick the mapping; the rest is the packet. A mapped block keeps its size and holds
// only mapped ids; a forwarded header parses and carries both values written.
#include "common/wire/rtp.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace tern;
using namespace tern::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) {
        return 0;
    }
    // Targets never include 2 or 5 (the abs-send-time and transport-cc ids written below).
    static constexpr std::array<uint8_t, 4> kTargets{1, 3, 9, 20};
    RtpExtMap map;
    (void)map.add(data[0] & 0x0f, kTargets[data[0] >> 6]);
    (void)map.add(data[1], kTargets[data[1] & 3]);
    const auto* bytes = reinterpret_cast<const std::byte*>(data);
    std::vector<std::byte> p(bytes + 2, bytes + size);

    RtpView v;
    Error why{};
    if (!parse_rtp(p, v, why)) {
        return 0;
    }
    ByteSpan e;
    for (unsigned id = 1; id < 256; ++id) {
        if (find_rtp_extension(v, static_cast<uint8_t>(id), e) &&
            (e.data() < v.ext_data.data() ||
             e.data() + e.size() > v.ext_data.data() + v.ext_data.size())) {
            __builtin_trap();
        }
    }
    if (v.extension) {
        const auto off = static_cast<std::size_t>(v.ext_data.data() - p.data());
        (void)remap_rtp_extensions(p.data() + off, v.ext_data.size(), v.ext_profile, map);
        RtpView m;
        if (!parse_rtp(p, m, why) || m.header_len != v.header_len) {
            __builtin_trap();
        }
        for (unsigned id = 1; id < 256; ++id) {
            const bool target = id == 1 || id == 3 || id == 9 || id == 20;
            if (!target && find_rtp_extension(m, static_cast<uint8_t>(id), e)) {
                __builtin_trap();  // only mapped ids survive
            }
        }
    }
    std::vector<std::byte> out(v.header_len + kForwardHeaderGrowth);
    const uint32_t abs = ext::abs_send_time(static_cast<uint64_t>(size) * 7919);
    const auto twcc_seq = static_cast<uint16_t>(size * 31);
    const std::size_t n =
        write_forward_header(out.data(), out.size(), p.data(), v.header_len, ext::kOutAbsSendTime,
                             abs, ext::kOutTransportCc, twcc_seq);
    if (n == 0 || n > v.header_len + kForwardHeaderGrowth) {
        __builtin_trap();  // a parsed header always fits its growth
    }
    out.resize(n);
    RtpView f;
    if (!parse_rtp(out, f, why)) {
        __builtin_trap();
    }
    const bool known =
        !v.extension || v.ext_profile == kRtpExtOneByte || is_rtp_ext_two_byte(v.ext_profile);
    if (known) {
        // Appended after the mapped elements, which the mapping left walkable (what could not be
        // walked became padding): always found, with the value written.
        if (!find_rtp_extension(f, ext::kOutAbsSendTime, e) || e.size() != 3 ||
            ((std::to_integer<uint32_t>(e[0]) << 16) | (std::to_integer<uint32_t>(e[1]) << 8) |
             std::to_integer<uint32_t>(e[2])) != abs) {
            __builtin_trap();
        }
        if (!find_rtp_extension(f, ext::kOutTransportCc, e) || e.size() != 2 ||
            load_u16be(e.data()) != twcc_seq) {
            __builtin_trap();
        }
    }
    return 0;
}
