#include "common/shm/channel_layout.hpp"

#include <new>

namespace tern::shm {

namespace {
constexpr uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}
constexpr bool is_pow2(uint32_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}
}  // namespace

Layout compute_layout(uint32_t n_workers, uint32_t n_ports, const RingSizes& s) {
    Layout l;
    uint64_t off = align_up(sizeof(ChannelHeader), 4096);
    for (uint32_t w = 0; w < n_workers && w < kMaxWorkers; ++w) {
        l.workers[w].commands = off;
        off = align_up(off + ring_bytes(s.command_slots, s.message_slot_size), 4096);
        l.workers[w].events = off;
        off = align_up(off + ring_bytes(s.event_slots, s.message_slot_size), 4096);
        l.workers[w].punt = off;
        off = align_up(off + ring_bytes(s.packet_slots, s.packet_slot_size), 4096);
        l.workers[w].inject = off;
        off = align_up(off + ring_bytes(s.packet_slots, s.packet_slot_size), 4096);
        l.workers[w].counters = off;
        off = align_up(off + sizeof(LcoreCounters), 4096);
    }
    l.port_counters = off;
    off = align_up(off + sizeof(PortCounters) * n_ports, 4096);
    l.size = off;
    return l;
}

ChannelHeader* init_region(void* base, const Layout& l, uint32_t n_workers, uint32_t n_ports,
                           const RingSizes& s, uint64_t instance_id, uint64_t tsc_hz) {
    auto* b = static_cast<std::byte*>(base);
    auto* h = new (b) ChannelHeader{};
    h->magic = kChannelMagic;
    h->schema = kSchemaVersion;
    h->n_workers = n_workers;
    h->n_ports = n_ports;
    h->region_size = l.size;
    h->instance_id = instance_id;
    h->tsc_hz = tsc_hz;
    h->port_counters = l.port_counters;
    for (uint32_t w = 0; w < n_workers; ++w) {
        h->workers[w] = l.workers[w];
        ring_init(b + l.workers[w].commands, s.command_slots, s.message_slot_size);
        ring_init(b + l.workers[w].events, s.event_slots, s.message_slot_size);
        ring_init(b + l.workers[w].punt, s.packet_slots, s.packet_slot_size);
        ring_init(b + l.workers[w].inject, s.packet_slots, s.packet_slot_size);
        new (b + l.workers[w].counters) LcoreCounters{};
    }
    for (uint32_t p = 0; p < n_ports; ++p) {
        new (b + l.port_counters + p * sizeof(PortCounters)) PortCounters{};
    }
    return h;
}

Result<ChannelHeader*, std::string> validate_region(void* base, uint64_t size) {
    auto* b = static_cast<std::byte*>(base);
    if (size < sizeof(ChannelHeader)) {
        return unexpected(std::string("region smaller than its header"));
    }
    auto* h = reinterpret_cast<ChannelHeader*>(b);
    if (h->magic != kChannelMagic) {
        return unexpected(std::string("bad region magic"));
    }
    if (h->schema != kSchemaVersion) {
        return unexpected("schema " + std::to_string(h->schema) + ", expected " +
                          std::to_string(kSchemaVersion));
    }
    if (h->region_size != size || h->n_workers == 0 || h->n_workers > kMaxWorkers ||
        h->n_ports > kMaxPorts) {
        return unexpected(std::string("inconsistent region header"));
    }
    auto ring_ok = [&](uint64_t off) {
        if (off + sizeof(RingHeader) > size || off % alignof(RingHeader) != 0) {
            return false;
        }
        const auto* r = reinterpret_cast<const RingHeader*>(b + off);
        return r->magic == kRingMagic && is_pow2(r->capacity) &&
               r->slot_size > sizeof(SlotHeader) &&
               off + ring_bytes(r->capacity, r->slot_size) <= size;
    };
    for (uint32_t w = 0; w < h->n_workers; ++w) {
        const WorkerOffsets& o = h->workers[w];
        if (!ring_ok(o.commands) || !ring_ok(o.events) || !ring_ok(o.punt) || !ring_ok(o.inject) ||
            o.counters + sizeof(LcoreCounters) > size) {
            return unexpected("worker " + std::to_string(w) + " ring or counters out of bounds");
        }
    }
    if (h->port_counters + sizeof(PortCounters) * h->n_ports > size) {
        return unexpected(std::string("port counters out of bounds"));
    }
    return h;
}

}  // namespace tern::shm
