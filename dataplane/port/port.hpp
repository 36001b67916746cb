// Port and queue setup: one mempool per port, one RX/TX queue pair per worker lcore.
#pragma once

#include "common/wire/addr.hpp"

#include <cstdint>
#include <string>

struct rte_mempool;

namespace tern::dp {

struct PortSetup {
    std::string device;  // DPDK device name, e.g. "net_af_packet0"
    uint16_t queues = 1;
    uint16_t rx_descriptors = 1024;
    uint16_t tx_descriptors = 1024;
    uint32_t mbufs = 8191;
    bool promiscuous = true;
    /// Written to the device when non-zero. Kernel-backed vdevs (af_packet, af_xdp) must keep
    /// their interface's own MAC, or the kernel would accept tern's frames as its own.
    wire::MacAddr mac;
};

struct Port {
    uint16_t id = 0;
    std::string device;
    rte_mempool* pool = nullptr;  // owned by DPDK, lives until EAL cleanup
    uint16_t queues = 0;
    wire::MacAddr mac;  // effective address after setup
};

/// Finds, configures and starts a port; throws std::runtime_error naming the device and step.
Port start_port(const PortSetup& s);

/// Sets a started port's MAC (used to give an exception tap its wire port's address).
void set_port_mac(uint16_t port_id, const wire::MacAddr& mac);

void stop_port(const Port& p) noexcept;

}  // namespace tern::dp
