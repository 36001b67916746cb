#include "common/shm/channel_layout.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <set>

using namespace tern::shm;

namespace {
struct Region0 {
    explicit Region0(uint64_t size) : mem(static_cast<std::byte*>(std::aligned_alloc(4096, size))) {
        std::memset(mem.get(), 0, size);
    }
    struct Free {
        void operator()(std::byte* p) const { std::free(p); }
    };
    std::unique_ptr<std::byte, Free> mem;
};
}  // namespace

TEST_CASE("ChannelLayout: regions validate and rings do not overlap", "[shm]") {
    const RingSizes sizes;
    const Layout l = compute_layout(3, 2, sizes);
    Region0 r{l.size};
    init_region(r.mem.get(), l, 3, 2, sizes, 42, 1'000'000'000);
    auto h = validate_region(r.mem.get(), l.size);
    REQUIRE(h);
    CHECK((*h)->instance_id == 42);
    Region reg{r.mem.get(), *h};
    for (uint32_t w = 0; w < 3; ++w) {
        CHECK(reg.commands(w)->capacity == sizes.command_slots);
        CHECK(reg.events(w)->capacity == sizes.event_slots);
        CHECK(reg.punt(w)->slot_size == sizes.packet_slot_size);
        CHECK(l.workers[w].events >=
              l.workers[w].commands + ring_bytes(sizes.command_slots, sizes.message_slot_size));
        CHECK(l.workers[w].counters % 64 == 0);
    }
    CHECK(l.port_counters + 2 * sizeof(PortCounters) <= l.size);
}

TEST_CASE("ChannelLayout: corrupt headers are refused", "[shm]") {
    const RingSizes sizes;
    const Layout l = compute_layout(1, 1, sizes);
    Region0 r{l.size};
    auto* h = init_region(r.mem.get(), l, 1, 1, sizes, 1, 1);
    CHECK_FALSE(validate_region(r.mem.get(), l.size - 4096));  // size mismatch

    h->schema = kSchemaVersion + 1;
    auto bad_schema = validate_region(r.mem.get(), l.size);
    REQUIRE_FALSE(bad_schema);
    CHECK(bad_schema.error().find("schema") != std::string::npos);
    h->schema = kSchemaVersion;

    const uint64_t saved = h->workers[0].punt;
    h->workers[0].punt = l.size - 64;
    CHECK_FALSE(validate_region(r.mem.get(), l.size));
    h->workers[0].punt = saved;

    reinterpret_cast<RingHeader*>(r.mem.get() + l.workers[0].events)->capacity = 1000;
    CHECK_FALSE(validate_region(r.mem.get(), l.size));
}

TEST_CASE("Counters: every counter has a unique, non-empty name", "[shm]") {
    std::set<std::string_view> seen;
    for (std::string_view n : kCounterNames) {
        CHECK_FALSE(n.empty());
        CHECK(seen.insert(n).second);
    }
    CHECK(seen.size() == kCounterCount);
}

TEST_CASE("Generations: an lcore applies only the newest control plane's commands", "[shm]") {
    GenerationGate gate;
    CHECK(gate.admit(5));
    CHECK(gate.admit(5));        // the same control plane again
    CHECK(gate.admit(9));        // a restarted one
    CHECK_FALSE(gate.admit(5));  // what the old one left queued
    CHECK(gate.newest() == 9);
    // A control plane's next generation passes both its own and the wall clock.
    CHECK(next_generation(0, 1'700'000'000'000'000) == 1'700'000'000'000'000);
    CHECK(next_generation(1'700'000'000'000'000, 1'700'000'000'000'000) == 1'700'000'000'000'001);
    CHECK(next_generation(1'700'000'000'000'010, 1'600'000'000'000'000) == 1'700'000'000'000'011);
}
