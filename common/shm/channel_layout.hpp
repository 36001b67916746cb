// The layout of the shared region behind the control channel: a header, then per worker lcore
// four rings (commands, events, punt, inject) and a counter block, then per-port counters.
// The data plane creates it; the control plane maps it and validates it before use.
#pragma once

#include "common/result.hpp"
#include "common/shm/counters.hpp"
#include "common/shm/messages.hpp"
#include "common/shm/spsc_ring.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace tern::shm {

inline constexpr uint32_t kMaxWorkers = 64;

struct RingSizes {
    uint32_t command_slots = 1024;
    uint32_t event_slots = 4096;
    uint32_t packet_slots = 1024;
    uint32_t message_slot_size = 256;
    uint32_t packet_slot_size = 2048 + 64;  // PacketMeta + a full-size frame, rounded
};

struct WorkerOffsets {
    uint64_t commands;
    uint64_t events;
    uint64_t punt;
    uint64_t inject;
    uint64_t counters;
};

struct alignas(64) ChannelHeader {
    uint32_t magic;
    uint32_t schema;
    uint32_t n_workers;
    uint32_t n_ports;
    uint64_t region_size;
    uint64_t instance_id;
    uint64_t started_unix_ns;
    uint64_t tsc_hz;
    uint64_t port_counters;  // offset of PortCounters[n_ports]
    WorkerOffsets workers[kMaxWorkers];
};

struct Layout {
    uint64_t size = 0;
    uint64_t port_counters = 0;
    WorkerOffsets workers[kMaxWorkers]{};
};

Layout compute_layout(uint32_t n_workers, uint32_t n_ports, const RingSizes& sizes);

/// Writes the header, rings and zeroed counters into a zero-filled region of layout.size bytes.
ChannelHeader* init_region(void* base, const Layout& layout, uint32_t n_workers, uint32_t n_ports,
                           const RingSizes& sizes, uint64_t instance_id, uint64_t tsc_hz);

/// Checks magic, schema and that every offset and ring lies inside `size` bytes.
Result<ChannelHeader*, std::string> validate_region(void* base, uint64_t size);

/// Typed accessors into a validated region.
struct Region {
    std::byte* base = nullptr;
    ChannelHeader* header = nullptr;

    RingHeader* commands(uint32_t w) const { return at<RingHeader>(header->workers[w].commands); }
    RingHeader* events(uint32_t w) const { return at<RingHeader>(header->workers[w].events); }
    RingHeader* punt(uint32_t w) const { return at<RingHeader>(header->workers[w].punt); }
    RingHeader* inject(uint32_t w) const { return at<RingHeader>(header->workers[w].inject); }
    LcoreCounters* counters(uint32_t w) const {
        return at<LcoreCounters>(header->workers[w].counters);
    }
    PortCounters* port(uint32_t p) const { return at<PortCounters>(header->port_counters) + p; }

private:
    template <class T>
    T* at(uint64_t off) const {
        return reinterpret_cast<T*>(base + off);
    }
};

}  // namespace tern::shm
