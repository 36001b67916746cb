// The one wrapper around DPDK's EAL: argument assembly from the config, init and cleanup.
#pragma once

#include "common/config.hpp"

#include <string>
#include <vector>

namespace tern::dp {

/// EAL arguments for a config: the lcore map (lcore 0 = main on main_core, lcore 1..N =
/// workers), memory, --no-pci unless a PCI port is named (then an allow-list of exactly those),
/// the vdevs of the ports and of one net_tap exception port per wire port.
std::vector<std::string> eal_arguments(const DataplaneConfig& c, const std::string& prog);

/// The kernel-side interface name of port `index`'s exception tap.
std::string exception_iface(const DataplaneConfig& c, std::size_t index);
/// The DPDK device name of that tap ("net_tap0", ...).
std::string exception_device(std::size_t index);
/// The DPDK device name a port config maps to (vdev name before the first comma, or the PCI
/// address).
std::string device_name(const PortConfig& p);

class Eal {
public:
    /// Throws std::runtime_error with DPDK's reason when rte_eal_init fails.
    explicit Eal(const std::vector<std::string>& args);
    ~Eal();
    Eal(const Eal&) = delete;
    Eal& operator=(const Eal&) = delete;
};

}  // namespace tern::dp
