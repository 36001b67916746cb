// tern-loadgen: a DPDK traffic generator for tern's benchmarks, driving a peer over one port
// (net_memif in the benchmarks). This first version knows one workload: STUN Binding requests
// from many client flows, with a window of requests in flight, counting valid responses.
//
// It also runs as the baseline peer: `--mode echo` returns every frame with swapped MAC
// addresses, the least work a DPDK forwarder can do on the same frames.
//
//   tern-loadgen EAL-ARGS -- --mode gen  [--seconds 5] [--warmup 1] [--window 2048] [--flows 1024]
//   tern-loadgen EAL-ARGS -- --mode echo [--seconds 30]
//
// Output ends with a line "loadgen: key=value ..." that scripts read.
#include "common/wire/checksum.hpp"
#include "common/wire/ethernet.hpp"
#include "common/wire/ipv4.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/udp.hpp"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace tern;

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

struct Options {
    std::string mode = "gen";
    double seconds = 5;
    double warmup = 1;
    uint32_t window = 2048;
    uint32_t flows = 1024;
    uint16_t burst = 32;
    wire::MacAddr dst_mac = *wire::MacAddr::parse("02:00:00:00:01:02");
    wire::MacAddr src_mac = *wire::MacAddr::parse("02:00:00:00:00:01");
    wire::Ipv4Addr src_ip = *wire::Ipv4Addr::parse("198.18.0.1");
    wire::Ipv4Addr dst_ip = *wire::Ipv4Addr::parse("198.18.0.2");
    uint16_t dst_port = 3478;
};

[[noreturn]] void die(const std::string& m) {
    std::fprintf(stderr, "tern-loadgen: %s\n", m.c_str());
    std::exit(1);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                die("missing value for " + a);
            }
            return argv[++i];
        };
        if (a == "--mode") {
            o.mode = next();
        } else if (a == "--seconds") {
            o.seconds = std::stod(next());
        } else if (a == "--warmup") {
            o.warmup = std::stod(next());
        } else if (a == "--window") {
            o.window = static_cast<uint32_t>(std::stoul(next()));
        } else if (a == "--flows") {
            o.flows = static_cast<uint32_t>(std::stoul(next()));
        } else if (a == "--dst-mac") {
            o.dst_mac = *wire::MacAddr::parse(next());
        } else if (a == "--dst-ip") {
            o.dst_ip = *wire::Ipv4Addr::parse(next());
        } else {
            die("unknown option " + a);
        }
    }
    if ((o.mode != "gen" && o.mode != "echo") || o.seconds <= 0 || o.seconds > 600 ||
        o.window == 0 || o.flows == 0 || o.flows > 60000) {
        die("bad options (mode gen|echo, seconds 0..600, flows 1..60000)");
    }
    return o;
}

uint16_t setup_port(rte_mempool* pool) {
    if (rte_eth_dev_count_avail() < 1) {
        die("no port: pass a --vdev (e.g. net_memif0,role=client,socket=...)");
    }
    const uint16_t port = 0;
    rte_eth_conf conf{};
    if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
        rte_eth_rx_queue_setup(port, 0, 1024, rte_socket_id(), nullptr, pool) != 0 ||
        rte_eth_tx_queue_setup(port, 0, 1024, rte_socket_id(), nullptr) != 0 ||
        rte_eth_dev_start(port) != 0) {
        die("port setup failed");
    }
    return port;
}

bool wait_link(uint16_t port, double seconds) {
    const uint64_t end = rte_rdtsc() + static_cast<uint64_t>(seconds * static_cast<double>(rte_get_tsc_hz()));
    while (rte_rdtsc() < end && !g_stop.load()) {
        rte_eth_link link{};
        rte_eth_link_get_nowait(port, &link);
        if (link.link_status == RTE_ETH_LINK_UP) {
            return true;
        }
        rte_delay_us_sleep(10000);
    }
    return false;
}

int run_echo(const Options& o, uint16_t port) {
    uint64_t echoed = 0;
    const uint64_t end = rte_rdtsc() + static_cast<uint64_t>(o.seconds * static_cast<double>(rte_get_tsc_hz()));
    rte_mbuf* pkts[64];
    while (!g_stop.load(std::memory_order_relaxed) && rte_rdtsc() < end) {
        const uint16_t n = rte_eth_rx_burst(port, 0, pkts, o.burst);
        for (uint16_t i = 0; i < n; ++i) {
            auto* e = rte_pktmbuf_mtod(pkts[i], uint8_t*);
            uint8_t tmp[6];
            std::memcpy(tmp, e, 6);
            std::memcpy(e, e + 6, 6);
            std::memcpy(e + 6, tmp, 6);
        }
        uint16_t sent = 0;
        while (sent < n) {
            sent += rte_eth_tx_burst(port, 0, pkts + sent, n - sent);
        }
        echoed += n;
    }
    std::printf("loadgen: mode=echo echoed=%lu\n", echoed);
    return 0;
}

std::vector<std::vector<std::byte>> make_templates(const Options& o) {
    std::vector<std::vector<std::byte>> t;
    for (uint32_t f = 0; f < o.flows; ++f) {
        std::array<std::byte, 64> stun{};
        wire::stun::TransactionId txid{};
        std::memcpy(txid.data(), &f, sizeof f);
        wire::stun::Builder b{stun, wire::stun::message_type(wire::stun::method::kBinding,
                                                             wire::stun::Class::Request),
                              txid};
        b.add_fingerprint();
        const std::size_t slen = *b.finish();
        std::vector<std::byte> frame(14 + 20 + 8 + slen);
        ByteWriter w{frame};
        wire::write_ethernet(w, o.dst_mac, o.src_mac, wire::kEtherTypeIpv4);
        wire::write_ipv4(w, o.src_ip, o.dst_ip, wire::kIpProtoUdp, static_cast<uint16_t>(8 + slen));
        w.u16be(static_cast<uint16_t>(10000 + f));
        w.u16be(o.dst_port);
        w.u16be(static_cast<uint16_t>(8 + slen));
        w.u16be(0);
        w.bytes(ByteSpan{stun}.first(slen));
        wire::udp_fill_checksum_v4(MutableByteSpan{frame}.subspan(34), o.src_ip, o.dst_ip);
        t.push_back(std::move(frame));
    }
    return t;
}

int run_gen(const Options& o, uint16_t port, rte_mempool* pool) {
    const auto templates = make_templates(o);
    const uint64_t hz = rte_get_tsc_hz();
    uint64_t sent = 0;
    uint64_t received = 0;
    uint64_t valid = 0;
    uint64_t measured_sent = 0;
    uint64_t measured_received = 0;
    uint32_t next_flow = 0;
    const uint64_t t0 = rte_rdtsc();
    const uint64_t measure_start = t0 + static_cast<uint64_t>(o.warmup * static_cast<double>(hz));
    const uint64_t measure_end = measure_start + static_cast<uint64_t>(o.seconds * static_cast<double>(hz));
    bool measuring = false;
    rte_mbuf* tx[64];
    rte_mbuf* rx[64];
    uint64_t now = t0;
    while (!g_stop.load(std::memory_order_relaxed) && now < measure_end) {
        if (!measuring && now >= measure_start) {
            measuring = true;
            measured_sent = sent;
            measured_received = received;
        }
        const uint64_t inflight = sent - received;
        if (inflight + o.burst <= o.window && rte_pktmbuf_alloc_bulk(pool, tx, o.burst) == 0) {
            for (uint16_t i = 0; i < o.burst; ++i) {
                const auto& t = templates[next_flow];
                next_flow = next_flow + 1 == o.flows ? 0 : next_flow + 1;
                char* d = rte_pktmbuf_append(tx[i], static_cast<uint16_t>(t.size()));
                std::memcpy(d, t.data(), t.size());
            }
            const uint16_t n = rte_eth_tx_burst(port, 0, tx, o.burst);
            if (n < o.burst) {
                rte_pktmbuf_free_bulk(tx + n, o.burst - n);
            }
            sent += n;
        }
        const uint16_t n = rte_eth_rx_burst(port, 0, rx, o.burst);
        for (uint16_t i = 0; i < n; ++i) {
            // A STUN Binding success from the service port (tern), or our own request
            // echoed back (the baseline peer).
            const auto* p = rte_pktmbuf_mtod(rx[i], const uint8_t*);
            const uint32_t len = rx[i]->data_len;
            const bool udp4 = len >= 62 && p[12] == 0x08 && p[13] == 0x00 && p[23] == 17;
            const bool stun_success = udp4 && (p[34] << 8 | p[35]) == o.dst_port &&
                                      p[42] == 0x01 && p[43] == 0x01;
            const bool echoed_request = udp4 && (p[36] << 8 | p[37]) == o.dst_port &&
                                        p[42] == 0x00 && p[43] == 0x01;
            valid += (stun_success || echoed_request) ? 1 : 0;
        }
        rte_pktmbuf_free_bulk(rx, n);
        received += n;
        now = rte_rdtsc();
    }
    // Collect stragglers for a moment so in-flight packets are not counted as lost.
    const uint64_t drain_end = rte_rdtsc() + hz / 5;
    const uint64_t end_sent = sent;
    while (rte_rdtsc() < drain_end && received < end_sent) {
        const uint16_t n = rte_eth_rx_burst(port, 0, rx, o.burst);
        rte_pktmbuf_free_bulk(rx, n);
        received += n;
    }
    const double secs = o.seconds;
    const uint64_t m_sent = end_sent - measured_sent;
    const uint64_t m_recv = std::min(received, end_sent) - measured_received;
    const double pps = static_cast<double>(m_recv) / secs;
    const uint64_t lost = end_sent > received ? end_sent - received : 0;
    std::printf("loadgen: mode=gen seconds=%.1f sent=%lu received=%lu pps=%.0f lost=%lu invalid=%lu "
                "window=%u flows=%u\n",
                secs, m_sent, m_recv, pps, lost, received - std::min(received, valid), o.window,
                o.flows);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const int eal = rte_eal_init(argc, argv);
    if (eal < 0) {
        die("EAL init failed");
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const Options o = parse(argc - eal, argv + eal);
    rte_mempool* pool = rte_pktmbuf_pool_create("loadgen", 16383, 256, 0,
                                                RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
    if (pool == nullptr) {
        die("mbuf pool failed (hugepages?)");
    }
    const uint16_t port = setup_port(pool);
    if (!wait_link(port, 20)) {
        die("the peer did not connect within 20 s");
    }
    const int rc = o.mode == "echo" ? run_echo(o, port) : run_gen(o, port, pool);
    rte_eth_dev_stop(port);
    rte_eth_dev_close(port);
    rte_eal_cleanup();
    return rc;
}
