#include "dataplane/eal/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>

#include <stdexcept>

namespace tern::dp {

std::string exception_iface(const DataplaneConfig& c, std::size_t index) {
    return index == 0 ? c.exception.iface : c.exception.iface + std::to_string(index);
}

std::string exception_device(std::size_t index) {
    return "net_tap" + std::to_string(index);
}

std::string device_name(const PortConfig& p) {
    return p.is_pci ? p.device : p.device.substr(0, p.device.find(','));
}

std::vector<std::string> eal_arguments(const DataplaneConfig& c, const std::string& prog) {
    std::vector<std::string> a{prog};
    std::string lcores = "0@" + std::to_string(c.main_core);
    for (std::size_t i = 0; i < c.worker_cores.size(); ++i) {
        lcores += "," + std::to_string(i + 1) + "@" + std::to_string(c.worker_cores[i]);
    }
    a.insert(a.end(), {"--lcores", lcores, "--main-lcore", "0"});
    a.insert(a.end(), {"-m", std::to_string(c.memory_mb)});
    if (c.in_memory) {
        a.emplace_back("--in-memory");
    } else if (!c.file_prefix.empty()) {
        a.insert(a.end(), {"--file-prefix", c.file_prefix});
    }
    a.emplace_back("--no-telemetry");
    bool any_pci = false;
    for (const PortConfig& p : c.ports) {
        if (p.is_pci) {
            a.insert(a.end(), {"-a", p.device});
            any_pci = true;
        }
    }
    if (!any_pci) {
        a.emplace_back("--no-pci");  // never touch a NIC the config does not name
    }
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        if (!c.ports[i].is_pci) {
            a.insert(a.end(), {"--vdev", c.ports[i].device});
        }
    }
    if (c.exception.enabled) {
        for (std::size_t i = 0; i < c.ports.size(); ++i) {
            a.insert(a.end(), {"--vdev", exception_device(i) + ",iface=" + exception_iface(c, i)});
        }
    }
    a.insert(a.end(), c.eal_args.begin(), c.eal_args.end());
    return a;
}

Eal::Eal(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const std::string& s : args) {
        argv.push_back(const_cast<char*>(s.c_str()));
    }
    argv.push_back(nullptr);
    if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0) {
        throw std::runtime_error(std::string("EAL init failed: ") + rte_strerror(rte_errno));
    }
}

Eal::~Eal() {
    rte_eal_cleanup();
}

}  // namespace tern::dp
