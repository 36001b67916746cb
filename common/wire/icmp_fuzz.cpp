// libFuzzer target: ICMPv4, ICMPv6 and Neighbor Discovery option walking. The first byte picks
// the hop limit so the ND validation paths are reached.
#include "common/wire/icmp4.hpp"
#include "common/wire/icmp6.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace tern::wire;
    if (size < 1) {
        return 0;
    }
    const uint8_t hop = data[0] & 1 ? 255 : data[0];
    const tern::ByteSpan in = tern::as_bytes(data + 1, size - 1);
    volatile uint64_t sink = 0;
    if (auto m = parse_icmp4(in)) {
        sink = sink + m->type + m->data.size();
        if (m->type == kIcmpEchoRequest) {
            std::vector<std::byte> copy(in.begin(), in.end());
            icmp4_echo_request_to_reply(copy);
            sink = sink + parse_icmp4(copy).has_value();
        }
    }
    const Ipv6Addr src = *Ipv6Addr::parse("2001:2::1");
    const Ipv6Addr dst = *Ipv6Addr::parse("ff02::1:ff00:2");
    // Accept any checksum: rebuild the view directly so the ND parser sees every input.
    Icmp6View v{in.size() > 0 ? std::to_integer<uint8_t>(in[0]) : uint8_t{0},
                in.size() > 1 ? std::to_integer<uint8_t>(in[1]) : uint8_t{0}, in,
                in.size() >= 4 ? in.subspan(4) : tern::ByteSpan{}};
    if (auto nd = parse_neighbor_message(v, src, dst, hop)) {
        sink = sink + nd->flags + nd->target.b[15] + (nd->link_addr ? nd->link_addr->b[0] : 0);
    }
    (void)parse_icmp6(in, src, dst);
    return 0;
}
