#include "dataplane/port/port.hpp"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstring>
#include <stdexcept>

namespace tern::dp {

namespace {

[[noreturn]] void fail(const std::string& device, const std::string& step, int rc) {
    throw std::runtime_error(device + ": " + step + " failed: " + rte_strerror(rc < 0 ? -rc : rc));
}

}  // namespace

Port start_port(const PortSetup& s) {
    Port p;
    p.device = s.device;
    p.queues = s.queues;
    if (rte_eth_dev_get_port_by_name(s.device.c_str(), &p.id) != 0) {
        throw std::runtime_error(s.device +
                                 ": no such DPDK port (check the vdev/pci setting and that the "
                                 "interface exists; see docs/configuration.md)");
    }
    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(p.id, &info); rc != 0) {
        fail(s.device, "device info", rc);
    }
    if (s.queues > info.max_rx_queues || s.queues > info.max_tx_queues) {
        throw std::runtime_error(s.device + ": needs " + std::to_string(s.queues) +
                                 " queue pairs, device has " + std::to_string(info.max_rx_queues) +
                                 " rx / " + std::to_string(info.max_tx_queues) + " tx");
    }
    rte_eth_conf conf{};
    if (s.queues > 1 && info.flow_type_rss_offloads != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf =
            info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
    }
    if (int rc = rte_eth_dev_configure(p.id, s.queues, s.queues, &conf); rc != 0) {
        fail(s.device, "configure", rc);
    }
    uint16_t rxd = s.rx_descriptors;
    uint16_t txd = s.tx_descriptors;
    if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(p.id, &rxd, &txd); rc != 0) {
        fail(s.device, "descriptor adjust", rc);
    }
    const int socket = rte_eth_dev_socket_id(p.id);
    const std::string pool_name = "mb_" + std::to_string(p.id);
    p.pool = rte_pktmbuf_pool_create(pool_name.c_str(), s.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                     socket < 0 ? SOCKET_ID_ANY : socket);
    if (p.pool == nullptr) {
        throw std::runtime_error(s.device + ": mbuf pool of " + std::to_string(s.mbufs) +
                                 " failed: " + rte_strerror(rte_errno) +
                                 " (more hugepages or memory_mb? see docs/tuning.md)");
    }
    for (uint16_t q = 0; q < s.queues; ++q) {
        if (int rc = rte_eth_rx_queue_setup(p.id, q, rxd, socket < 0 ? SOCKET_ID_ANY : socket,
                                            nullptr, p.pool);
            rc != 0) {
            fail(s.device, "rx queue " + std::to_string(q) + " setup", rc);
        }
        if (int rc =
                rte_eth_tx_queue_setup(p.id, q, txd, socket < 0 ? SOCKET_ID_ANY : socket, nullptr);
            rc != 0) {
            fail(s.device, "tx queue " + std::to_string(q) + " setup", rc);
        }
    }
    if (!s.mac.is_zero()) {
        set_port_mac(p.id, s.mac);
    }
    if (int rc = rte_eth_dev_start(p.id); rc != 0) {
        fail(s.device, "start", rc);
    }
    if (s.promiscuous) {
        // Not every virtual device supports it; a refusal only costs filtering in software.
        (void)rte_eth_promiscuous_enable(p.id);
    }
    rte_ether_addr a{};
    rte_eth_macaddr_get(p.id, &a);
    std::memcpy(p.mac.b.data(), a.addr_bytes, 6);
    return p;
}

void set_port_mac(uint16_t port_id, const wire::MacAddr& mac) {
    rte_ether_addr a{};
    std::memcpy(a.addr_bytes, mac.b.data(), 6);
    if (int rc = rte_eth_dev_default_mac_addr_set(port_id, &a); rc != 0) {
        fail("port " + std::to_string(port_id), "set MAC " + mac.to_string(), rc);
    }
}

void stop_port(const Port& p) noexcept {
    (void)rte_eth_dev_stop(p.id);
    (void)rte_eth_dev_close(p.id);
}

}  // namespace tern::dp
