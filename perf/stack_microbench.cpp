// Microbenchmark: the packet path's cost per frame (host stack, dispatch, service), no I/O.
// Prints ns and TSC cycles per frame for each workload next to a memcpy of the same frame (the
// floor of touching it), then a mixed burst handled interleaved and grouped by service.
//
//   build/perf/stack_microbench [ITERATIONS]
#include "common/wire/checksum.hpp"
#include "common/wire/ethernet.hpp"
#include "common/wire/ipv4.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/udp.hpp"
#include "dataplane/lcore/packet_path.hpp"
#include "dataplane/turn/turn_server.hpp"
#include "perf/support/frames.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <vector>
#include <x86intrin.h>

using namespace tern;

namespace {

std::vector<std::byte> udp_frame(const wire::Ipv4Addr& src, uint16_t sport,
                                 const wire::Ipv4Addr& dst, uint16_t dport, ByteSpan payload) {
    return perf::udp4_frame(wire::MacAddr::parse("02:00:00:00:01:02").value(),
                            wire::MacAddr::parse("02:00:00:00:00:01").value(), src, sport, dst,
                            dport, payload);
}

std::vector<std::byte> stun_frame(bool fingerprint) {
    std::array<std::byte, 64> stun{};
    wire::stun::Builder b{
        stun,
        wire::stun::message_type(wire::stun::method::kBinding, wire::stun::Class::Request),
        {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}};
    if (fingerprint) {
        b.add_fingerprint();
    }
    const std::size_t n = b.finish().value();
    const auto src = wire::Ipv4Addr::parse("198.18.0.1").value();
    const auto dst = wire::Ipv4Addr::parse("198.18.0.2").value();
    std::vector<std::byte> f(42 + n);
    ByteWriter w{f};
    wire::write_ethernet(w, wire::MacAddr::parse("02:00:00:00:01:02").value(),
                         wire::MacAddr::parse("02:00:00:00:00:01").value(), wire::kEtherTypeIpv4);
    wire::write_ipv4(w, src, dst, wire::kIpProtoUdp, static_cast<uint16_t>(8 + n));
    w.u16be(40000);
    w.u16be(3478);
    w.u16be(static_cast<uint16_t>(8 + n));
    w.u16be(0);
    w.bytes(ByteSpan{stun}.first(n));
    wire::udp_fill_checksum_v4(MutableByteSpan{f}.subspan(34), src, dst);
    return f;
}

}  // namespace

static int run(int argc, char** argv) {
    const long iters = argc > 1 ? std::atol(argv[1]) : 2'000'000;
    dp::Interface ifc;
    ifc.mac = wire::MacAddr::parse("02:00:00:00:01:02").value();
    ifc.ipv4 = wire::Prefix<wire::Ipv4Addr>{wire::Ipv4Addr::parse("198.18.0.2").value(), 24};
    ifc.link_local = wire::Ipv6Addr::link_local_from_mac(ifc.mac);
    ServicesConfig services;
    dp::NeighborTable neighbors{64, 1000, 100};
    auto counters = std::make_unique<shm::LcoreCounters>();
    // TURN with one allocation, a permission and a channel installed directly (the set-up is not
    // what is measured): the relay in both directions, as on the lcore.
    TurnConfig turn_cfg;
    turn_cfg.max_allocations = 16;
    turn_cfg.relay_port_min = 49152;
    turn_cfg.relay_port_max = 49160;
    dp::PeerPolicy policy{turn_cfg, {}, {}};
    dp::TurnServer turn{turn_cfg, policy, 0, 1, *counters, 0, as_bytes("microbench", 10)};
    const auto us = wire::Ipv4Addr::parse("198.18.0.2").value();
    const auto client = wire::Endpoint::from_v4(wire::Ipv4Addr::parse("198.18.0.1").value(), 40000);
    const auto peer = wire::Endpoint::from_v4(wire::Ipv4Addr::parse("198.18.0.3").value(), 5000);
    const uint32_t idx = turn.allocations_for_test().create(
        client, wire::Endpoint::from_v4(us, 3478), false, 1'000'000, 0);
    dp::Allocation& alloc = turn.allocations_for_test().at(idx);
    alloc.permissions[0] = {peer, 1'000'000};
    alloc.channels[0] = {0x4001, peer, 1'000'000};
    alloc.client_mac = wire::MacAddr::parse("02:00:00:00:00:01").value();
    neighbors.learn(dp::NeighborTable::key(peer.v4),
                    wire::MacAddr::parse("02:00:00:00:00:03").value(), 0);
    dp::PacketPath stack{ifc, services, neighbors, *counters, &turn, 1};
    auto channel_data = [&](std::size_t len) {
        std::vector<std::byte> cd(4 + len, std::byte{0x5a});
        store_u16be(cd.data(), 0x4001);
        store_u16be(cd.data() + 2, static_cast<uint16_t>(len));
        return udp_frame(client.v4, client.port, us, 3478, cd);
    };
    auto from_peer = [&](std::size_t len) {
        std::vector<std::byte> d(len, std::byte{0xa5});
        return udp_frame(peer.v4, peer.port, us, alloc.relay_port, d);
    };

    struct Case {
        const char* name;
        std::vector<std::byte> frame;
    };
    const Case cases[] = {{"stun binding + fingerprint", stun_frame(true)},
                          {"stun binding", stun_frame(false)},
                          {"turn channeldata->peer 172B", channel_data(172)},
                          {"turn peer->channeldata 172B", from_peer(172)},
                          {"turn channeldata->peer 1200B", channel_data(1200)},
                          {"turn peer->channeldata 1200B", from_peer(1200)}};
    std::vector<std::byte> buf(128 + 2048);
    std::printf("%-30s %10s %10s %14s\n", "workload", "ns/frame", "cyc/frame", "memcpy cyc");
    std::fflush(stdout);
    for (const Case& c : cases) {
        // Floor: copying the frame into the working buffer, as the loop below also does.
        uint64_t t0 = __rdtsc();
        for (long i = 0; i < iters; ++i) {
            std::memcpy(buf.data() + 128, c.frame.data(), c.frame.size());
            asm volatile("" ::: "memory");
        }
        const double copy_cyc = static_cast<double>(__rdtsc() - t0) / static_cast<double>(iters);
        const auto start = std::chrono::steady_clock::now();
        t0 = __rdtsc();
        long replies = 0;
        for (long i = 0; i < iters; ++i) {
            std::memcpy(buf.data() + 128, c.frame.data(), c.frame.size());
            dp::Frame f{buf.data() + 128, static_cast<uint32_t>(c.frame.size()), 2048, 128};
            replies += stack.handle(f, 1) == dp::Verdict::Transmit;
        }
        const double cyc = static_cast<double>(__rdtsc() - t0) / static_cast<double>(iters);
        const double ns =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
                .count() /
            static_cast<double>(iters);
        if (replies != iters) {
            std::fprintf(stderr, "unexpected verdicts: %ld of %ld replies\n", replies, iters);
            return 1;
        }
        std::printf("%-30s %10.1f %10.0f %14.0f\n", c.name, ns, cyc, copy_cyc);
    }

    // Would a classify pass pay (the burst split by service first, then each class in a loop of
    // its own)? The same burst of 32 frames of four services, handled in arrival order
    // (interleaved) and grouped by service: the difference bounds what classifying could gain
    // from warmer instruction and branch caches, before paying for the pass itself.
    constexpr std::size_t kBurst = 32;
    std::vector<const std::vector<std::byte>*> interleaved;
    for (std::size_t i = 0; i < kBurst; ++i) {
        interleaved.push_back(&cases[i % 4 == 0 ? 0 : i % 4 == 1 ? 2 : i % 4 == 2 ? 3 : 1].frame);
    }
    std::vector<const std::vector<std::byte>*> grouped = interleaved;
    std::stable_sort(grouped.begin(), grouped.end());  // the same frames, one class after another
    std::vector<std::vector<std::byte>> bufs(kBurst, std::vector<std::byte>(128 + 2048));
    for (const auto* order : {&interleaved, &grouped}) {
        const long bursts = iters / static_cast<long>(kBurst);
        const uint64_t t0 = __rdtsc();
        long replies = 0;
        for (long b = 0; b < bursts; ++b) {
            for (std::size_t i = 0; i < kBurst; ++i) {
                std::memcpy(bufs[i].data() + 128, (*order)[i]->data(), (*order)[i]->size());
            }
            for (std::size_t i = 0; i < kBurst; ++i) {
                dp::Frame f{bufs[i].data() + 128, static_cast<uint32_t>((*order)[i]->size()), 2048,
                            128};
                replies += stack.handle(f, 1) == dp::Verdict::Transmit;
            }
        }
        const double cyc =
            static_cast<double>(__rdtsc() - t0) / static_cast<double>(bursts * kBurst);
        if (replies != bursts * static_cast<long>(kBurst)) {
            std::fprintf(stderr, "unexpected verdicts in the mixed burst\n");
            return 1;
        }
        std::printf("%-30s %10s %10.0f\n",
                    order == &interleaved ? "mixed burst, interleaved" : "mixed burst, grouped", "",
                    cyc);
    }
    return 0;
}

int main(int argc, char** argv) {
    // What escapes run() is a bug or an exhausted resource: said once, with a failing status.
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "stack_microbench: fatal: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "stack_microbench: fatal: unknown exception\n");
    }
    return 1;
}
