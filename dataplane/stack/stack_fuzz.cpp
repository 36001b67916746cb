// libFuzzer target: whole frames through the data plane's host stack, as the lcore sees them
// from the wire. Replies are re-parsed: what we transmit must be well-formed.
#include "common/wire/ethernet.hpp"
#include "common/wire/ipv4.hpp"
#include "dataplane/lcore/packet_path.hpp"

#include <cstring>
#include <memory>
#include <vector>

namespace {

struct World {
    World() {
        ifc.mac = *tern::wire::MacAddr::parse("02:00:00:00:01:02");
        ifc.ipv4 = tern::wire::Prefix<tern::wire::Ipv4Addr>{
            *tern::wire::Ipv4Addr::parse("198.18.0.2"), 24};
        ifc.ipv6 =
            tern::wire::Prefix<tern::wire::Ipv6Addr>{*tern::wire::Ipv6Addr::parse("2001:2::2"), 64};
        ifc.link_local = tern::wire::Ipv6Addr::link_local_from_mac(ifc.mac);
        turn_cfg.secrets = {"fuzzing-secret"};
        turn_cfg.users = {{"alice", "wonderland"}};
        turn_cfg.relay_port_min = 49152;
        turn_cfg.relay_port_max = 49160;
        turn_cfg.max_allocations = 4;
        turn_cfg.allowed_peers = {"198.18.0.0/24"};
    }
    tern::dp::Interface ifc;
    tern::ServicesConfig services;
    tern::TurnConfig turn_cfg;
    tern::dp::NeighborTable neighbors{64, 1000, 100};
    std::unique_ptr<tern::shm::LcoreCounters> counters =
        std::make_unique<tern::shm::LcoreCounters>();
    tern::dp::PeerPolicy policy{turn_cfg, {}, {}};
    tern::dp::TurnServer turn{
        turn_cfg, policy, 0, 1, *counters, 1'800'000'000, tern::as_bytes("fuzz-nonce-key", 14)};
    tern::dp::PacketPath stack{ifc, services, neighbors, *counters, &turn, 1};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static World w;
    if (size > 2048) {
        return 0;
    }
    // Room as an mbuf would give: the frame plus tailroom.
    std::vector<std::byte> buf(128 + 2048 + 128);
    std::memcpy(buf.data() + 128, data, size);
    tern::dp::Frame f{buf.data() + 128, static_cast<uint32_t>(size), 2048 + 128, 128};
    static uint64_t now = 1;
    now += 1;
    w.turn.tick(now);
    if (w.stack.handle(f, now) == tern::dp::Verdict::Transmit) {
        if (f.len > f.room || f.data < buf.data() || f.data + f.len > buf.data() + buf.size() ||
            !tern::wire::parse_ethernet(tern::ByteSpan{f.data, f.len})) {
            __builtin_trap();
        }
    }
    return 0;
}
