// tern-dataplane: assembles the process. Everything of substance lives in the components.
#include "common/config.hpp"
#include "common/log.hpp"
#include "dataplane/control/control_server.hpp"
#include "dataplane/eal/eal.hpp"
#include "dataplane/exception/kernel_iface.hpp"
#include "dataplane/lcore/worker.hpp"
#include "dataplane/port/port.hpp"

#include <openssl/rand.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
    g_stop.store(true);
}

void usage() {
    std::puts("usage: tern-dataplane --config FILE [--print-eal-args]\n"
              "  Runs tern's DPDK data plane as the config describes (etc/tern.conf).\n"
              "  --print-eal-args  print the EAL arguments the config yields and exit");
}

void refresh_port_counters(const tern::shm::Region& region,
                           const std::vector<tern::dp::Port>& ports) {
    for (std::size_t i = 0; i < ports.size(); ++i) {
        rte_eth_stats s{};
        if (rte_eth_stats_get(ports[i].id, &s) != 0) {
            continue;
        }
        tern::shm::PortCounters* pc = region.port(static_cast<uint32_t>(i));
        pc->ipackets.store(s.ipackets, std::memory_order_relaxed);
        pc->opackets.store(s.opackets, std::memory_order_relaxed);
        pc->ibytes.store(s.ibytes, std::memory_order_relaxed);
        pc->obytes.store(s.obytes, std::memory_order_relaxed);
        pc->imissed.store(s.imissed, std::memory_order_relaxed);
        pc->ierrors.store(s.ierrors, std::memory_order_relaxed);
        pc->oerrors.store(s.oerrors, std::memory_order_relaxed);
        pc->rx_nombuf.store(s.rx_nombuf, std::memory_order_relaxed);
    }
}

int run(const tern::Config& config) {
    using namespace tern;
    using namespace tern::dp;
    const DataplaneConfig& c = config.dataplane;
    Logger log{"dataplane"};

    const Eal eal{eal_arguments(c, "tern-dataplane")};
    if (rte_lcore_count() != c.worker_cores.size() + 1) {
        throw std::runtime_error("EAL started " + std::to_string(rte_lcore_count()) +
                                 " lcores, the config asks for " +
                                 std::to_string(c.worker_cores.size() + 1));
    }
    const auto n_workers = static_cast<uint16_t>(c.worker_cores.size());

    std::vector<Port> ports;
    std::vector<Port> taps;
    std::vector<Interface> interfaces(c.ports.size());
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        const PortConfig& pc = c.ports[i];
        // Only a NIC of our own gets the configured MAC programmed; on a vdev over a kernel
        // interface the port runs promiscuous and the stack filters on the configured MAC.
        const wire::MacAddr program = pc.is_pci ? pc.mac : wire::MacAddr{};
        ports.push_back(
            start_port({device_name(pc), n_workers, pc.rx_descriptors, pc.tx_descriptors, c.mbufs,
                        pc.promiscuous || !pc.is_pci, program}));
        Interface& ifc = interfaces[i];
        ifc.port_id = ports.back().id;
        ifc.mac = pc.mac.is_zero() ? ports.back().mac : pc.mac;
        ifc.ipv4 = pc.ipv4;
        ifc.ipv6 = pc.ipv6;
        ifc.link_local = wire::Ipv6Addr::link_local_from_mac(ifc.mac);
        ifc.gateway4 = pc.gateway4;
        ifc.gateway6 = pc.gateway6;
        if (c.exception.enabled) {
            // The tap carries the wire port's MAC so frames pass between the two unchanged.
            taps.push_back(
                start_port({exception_device(i), n_workers, 1024, 1024, 4095, false, ifc.mac}));
            if (c.exception.configure_addresses) {
                configure_kernel_iface(exception_iface(c, i), pc.ipv4, pc.ipv6);
            }
        }
        log.info("port up", {{"name", pc.name},
                             {"device", ports.back().device},
                             {"port_id", ports.back().id},
                             {"mac", ifc.mac.to_string()},
                             {"ipv4", pc.ipv4 ? pc.ipv4->addr.to_string() : ""},
                             {"ipv6", pc.ipv6 ? pc.ipv6->addr.to_string() : ""},
                             {"queues", n_workers},
                             {"exception", c.exception.enabled ? exception_iface(c, i) : "off"}});
    }

    // TURN peers may not be the appliance itself (RFC 8656 §21): collect every own address.
    std::vector<wire::Ipv4Addr> own4;
    std::vector<wire::Ipv6Addr> own6;
    for (const Interface& ifc : interfaces) {
        if (ifc.ipv4) {
            own4.push_back(ifc.ipv4->addr);
        }
        if (ifc.ipv6) {
            own6.push_back(ifc.ipv6->addr);
        }
    }
    const PeerPolicy peer_policy{c.turn, own4, own6};
    std::array<uint8_t, 32> nonce_secret{};
    if (RAND_bytes(nonce_secret.data(), static_cast<int>(nonce_secret.size())) != 1) {
        throw std::runtime_error("no randomness for the TURN nonce key");
    }

    ControlServer control{c.control_socket, n_workers, static_cast<uint32_t>(c.ports.size()),
                          rte_get_tsc_hz()};
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        shm::PortCounters* pc = control.region().port(static_cast<uint32_t>(i));
        std::snprintf(pc->name, sizeof pc->name, "%s", c.ports[i].name.c_str());
        pc->queues = n_workers;
    }

    // Several workers: rings between each pair, for frames steered in software and SFU relays.
    LcoreLinks links;
    if (n_workers > 1) {
        links.handoff.assign(n_workers, std::vector<rte_ring*>(n_workers, nullptr));
        links.relay.assign(n_workers, std::vector<rte_ring*>(n_workers, nullptr));
        for (uint32_t from = 0; from < n_workers; ++from) {
            for (uint32_t to = 0; to < n_workers; ++to) {
                if (from == to) {
                    continue;
                }
                for (auto* set : {&links.handoff, &links.relay}) {
                    const std::string name = std::string(set == &links.handoff ? "hand" : "rely") +
                                             "-" + std::to_string(from) + "-" + std::to_string(to);
                    rte_ring* r =
                        rte_ring_create(name.c_str(), 4096, static_cast<int>(rte_socket_id()),
                                        RING_F_SP_ENQ | RING_F_SC_DEQ);
                    if (r == nullptr) {
                        throw std::runtime_error("cannot create ring " + name + ": " +
                                                 rte_strerror(rte_errno));
                    }
                    (*set)[from][to] = r;
                }
            }
        }
    }

    std::vector<std::unique_ptr<Worker>> workers;
    unsigned lcore = 0;
    uint32_t index = 0;
    RTE_LCORE_FOREACH_WORKER(lcore) {
        std::vector<WorkerPort> wp;
        for (std::size_t i = 0; i < ports.size(); ++i) {
            wp.push_back({ports[i].id, c.exception.enabled ? taps[i].id : kNoTap, ports[i].pool,
                          &interfaces[i], &peer_policy,
                          as_bytes(nonce_secret.data(), nonce_secret.size())});
        }
        workers.push_back(std::make_unique<Worker>(index, c, std::move(wp), control.region(),
                                                   g_stop, n_workers > 1 ? &links : nullptr));
        if (rte_eal_remote_launch(&Worker::launch, workers.back().get(), lcore) != 0) {
            throw std::runtime_error("cannot launch worker on lcore " + std::to_string(lcore));
        }
        log.info("worker running",
                 {{"worker", index}, {"lcore", lcore}, {"core", c.worker_cores[index]}});
        ++index;
    }
    log.info("data plane ready",
             {{"config", config.path}, {"pid", static_cast<int64_t>(getpid())}});

    auto next_stats = std::chrono::steady_clock::now();
    while (!g_stop.load()) {
        control.poll_once(50);
        if (std::chrono::steady_clock::now() >= next_stats) {
            refresh_port_counters(control.region(), ports);
            next_stats += std::chrono::milliseconds(c.stats_interval_ms);
        }
    }
    log.info("stopping");
    rte_eal_mp_wait_lcore();
    refresh_port_counters(control.region(), ports);
    for (const Port& p : taps) {
        stop_port(p);
    }
    for (const Port& p : ports) {
        stop_port(p);
    }
    log.info("stopped cleanly");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_path;
    bool print_eal = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "--config" || a == "-c") && i + 1 < argc) {
            config_path = argv[++i];
        } else if (a == "--print-eal-args") {
            print_eal = true;
        } else if (a == "--help" || a == "-h") {
            usage();
            return 0;
        } else {
            std::fprintf(stderr, "tern-dataplane: unknown argument '%s'\n", a.c_str());
            usage();
            return 2;
        }
    }
    if (config_path.empty()) {
        usage();
        return 2;
    }
    auto config = tern::load_config(config_path);
    if (!config) {
        std::fprintf(stderr, "tern-dataplane: %s\n", config.error().c_str());
        return 1;
    }
    if (print_eal) {
        for (const auto& a : tern::dp::eal_arguments(config->dataplane, "tern-dataplane")) {
            std::printf("%s\n", a.c_str());
        }
        return 0;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return run(*config);
    } catch (const std::exception& e) {
        tern::Logger{"dataplane"}.error("fatal", {{"error", e.what()}});
        return 1;
    }
}
