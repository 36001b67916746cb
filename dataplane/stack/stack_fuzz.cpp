// libFuzzer target: whole frames through the data plane's host stack, as the lcore sees them
// from the wire. Replies are re-parsed: what we transmit must be well-formed.
#include "common/wire/ethernet.hpp"
#include "common/wire/ipv4.hpp"
#include "dataplane/stack/stack.hpp"

#include <cstring>
#include <memory>
#include <vector>

namespace {

struct World {
    World() {
        ifc.mac = *tern::wire::MacAddr::parse("02:00:00:00:01:02");
        ifc.ipv4 = tern::wire::Prefix<tern::wire::Ipv4Addr>{*tern::wire::Ipv4Addr::parse("198.18.0.2"), 24};
        ifc.ipv6 = tern::wire::Prefix<tern::wire::Ipv6Addr>{*tern::wire::Ipv6Addr::parse("2001:2::2"), 64};
        ifc.link_local = tern::wire::Ipv6Addr::link_local_from_mac(ifc.mac);
    }
    tern::dp::Interface ifc;
    tern::ServicesConfig services;
    tern::dp::NeighborTable neighbors{64, 1000, 100};
    std::unique_ptr<tern::shm::LcoreCounters> counters = std::make_unique<tern::shm::LcoreCounters>();
    tern::dp::Stack stack{ifc, services, neighbors, *counters};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static World w;
    if (size > 2048) {
        return 0;
    }
    // Room as an mbuf would give: the frame plus tailroom.
    std::vector<std::byte> buf(2048 + 128);
    std::memcpy(buf.data(), data, size);
    tern::dp::Frame f{buf.data(), static_cast<uint32_t>(size), static_cast<uint32_t>(buf.size())};
    static uint64_t now = 1;
    now += 7;
    if (w.stack.handle(f, now) == tern::dp::Verdict::Transmit) {
        if (f.len > f.room || !tern::wire::parse_ethernet(tern::ByteSpan{buf.data(), f.len})) {
            __builtin_trap();
        }
    }
    return 0;
}
