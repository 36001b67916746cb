// tern-loadgen: a DPDK traffic generator for tern's benchmarks, driving a peer over one port
// (net_memif in the benchmarks). This first version knows one workload: STUN Binding requests
// from many client flows, with a window of requests in flight, counting valid responses.
//
// It also runs as the baseline peer: `--mode echo` returns every frame with swapped MAC
// addresses, the least work a DPDK forwarder can do on the same frames.
//
//   tern-loadgen EAL-ARGS -- --mode gen  [--seconds 5] [--warmup 1] [--window 2048] [--flows 1024]
//   tern-loadgen EAL-ARGS -- --mode echo [--seconds 30]
//   tern-loadgen EAL-ARGS -- --mode bridge [--seconds 120]
//   any mode: [--linger SECONDS]   (see linger_ports() below; default 0)
//
// `--mode bridge` joins two ports (say net_af_packet on a veth and net_memif to tern) and
// forwards every frame both ways unchanged: it plays the NIC and the wire, so kernel clients
// (coturn's turnutils_uclient) can drive a tern whose own port is DPDK-native. It sleeps when
// idle, up to 16 µs. A frame the other port does not take waits and is offered again (nothing
// is dropped while running). Its summary counts ring_drops, frames the kernel dropped because
// an af_packet receive ring was full (give it framecnt= to suit the load), and the longest time
// between two polls (sleeps and preemption included), so a loss can be told from a bridge that
// stalled.
//
// Output ends with a line "loadgen: key=value ..." that scripts read, printed (and flushed) as
// soon as the run ends: before the ports close, so a script sees it while the process lingers.
#include "common/turn/credentials.hpp"
#include "common/wire/arp.hpp"
#include "common/wire/checksum.hpp"
#include "common/wire/ethernet.hpp"
#include "common/wire/ipv4.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/stun/stun_message.hpp"
#include "common/wire/udp.hpp"
#include "perf/loadgen/sfu_load.hpp"
#include "perf/support/frames.hpp"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <linux/if_packet.h>
#include <string>
#include <sys/socket.h>
#include <vector>

namespace {

using namespace tern;

// SIGTERM/SIGINT end the run; one that comes during the linger ends that too.
std::atomic<int> g_signals{0};
void on_signal(int) {
    g_signals.fetch_add(1);
}
bool stopping() {
    return g_signals.load(std::memory_order_relaxed) > 0;
}

struct Options {
    std::string mode = "gen";
    double seconds = 5;
    double warmup = 1;
    uint32_t window = 2048;
    uint32_t flows = 1024;
    uint16_t burst = 32;
    double linger = 0;
    wire::MacAddr dst_mac = *wire::MacAddr::parse("02:00:00:00:01:02");
    wire::MacAddr src_mac = *wire::MacAddr::parse("02:00:00:00:00:01");
    wire::Ipv4Addr src_ip = *wire::Ipv4Addr::parse("198.18.0.1");
    wire::Ipv4Addr dst_ip = *wire::Ipv4Addr::parse("198.18.0.2");
    uint16_t dst_port = 3478;
    // turn mode
    uint32_t allocs = 64;
    uint32_t length = 172;
    bool raw = false;  // skip the TURN handshake (baseline against the echo peer)
    std::string secret = "loadgen-secret";
    wire::Ipv4Addr peer_ip = *wire::Ipv4Addr::parse("198.18.0.3");
    wire::MacAddr peer_mac = *wire::MacAddr::parse("02:00:00:00:00:03");
};

[[noreturn]] void die(const std::string& m) {
    std::fprintf(stderr, "tern-loadgen: %s\n", m.c_str());
    std::exit(1);
}

template <class T>
T parsed(const std::optional<T>& v, const std::string& option) {
    if (!v) {
        die("bad address for " + option);
    }
    return *v;
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
            o.dst_mac = parsed(wire::MacAddr::parse(next()), a);
        } else if (a == "--dst-ip") {
            o.dst_ip = parsed(wire::Ipv4Addr::parse(next()), a);
        } else if (a == "--allocs") {
            o.allocs = static_cast<uint32_t>(std::stoul(next()));
        } else if (a == "--length") {
            o.length = static_cast<uint32_t>(std::stoul(next()));
        } else if (a == "--secret") {
            o.secret = next();
        } else if (a == "--raw") {
            o.raw = true;
        } else if (a == "--linger") {
            o.linger = std::stod(next());
        } else {
            die("unknown option " + a);
        }
    }
    if ((o.mode != "gen" && o.mode != "echo" && o.mode != "turn" && o.mode != "bridge") ||
        o.seconds <= 0 || o.seconds > 600 || o.linger < 0 || o.linger > 600 || o.window == 0 ||
        o.flows == 0 || o.flows > 60000 || o.allocs == 0 || o.allocs > 4096 || o.length < 8 ||
        o.length > 1400) {
        die("bad options (mode gen|echo|turn|bridge, seconds 0..600, linger 0..600, flows "
            "1..60000, "
            "allocs 1..4096, length 8..1400)");
    }
    return o;
}

uint16_t setup_port(rte_mempool* pool, uint16_t port = 0) {
    if (rte_eth_dev_count_avail() < port + 1U) {
        die("no port " + std::to_string(port) +
            ": pass a --vdev (e.g. net_memif0,role=client,socket=...)");
    }
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
    const uint64_t end =
        rte_rdtsc() + static_cast<uint64_t>(seconds * static_cast<double>(rte_get_tsc_hz()));
    while (rte_rdtsc() < end && !stopping()) {
        rte_eth_link link{};
        rte_eth_link_get_nowait(port, &link);
        if (link.link_status == RTE_ETH_LINK_UP) {
            return true;
        }
        rte_delay_us_sleep(10000);
    }
    return false;
}

/// Keeps the ports open, without polling, until a peer closes one (its link goes down), a signal
/// comes or `seconds` pass. net_memif (DPDK 22.11) unmaps the rings on its interrupt thread
/// as soon as the peer goes away, with nothing to hold off a burst in progress: a process still
/// polling when its memif peer closes can read unmapped memory and die of SIGSEGV. So the side
/// that stopped polling first closes last; the bench scripts stop the other process only after
/// this one has printed its summary.
void linger_ports(uint16_t a, uint16_t b, double seconds) {
    const int signals = g_signals.load();
    const uint64_t end =
        rte_rdtsc() + static_cast<uint64_t>(seconds * static_cast<double>(rte_get_tsc_hz()));
    while (rte_rdtsc() < end && g_signals.load() == signals) {
        for (const uint16_t port : {a, b}) {
            rte_eth_link link{};
            rte_eth_link_get_nowait(port, &link);
            if (link.link_status != RTE_ETH_LINK_UP) {
                return;
            }
        }
        rte_delay_us_sleep(10000);
    }
}

int run_echo(const Options& o, uint16_t port) {
    uint64_t echoed = 0;
    uint64_t dropped = 0;
    const uint64_t end =
        rte_rdtsc() + static_cast<uint64_t>(o.seconds * static_cast<double>(rte_get_tsc_hz()));
    rte_mbuf* pkts[64];
    while (!stopping() && rte_rdtsc() < end) {
        const uint16_t n = rte_eth_rx_burst(port, 0, pkts, o.burst);
        for (uint16_t i = 0; i < n; ++i) {
            auto* e = rte_pktmbuf_mtod(pkts[i], uint8_t*);
            uint8_t tmp[6];
            std::memcpy(tmp, e, 6);
            std::memcpy(e, e + 6, 6);
            std::memcpy(e + 6, tmp, 6);
        }
        // Until all are taken, as before, but a stop request ends it: a peer that went away
        // takes nothing, and the loop would spin for ever.
        uint16_t sent = 0;
        while (sent < n && !stopping()) {
            sent = static_cast<uint16_t>(sent + rte_eth_tx_burst(port, 0, pkts + sent, n - sent));
        }
        if (sent < n) {
            rte_pktmbuf_free_bulk(pkts + sent, n - sent);
            dropped += n - sent;
        }
        echoed += sent;
    }
    std::printf("loadgen: mode=echo echoed=%lu dropped=%lu\n", echoed, dropped);
    return 0;
}

/// Frames the kernel dropped because an AF_PACKET socket of this process had a full receive ring,
/// since the last call (reading clears the count). net_af_packet (DPDK 22.11) keeps its socket to
/// itself and does not count these, so the process's descriptors are searched for them.
uint64_t packet_ring_drops() {
    uint64_t drops = 0;
    for (int fd = 0; fd < 1024; ++fd) {
        int domain = 0;
        socklen_t len = sizeof domain;
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_PACKET) {
            continue;
        }
        tpacket_stats st{};
        len = sizeof st;
        if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
            drops += st.tp_drops;
        }
    }
    return drops;
}

int run_bridge(const Options& o, uint16_t a, uint16_t b) {
    (void)packet_ring_drops();  // what arrived while memif was connecting is not the run's
    uint64_t fwd[2] = {0, 0};
    uint64_t dropped = 0;
    const uint64_t end =
        rte_rdtsc() + static_cast<uint64_t>(o.seconds * static_cast<double>(rte_get_tsc_hz()));
    // Frames a port did not take yet, per direction, offered again before more are read: a
    // burst then waits in the sending side's receive ring, as it would in a NIC's descriptor
    // ring, instead of being dropped when memif's ring is full for a moment.
    rte_mbuf* held[2][64];
    uint16_t held_at[2] = {0, 0};
    uint16_t held_n[2] = {0, 0};
    uint32_t empty = 0;
    uint32_t sleep_us = 1;
    uint64_t last_poll = rte_rdtsc();
    uint64_t longest_pause = 0;
    while (!stopping() && rte_rdtsc() < end) {
        const uint64_t now = rte_rdtsc();
        longest_pause = std::max(longest_pause, now - last_poll);
        last_poll = now;
        uint32_t work = 0;
        for (int dir = 0; dir < 2; ++dir) {
            const uint16_t from = dir == 0 ? a : b;
            const uint16_t to = dir == 0 ? b : a;
            if (held_n[dir] == 0) {
                held_at[dir] = 0;
                held_n[dir] = rte_eth_rx_burst(from, 0, held[dir], o.burst);
                if (held_n[dir] == 0) {
                    continue;
                }
            }
            const uint16_t sent = rte_eth_tx_burst(to, 0, held[dir] + held_at[dir], held_n[dir]);
            held_at[dir] = static_cast<uint16_t>(held_at[dir] + sent);
            held_n[dir] = static_cast<uint16_t>(held_n[dir] - sent);
            fwd[dir] += sent;
            work += held_n[dir] + sent;  // held frames keep the loop from sleeping
        }
        if (work != 0) {
            empty = 0;
            sleep_us = 1;
        } else if (++empty > 64) {
            rte_delay_us_sleep(sleep_us);
            sleep_us = std::min<uint32_t>(sleep_us * 2, 16);
        }
    }
    for (int dir = 0; dir < 2; ++dir) {
        rte_pktmbuf_free_bulk(held[dir] + held_at[dir], held_n[dir]);
        dropped += held_n[dir];
    }
    std::printf("loadgen: mode=bridge forwarded_ab=%lu forwarded_ba=%lu dropped=%lu ring_drops=%lu "
                "longest_pause_us=%lu\n",
                fwd[0], fwd[1], dropped, packet_ring_drops(),
                longest_pause * 1000000 / rte_get_tsc_hz());
    return 0;
}

std::vector<std::vector<std::byte>> make_templates(const Options& o) {
    std::vector<std::vector<std::byte>> t;
    for (uint32_t f = 0; f < o.flows; ++f) {
        std::array<std::byte, 64> stun{};
        wire::stun::TransactionId txid{};
        std::memcpy(txid.data(), &f, sizeof f);
        wire::stun::Builder b{
            stun,
            wire::stun::message_type(wire::stun::method::kBinding, wire::stun::Class::Request),
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
    const uint64_t measure_end =
        measure_start + static_cast<uint64_t>(o.seconds * static_cast<double>(hz));
    bool measuring = false;
    rte_mbuf* tx[64];
    rte_mbuf* rx[64];
    uint64_t now = t0;
    while (!stopping() && now < measure_end) {
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
            const bool stun_success =
                udp4 && (p[34] << 8 | p[35]) == o.dst_port && p[42] == 0x01 && p[43] == 0x01;
            const bool echoed_request =
                udp4 && (p[36] << 8 | p[37]) == o.dst_port && p[42] == 0x00 && p[43] == 0x01;
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
    std::printf(
        "loadgen: mode=gen seconds=%.1f sent=%lu received=%lu pps=%.0f lost=%lu invalid=%lu "
        "window=%u flows=%u\n",
        secs, m_sent, m_recv, pps, lost, received - std::min(received, valid), o.window, o.flows);
    return 0;
}

// ---- turn mode --------------------------------------------------------------------------------

using perf::udp4_frame;

class TurnDriver {
public:
    TurnDriver(const Options& o, uint16_t port, rte_mempool* pool)
        : o_(o), port_(port), pool_(pool) {}

    void send(ByteSpan frame) {
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        if (m == nullptr) {
            return;
        }
        std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(),
                    frame.size());
        if (rte_eth_tx_burst(port_, 0, &m, 1) != 1) {
            rte_pktmbuf_free(m);
        }
    }

    /// Answers ARP for the emulated hosts; returns true when the frame was ARP.
    bool answer_arp(const uint8_t* p, uint32_t len) {
        if (len < 42 || p[12] != 0x08 || p[13] != 0x06) {
            return false;
        }
        auto a = wire::parse_arp(as_bytes(p + 14, len - 14));
        if (a && a->op == wire::kArpRequest && (a->tpa == o_.peer_ip || a->tpa == o_.src_ip)) {
            const wire::MacAddr mine = a->tpa == o_.peer_ip ? o_.peer_mac : o_.src_mac;
            std::array<std::byte, 42> r{};
            ByteWriter w{r};
            wire::write_ethernet(w, a->sha, mine, wire::kEtherTypeArp);
            wire::write_arp(w, {wire::kArpReply, mine, a->tpa, a->sha, a->spa});
            send(r);
        }
        return true;
    }

    /// Sends a STUN request from the client port and waits up to 2 s for its response.
    std::vector<std::byte> transact(uint16_t client_port, ByteSpan msg) {
        const auto frame =
            udp4_frame(o_.dst_mac, o_.src_mac, o_.src_ip, client_port, o_.dst_ip, o_.dst_port, msg);
        for (int attempt = 0; attempt < 4; ++attempt) {
            send(frame);
            const uint64_t end = rte_rdtsc() + rte_get_tsc_hz() / 2;
            while (rte_rdtsc() < end) {
                rte_mbuf* rx[32];
                const uint16_t n = rte_eth_rx_burst(port_, 0, rx, 32);
                std::vector<std::byte> found;
                for (uint16_t i = 0; i < n; ++i) {
                    const auto* p = rte_pktmbuf_mtod(rx[i], const uint8_t*);
                    const uint32_t len = rx[i]->data_len;
                    if (!answer_arp(p, len) && len >= 62 && p[23] == 17 &&
                        (p[36] << 8 | p[37]) == client_port &&
                        std::memcmp(p + 42 + 8, msg.data() + 8, 12) == 0) {
                        found.assign(reinterpret_cast<const std::byte*>(p) + 42,
                                     reinterpret_cast<const std::byte*>(p) + len);
                    }
                }
                rte_pktmbuf_free_bulk(rx, n);
                if (!found.empty()) {
                    return found;
                }
            }
        }
        die("no answer from the TURN server on " + std::to_string(o_.dst_port));
    }

    /// Allocate (401 dance with REST credentials) and ChannelBind; returns the relay port.
    uint16_t set_up(uint32_t i) {
        const uint16_t cport = static_cast<uint16_t>(10000 + i);
        const std::string user =
            turn::rest_username(static_cast<uint64_t>(time(nullptr)) + 3600, "loadgen");
        const std::string pass = turn::rest_password(o_.secret, user);
        auto txid = [&](uint32_t k) {
            wire::stun::TransactionId t{};
            const uint32_t v = i * 4 + k;
            std::memcpy(t.data(), &v, sizeof v);
            t[11] = 0x7e;
            return t;
        };
        std::array<std::byte, 512> buf{};
        wire::stun::Builder b0{
            buf,
            wire::stun::message_type(wire::stun::method::kAllocate, wire::stun::Class::Request),
            txid(0)};
        b0.add_u32(wire::stun::attr::kRequestedTransport, 17u << 24);
        auto r0 = transact(cport, ByteSpan{buf}.first(*b0.finish()));
        auto m0 = wire::stun::Message::parse(r0);
        if (!m0 || !m0->find(wire::stun::attr::kNonce) || !m0->find(wire::stun::attr::kRealm)) {
            die("the first Allocate was not answered with 401 + REALM + NONCE");
        }
        const auto nonce = m0->find(wire::stun::attr::kNonce)->value;
        const auto realm_b = m0->find(wire::stun::attr::kRealm)->value;
        const std::string realm(reinterpret_cast<const char*>(realm_b.data()), realm_b.size());
        const std::string nonce_s(reinterpret_cast<const char*>(nonce.data()), nonce.size());
        const auto key = turn::long_term_key(user, realm, pass);
        const crypto::HmacSha1Key mi{as_bytes(key.data(), key.size())};
        auto signed_request = [&](uint16_t method, uint32_t k, auto&& fill) {
            std::array<std::byte, 512> out{};
            wire::stun::Builder b{out, wire::stun::message_type(method, wire::stun::Class::Request),
                                  txid(k)};
            fill(b);
            b.add_string(wire::stun::attr::kUsername, user)
                .add_string(wire::stun::attr::kRealm, realm)
                .add_string(wire::stun::attr::kNonce, nonce_s)
                .add_message_integrity(mi);
            auto r = transact(cport, ByteSpan{out}.first(*b.finish()));
            auto m = wire::stun::Message::parse(r);
            if (!m || m->cls() != wire::stun::Class::Success) {
                die("TURN request " + std::to_string(method) + " refused (check --secret)");
            }
            return r;
        };
        auto r1 = signed_request(wire::stun::method::kAllocate, 1, [](wire::stun::Builder& b) {
            b.add_u32(wire::stun::attr::kRequestedTransport, 17u << 24);
        });
        auto m1 = wire::stun::Message::parse(r1);
        const auto relayed = m1->xor_address(*m1->find(wire::stun::attr::kXorRelayedAddress));
        const wire::Endpoint peer =
            wire::Endpoint::from_v4(o_.peer_ip, static_cast<uint16_t>(20000 + i));
        signed_request(wire::stun::method::kChannelBind, 2, [&](wire::stun::Builder& b) {
            b.add_u32(wire::stun::attr::kChannelNumber, 0x4001u << 16)
                .add_xor_address(wire::stun::attr::kXorPeerAddress, peer);
        });
        return relayed->port;
    }

private:
    const Options& o_;
    uint16_t port_;
    rte_mempool* pool_;
};

/// A frame tern relayed: UDP from its address, either ChannelData from the TURN port to a client
/// or a datagram from a relay port to the peer. Anything else (errors, stray replies) is invalid.
bool relayed_frame(const Options& o, const uint8_t* p, uint32_t len) {
    if (len < 42 || p[12] != 0x08 || p[13] != 0x00 || p[23] != 17) {
        return false;
    }
    const auto be32 = [&](int at) {
        return uint32_t{p[at]} << 24 | uint32_t{p[at + 1]} << 16 | uint32_t{p[at + 2]} << 8 |
               p[at + 3];
    };
    const int l4 = 14 + (p[14] & 0x0f) * 4;
    if (be32(26) != o.dst_ip.v || static_cast<uint32_t>(l4 + 9) > len) {
        return false;
    }
    const uint16_t sport = static_cast<uint16_t>(p[l4] << 8 | p[l4 + 1]);
    if (sport == o.dst_port) {
        return (p[l4 + 8] & 0xc0) == 0x40;  // ChannelData towards a client
    }
    return be32(30) == o.peer_ip.v;  // from a relay port towards the peer
}

int run_turn(const Options& o, uint16_t port, rte_mempool* pool) {
    TurnDriver d{o, port, pool};
    std::vector<uint16_t> relay_ports(o.allocs);
    const uint64_t hz = rte_get_tsc_hz();
    const uint64_t setup_start = rte_rdtsc();
    for (uint32_t i = 0; i < o.allocs; ++i) {
        relay_ports[i] = o.raw ? static_cast<uint16_t>(49152 + i) : d.set_up(i);
    }
    const double setup_ms =
        static_cast<double>(rte_rdtsc() - setup_start) * 1000.0 / static_cast<double>(hz);
    // Both directions for every allocation: ChannelData client->tern, UDP peer->relay port.
    std::vector<std::vector<std::byte>> templates;
    std::vector<std::byte> payload(o.length, std::byte{0x5a});
    for (uint32_t i = 0; i < o.allocs; ++i) {
        std::vector<std::byte> cd(4 + o.length, std::byte{0x5a});
        store_u16be(cd.data(), 0x4001);
        store_u16be(cd.data() + 2, static_cast<uint16_t>(o.length));
        templates.push_back(udp4_frame(o.dst_mac, o.src_mac, o.src_ip,
                                       static_cast<uint16_t>(10000 + i), o.dst_ip, o.dst_port, cd));
        templates.push_back(udp4_frame(o.dst_mac, o.peer_mac, o.peer_ip,
                                       static_cast<uint16_t>(20000 + i), o.dst_ip, relay_ports[i],
                                       payload));
    }
    uint64_t sent = 0, received = 0, m_sent = 0, m_recv = 0, bytes = 0, m_bytes = 0, invalid = 0;
    std::size_t next = 0;
    const uint64_t t0 = rte_rdtsc();
    const uint64_t mstart = t0 + static_cast<uint64_t>(o.warmup * static_cast<double>(hz));
    const uint64_t mend = mstart + static_cast<uint64_t>(o.seconds * static_cast<double>(hz));
    bool measuring = false;
    rte_mbuf* tx[64];
    rte_mbuf* rx[64];
    for (uint64_t now = t0; now < mend && !stopping(); now = rte_rdtsc()) {
        if (!measuring && now >= mstart) {
            measuring = true;
            m_sent = sent;
            m_recv = received;
            m_bytes = bytes;
        }
        if (sent - received + o.burst <= o.window &&
            rte_pktmbuf_alloc_bulk(pool, tx, o.burst) == 0) {
            for (uint16_t i = 0; i < o.burst; ++i) {
                const auto& t = templates[next];
                next = next + 1 == templates.size() ? 0 : next + 1;
                std::memcpy(rte_pktmbuf_append(tx[i], static_cast<uint16_t>(t.size())), t.data(),
                            t.size());
            }
            const uint16_t n = rte_eth_tx_burst(port, 0, tx, o.burst);
            if (n < o.burst) {
                rte_pktmbuf_free_bulk(tx + n, o.burst - n);
            }
            sent += n;
        }
        const uint16_t n = rte_eth_rx_burst(port, 0, rx, o.burst);
        for (uint16_t i = 0; i < n; ++i) {
            const auto* p = rte_pktmbuf_mtod(rx[i], const uint8_t*);
            if (!d.answer_arp(p, rx[i]->data_len)) {
                if (o.raw ||
                    relayed_frame(o, p, rx[i]->data_len)) {  // the echo returns frames as sent
                    ++received;
                    bytes += rx[i]->data_len;
                } else {
                    ++invalid;
                }
            }
        }
        rte_pktmbuf_free_bulk(rx, n);
    }
    const uint64_t end_sent = sent;
    const uint64_t drain_end = rte_rdtsc() + hz / 5;
    while (rte_rdtsc() < drain_end && received < end_sent) {
        const uint16_t n = rte_eth_rx_burst(port, 0, rx, o.burst);
        received += n;
        rte_pktmbuf_free_bulk(rx, n);
    }
    const uint64_t got = std::min(received, end_sent) - m_recv;
    const double pps = static_cast<double>(got) / o.seconds;
    const double gbps = static_cast<double>(bytes - m_bytes) * 8 / o.seconds / 1e9;
    std::printf(
        "loadgen: mode=turn seconds=%.1f allocs=%u length=%u setup_ms=%.0f sent=%lu received=%lu "
        "pps=%.0f gbps=%.3f lost=%lu invalid=%lu\n",
        o.seconds, o.allocs, o.length, setup_ms, end_sent - m_sent, got, pps, gbps,
        end_sent > received ? end_sent - received : 0, invalid);
    return 0;
}

}  // namespace

int run(int argc, char** argv) {
    const int eal = rte_eal_init(argc, argv);
    if (eal < 0) {
        die("EAL init failed");
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    bool sfu_mode = false;
    double linger_s = 0;  // sfu mode's options are its own; --linger is read here for it
    for (int i = eal + 1; i + 1 < argc; ++i) {
        sfu_mode =
            sfu_mode || (std::string(argv[i]) == "--mode" && std::string(argv[i + 1]) == "sfu");
        if (std::string(argv[i]) == "--linger") {
            linger_s = std::clamp(std::stod(argv[i + 1]), 0.0, 600.0);
        }
    }
    if (sfu_mode) {
        Options base;
        rte_mempool* p = rte_pktmbuf_pool_create(
            "loadgen", 65535, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
        if (p == nullptr) {
            die("mbuf pool failed (hugepages?)");
        }
        const uint16_t port = setup_port(p);
        if (!wait_link(port, 20)) {
            die("the peer did not connect within 20 s");
        }
        const int rc = loadgen::run_sfu(argc - eal - 1, argv + eal + 1, port, p, base.dst_mac,
                                        base.dst_ip, 32);
        std::fflush(stdout);
        linger_ports(port, port, linger_s);
        rte_eth_dev_stop(port);
        rte_eth_dev_close(port);
        rte_eal_cleanup();
        return rc;
    }
    const Options o = parse(argc - eal, argv + eal);
    rte_mempool* pool = rte_pktmbuf_pool_create("loadgen", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                                static_cast<int>(rte_socket_id()));
    if (pool == nullptr) {
        die("mbuf pool failed (hugepages?)");
    }
    const uint16_t port = setup_port(pool);
    const uint16_t second = o.mode == "bridge" ? setup_port(pool, 1) : port;
    if (!wait_link(port, 20) || !wait_link(second, 20)) {
        die("the peer did not connect within 20 s");
    }
    const int rc = o.mode == "bridge" ? run_bridge(o, port, second)
                   : o.mode == "echo" ? run_echo(o, port)
                   : o.mode == "turn" ? run_turn(o, port, pool)
                                      : run_gen(o, port, pool);
    std::fflush(stdout);
    linger_ports(port, second, o.linger);
    rte_eth_dev_stop(port);
    rte_eth_dev_close(port);
    if (second != port) {
        rte_eth_dev_stop(second);
        rte_eth_dev_close(second);
    }
    rte_eal_cleanup();
    return rc;
}

int main(int argc, char** argv) {
    // A malformed reply or option ends with a message naming the program, never std::terminate.
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", "tern-loadgen", e.what());
        return 1;
    }
}
