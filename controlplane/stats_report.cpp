#include "controlplane/stats_report.hpp"

#include <cstring>
#include <string>

namespace tern::cp {

nlohmann::json counters_report(const shm::Region& region) {
    using nlohmann::json;
    const shm::ChannelHeader& h = *region.header;
    const auto relaxed = std::memory_order_relaxed;
    json lcores = json::array();
    for (uint32_t w = 0; w < h.n_workers; ++w) {
        const shm::LcoreCounters& c = *region.counters(w);
        json counters = json::object();
        for (std::size_t i = 0; i < shm::kCounterCount; ++i) {
            counters[std::string(shm::kCounterNames[i])] = c.v[i].load(relaxed);
        }
        lcores.push_back({{"worker", w}, {"counters", counters}});
    }
    json ports = json::array();
    for (uint32_t p = 0; p < h.n_ports; ++p) {
        const shm::PortCounters& pc = *region.port(p);
        json queues = json::array();
        for (uint32_t w = 0; w < h.n_workers; ++w) {
            const shm::QueueCounters& q = region.counters(w)->queue[p];
            queues.push_back({{"queue", w},
                              {"rx_packets", q.rx_packets.load(relaxed)},
                              {"rx_bytes", q.rx_bytes.load(relaxed)},
                              {"tx_packets", q.tx_packets.load(relaxed)},
                              {"tx_bytes", q.tx_bytes.load(relaxed)},
                              {"tx_dropped", q.tx_dropped.load(relaxed)}});
        }
        ports.push_back({{"name", std::string(pc.name, strnlen(pc.name, sizeof pc.name))},
                         {"hw",
                          {{"ipackets", pc.ipackets.load(relaxed)},
                           {"opackets", pc.opackets.load(relaxed)},
                           {"ibytes", pc.ibytes.load(relaxed)},
                           {"obytes", pc.obytes.load(relaxed)},
                           {"imissed", pc.imissed.load(relaxed)},
                           {"ierrors", pc.ierrors.load(relaxed)},
                           {"oerrors", pc.oerrors.load(relaxed)},
                           {"rx_nombuf", pc.rx_nombuf.load(relaxed)}}},
                         {"queues", queues}});
    }
    return {{"lcores", lcores}, {"ports", ports}};
}

}  // namespace tern::cp
