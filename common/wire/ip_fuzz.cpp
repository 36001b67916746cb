// libFuzzer target: IPv4 and IPv6 (with extension headers), then UDP and its checksums.
#include "common/wire/ipv4.hpp"
#include "common/wire/ipv6.hpp"
#include "common/wire/udp.hpp"

#include <cstddef>
#include <cstdint>

namespace {
uint64_t touch(tern::ByteSpan s) {
    uint64_t v = s.size();
    for (std::byte b : s) {
        v += std::to_integer<uint8_t>(b);
    }
    return v;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace tern::wire;
    const tern::ByteSpan in = tern::as_bytes(data, size);
    volatile uint64_t sink = 0;
    if (auto v4 = parse_ipv4(in)) {
        sink = sink + touch(v4->options) + touch(v4->payload);
        if (auto u = parse_udp(v4->payload)) {
            sink = sink + touch(u->payload) + udp_checksum_ok_v4(*u, v4->src, v4->dst);
        }
    }
    if (auto v6 = parse_ipv6(in)) {
        sink = sink + v6->next_header + touch(v6->payload);
        if (auto u = parse_udp(v6->payload)) {
            sink = sink + touch(u->payload) + udp_checksum_ok_v6(*u, v6->src, v6->dst);
        }
    }
    return 0;
}
