// tern-loadgen --mode sfu: meetings of WebRTC participants against tern's SFU over one port.
//
// Each participant is a transport (its own UDP port on one emulated client address) that
// publishes a video stream (~1100-byte packets, 100 pps per Mbit/s) and an audio stream
// (160-byte packets at 50 pps) with real SRTP, and subscribes to everyone else in its room. The
// session state is written as `ternctl sfu ...` lines to --setup FILE; the bench script hands
// them to the control plane and creates --ready FILE; then every transport passes its ICE check
// and traffic starts. Received packets are not decrypted (the subscriber's crypto is not what is
// measured): their SSRC and sequence number give loss per stream, and a send timestamp in an
// RTP header extension (authenticated, not encrypted) gives the latency through the SFU: the
// abs-capture-time element, which the SFU forwards end to end (announced with capture=ID, so the
// SFU maps it to the id its subscribers know).
#include "perf/loadgen/sfu_load.hpp"

#include "common/crypto/hmac.hpp"
#include "common/srtp/srtp.hpp"
#include "common/wire/arp.hpp"
#include "common/wire/ethernet.hpp"
#include "common/wire/ipv4.hpp"
#include "common/wire/rtp.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/stun/stun_message.hpp"
#include "common/wire/udp.hpp"
#include "perf/support/frames.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace tern::loadgen {

namespace {

/// The send timestamp's element: abs-capture-time, id 14 on the way in, 8 bytes (one-byte form:
/// id << 4 | length - 1); on the way out under tern's id for subscribers.
constexpr uint8_t kStampId = 14;
constexpr uint8_t kStampElement = kStampId << 4 | 7;
constexpr uint8_t kStampForwarded = wire::ext::kOutAbsCaptureTime << 4 | 7;

struct Opts {
    uint32_t rooms = 1;
    uint32_t size = 50;      // participants per room
    double video_pps = 100;  // per publisher (1 Mbit/s at ~1100 B)
    double audio_pps = 50;
    uint32_t video_bytes = 1100;
    uint32_t audio_bytes = 160;
    bool audio = true;
    uint32_t publishers = 0;  // per room; 0 = everyone (a webinar has 1)
    double scale = 1;         // multiplies both rates (to find the ceiling)
    std::string suite = "aes256gcm";
    double seconds = 5;
    double warmup = 1;
    std::string setup_file;
    std::string ready_file;
    uint16_t sfu_port = 20000;
};

[[noreturn]] void die(const std::string& m) {
    std::fprintf(stderr, "tern-loadgen: %s\n", m.c_str());
    std::exit(1);
}

srtp::Suite suite_of(const std::string& s) {
    return s == "aes128cm"    ? srtp::Suite::AesCm128HmacSha1_80
           : s == "aes128gcm" ? srtp::Suite::AeadAes128Gcm
                              : srtp::Suite::AeadAes256Gcm;
}

/// Deterministic keys per transport and direction (dir 0: client->SFU, 1: SFU->client).
srtp::MasterKey key_of(srtp::Suite suite, uint32_t id, int dir) {
    srtp::MasterKey k;
    k.suite = suite;
    for (std::size_t i = 0; i < k.key.size(); ++i) {
        k.key[i] = static_cast<uint8_t>(id * 31 + i * 7 + dir * 101);
    }
    for (std::size_t i = 0; i < k.salt.size(); ++i) {
        k.salt[i] = static_cast<uint8_t>(id * 17 + i * 3 + dir * 59);
    }
    return k;
}

std::string hex(const uint8_t* p, std::size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += kDigits[p[i] >> 4];
        s += kDigits[p[i] & 15];
    }
    return s;
}

struct Stream {  // one published stream
    uint32_t transport = 0;
    uint32_t ssrc = 0;
    bool video = true;
    uint16_t seq = 0;
    uint32_t ts = 0;
    double interval_tsc = 0;
    double next_tsc = 0;
};

struct RxStream {  // one subscribed stream as received
    bool started = false;
    uint16_t highest = 0;
    uint64_t ext = 0;  // extended highest sequence number
    uint64_t received = 0;
    uint64_t base_ext = 0;  // at the start of the measurement
    uint64_t base_received = 0;
};

constexpr uint32_t kClientIp = 0xc612000a;  // 198.18.0.10

}  // namespace

int run_sfu(int argc, char** argv, uint16_t port, rte_mempool* pool, const wire::MacAddr& sfu_mac,
            const wire::Ipv4Addr& sfu_ip, uint16_t burst) {
    Opts o;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                die("missing value for " + a);
            }
            return argv[++i];
        };
        if (a == "--mode" || a == "--linger") {
            next();  // both read by main()
        } else if (a == "--rooms") {
            o.rooms = static_cast<uint32_t>(std::stoul(next()));
        } else if (a == "--size") {
            o.size = static_cast<uint32_t>(std::stoul(next()));
        } else if (a == "--publishers") {
            o.publishers = static_cast<uint32_t>(std::stoul(next()));
        } else if (a == "--scale") {
            o.scale = std::stod(next());
        } else if (a == "--no-audio") {
            o.audio = false;
        } else if (a == "--suite") {
            o.suite = next();
        } else if (a == "--seconds") {
            o.seconds = std::stod(next());
        } else if (a == "--warmup") {
            o.warmup = std::stod(next());
        } else if (a == "--setup") {
            o.setup_file = next();
        } else if (a == "--ready") {
            o.ready_file = next();
        } else if (a == "--video-bytes") {
            o.video_bytes = static_cast<uint32_t>(std::stoul(next()));
        } else {
            die("unknown option " + a + " (sfu mode)");
        }
    }
    if (o.size < 2 || o.size > 100 || o.rooms == 0 || o.rooms * o.size > 4000 ||
        o.setup_file.empty() || o.ready_file.empty() || o.scale <= 0 || o.video_bytes < 100 ||
        o.video_bytes > 1300) {
        die("sfu mode: --setup FILE --ready FILE, size 2..100, rooms*size <= 4000, video-bytes "
            "100..1300");
    }
    const uint32_t pubs_per_room = o.publishers == 0 ? o.size : std::min(o.publishers, o.size);
    const srtp::Suite suite = suite_of(o.suite);
    const srtp::SuiteInfo& si = srtp::info(suite);
    const uint64_t hz = rte_get_tsc_hz();
    const wire::MacAddr my_mac = *wire::MacAddr::parse("02:00:00:00:00:0a");
    const uint32_t n = o.rooms * o.size;
    auto id_of = [&](uint32_t room, uint32_t p) { return room * o.size + p + 1; };
    auto track_of = [](uint32_t id, bool video) { return id * 2 + (video ? 0 : 1); };
    auto pub_ssrc = [](uint32_t id, bool video) { return 0x10000000U + id * 2 + (video ? 0 : 1); };
    auto out_ssrc = [](uint32_t id, uint32_t other_p, bool video) {
        return 0x40000000U + id * 256 + other_p * 2 + (video ? 0 : 1);
    };

    // ---- the session as ternctl lines -----------------------------------------------------------
    {
        std::ofstream f(o.setup_file);
        for (uint32_t r = 0; r < o.rooms; ++r) {
            for (uint32_t p = 0; p < o.size; ++p) {
                const uint32_t id = id_of(r, p);
                const auto c2s = key_of(suite, id, 0);
                const auto s2c = key_of(suite, id, 1);
                f << "sfu-transport " << id << " t" << id << " p" << id << "-0123456789abcdef\n";
                f << "sfu-keys " << id << " " << o.suite << " " << hex(c2s.key.data(), si.key_len)
                  << " " << hex(c2s.salt.data(), si.salt_len) << " "
                  << hex(s2c.key.data(), si.key_len) << " " << hex(s2c.salt.data(), si.salt_len)
                  << "\n";
                if (p < pubs_per_room) {
                    f << "sfu-publish " << id << " " << pub_ssrc(id, true) << " "
                      << track_of(id, true) << " 0 vp8 capture=" << unsigned{kStampId} << "\n";
                    if (o.audio) {
                        f << "sfu-publish " << id << " " << pub_ssrc(id, false) << " "
                          << track_of(id, false) << " 0 opus capture=" << unsigned{kStampId}
                          << "\n";
                    }
                }
            }
            for (uint32_t p = 0; p < o.size; ++p) {
                for (uint32_t q = 0; q < pubs_per_room; ++q) {
                    if (q == p) {
                        continue;
                    }
                    const uint32_t id = id_of(r, p);
                    const uint32_t other = id_of(r, q);
                    f << "sfu-subscribe " << id << " " << track_of(other, true) << " "
                      << out_ssrc(id, q, true) << " 96 0\n";
                    if (o.audio) {
                        f << "sfu-subscribe " << id << " " << track_of(other, false) << " "
                          << out_ssrc(id, q, false) << " 111 0\n";
                    }
                }
            }
        }
    }
    std::fprintf(stderr,
                 "tern-loadgen: sfu setup for %u participants written to %s; waiting for %s\n", n,
                 o.setup_file.c_str(), o.ready_file.c_str());
    struct stat st {};
    for (int i = 0; i < 1200 && stat(o.ready_file.c_str(), &st) != 0; ++i) {
        usleep(50'000);
    }
    if (stat(o.ready_file.c_str(), &st) != 0) {
        die("the setup was not applied within 60 s");
    }

    // ---- frames --------------------------------------------------------------------------------
    // Returns how many frames the port would not take (its ring stayed full): dropped here.
    auto send_frames = [&](rte_mbuf** m, uint16_t k) -> uint16_t {
        uint16_t sent = 0;
        for (int tries = 0; sent < k && tries < 1000; ++tries) {
            sent = static_cast<uint16_t>(sent + rte_eth_tx_burst(port, 0, m + sent, k - sent));
        }
        if (sent < k) {
            rte_pktmbuf_free_bulk(m + sent, k - sent);
        }
        return static_cast<uint16_t>(k - sent);
    };
    auto frame = [&](uint16_t src_port, const std::byte* payload, std::size_t len) -> rte_mbuf* {
        rte_mbuf* m = rte_pktmbuf_alloc(pool);
        if (m == nullptr) {
            return nullptr;
        }
        auto* d =
            reinterpret_cast<std::byte*>(rte_pktmbuf_append(m, static_cast<uint16_t>(42 + len)));
        ByteWriter w{MutableByteSpan{d, 42 + len}};
        wire::write_ethernet(w, sfu_mac, my_mac, wire::kEtherTypeIpv4);
        wire::write_ipv4(w, wire::Ipv4Addr{kClientIp}, sfu_ip, wire::kIpProtoUdp,
                         static_cast<uint16_t>(8 + len));
        w.u16be(src_port);
        w.u16be(o.sfu_port);
        w.u16be(static_cast<uint16_t>(8 + len));
        w.u16be(0);
        w.bytes(ByteSpan{payload, len});
        wire::udp_fill_checksum_v4(MutableByteSpan{d + 34, 8 + len}, wire::Ipv4Addr{kClientIp},
                                   sfu_ip);
        return m;
    };
    auto answer_arp = [&](const uint8_t* p, uint32_t len) {
        if (len < 42 || p[12] != 0x08 || p[13] != 0x06) {
            return false;
        }
        auto a = wire::parse_arp(as_bytes(p + 14, len - 14));
        if (a && a->op == wire::kArpRequest && a->tpa.v == kClientIp) {
            rte_mbuf* m = rte_pktmbuf_alloc(pool);
            if (m != nullptr) {
                auto* d = reinterpret_cast<std::byte*>(rte_pktmbuf_append(m, 42));
                ByteWriter w{MutableByteSpan{d, 42}};
                wire::write_ethernet(w, a->sha, my_mac, wire::kEtherTypeArp);
                wire::write_arp(w, {wire::kArpReply, my_mac, a->tpa, a->sha, a->spa});
                (void)send_frames(&m, 1);
            }
        }
        return true;
    };

    // ---- ICE: every transport's check answered ------------------------------------------------
    std::vector<bool> connected(n + 1, false);
    uint32_t n_connected = 0;
    const uint64_t ice_deadline = rte_rdtsc() + 20 * hz;
    while (n_connected < n && rte_rdtsc() < ice_deadline) {
        for (uint32_t id = 1; id <= n; ++id) {
            if (connected[id]) {
                continue;
            }
            std::array<std::byte, 256> b{};
            wire::stun::TransactionId txid{};
            std::memcpy(txid.data(), &id, 4);
            wire::stun::Builder m{
                b,
                wire::stun::message_type(wire::stun::method::kBinding, wire::stun::Class::Request),
                txid};
            const std::string pwd = "p" + std::to_string(id) + "-0123456789abcdef";
            m.add_string(wire::stun::attr::kUsername, "t" + std::to_string(id) + ":lg")
                .add_string(wire::stun::attr::kUseCandidate, "");
            m.add_message_integrity(crypto::HmacSha1Key{as_bytes(pwd.data(), pwd.size())})
                .add_fingerprint();
            if (rte_mbuf* f = frame(static_cast<uint16_t>(10000 + id), b.data(), *m.finish())) {
                (void)send_frames(&f, 1);
            }
        }
        const uint64_t wait_end = rte_rdtsc() + hz / 5;
        while (rte_rdtsc() < wait_end && n_connected < n) {
            rte_mbuf* rx[64];
            const uint16_t k = rte_eth_rx_burst(port, 0, rx, 64);
            for (uint16_t i = 0; i < k; ++i) {
                const auto* p = rte_pktmbuf_mtod(rx[i], const uint8_t*);
                const uint32_t len = rx[i]->data_len;
                if (answer_arp(p, len) || len < 62 || p[23] != 17) {
                    continue;
                }
                const uint16_t dport = static_cast<uint16_t>(p[36] << 8 | p[37]);
                const uint32_t id = dport - 10000U;
                if (id >= 1 && id <= n && !connected[id] && p[42] == 0x01 && p[43] == 0x01) {
                    connected[id] = true;
                    ++n_connected;
                }
            }
            rte_pktmbuf_free_bulk(rx, k);
        }
    }
    if (n_connected < n) {
        die("ICE: only " + std::to_string(n_connected) + " of " + std::to_string(n) +
            " transports answered");
    }

    // ---- traffic ------------------------------------------------------------------------------
    std::vector<std::unique_ptr<srtp::Context>> tx(n + 1);
    for (uint32_t id = 1; id <= n; ++id) {
        tx[id] = std::make_unique<srtp::Context>(key_of(suite, id, 0), srtp::Direction::Protect, 4);
    }
    std::vector<Stream> streams;
    for (uint32_t r = 0; r < o.rooms; ++r) {
        for (uint32_t p = 0; p < pubs_per_room; ++p) {
            const uint32_t id = id_of(r, p);
            for (bool video : {true, false}) {
                if (!video && !o.audio) {
                    continue;
                }
                Stream s;
                s.transport = id;
                s.ssrc = pub_ssrc(id, video);
                s.video = video;
                s.seq = static_cast<uint16_t>(id * 97);
                s.interval_tsc =
                    static_cast<double>(hz) / ((video ? o.video_pps : o.audio_pps) * o.scale);
                s.next_tsc = static_cast<double>(rte_rdtsc()) +
                             s.interval_tsc * (static_cast<double>(streams.size() % 97) / 97.0);
                streams.push_back(s);
            }
        }
    }
    // Subscribed streams by their SSRC's index (out_ssrc - 0x40000000): a direct table, so the
    // receive path costs no hashing at a million packets per second.
    std::vector<RxStream> rxs(static_cast<std::size_t>(n + 1) * 256);
    std::vector<uint64_t> lat_hist(64, 0);  // log2 buckets of latency in TSC ticks
    uint64_t sent = 0, received = 0, m_sent = 0, m_recv = 0, bytes = 0, m_bytes = 0, invalid = 0,
             reordered = 0;
    uint64_t unsent = 0, m_unsent = 0;  // media the SFU's port did not take from us (its ring full)
    const uint64_t t0 = rte_rdtsc();
    const uint64_t mstart = t0 + static_cast<uint64_t>(o.warmup * static_cast<double>(hz));
    const uint64_t mend = mstart + static_cast<uint64_t>(o.seconds * static_cast<double>(hz));
    bool measuring = false;
    std::size_t cursor = 0;
    std::array<std::byte, 1500> pkt{};
    for (uint64_t now = t0; now < mend; now = rte_rdtsc()) {
        if (!measuring && now >= mstart) {
            measuring = true;
            m_sent = sent;
            m_unsent = unsent;
            m_recv = received;
            m_bytes = bytes;
            std::fill(lat_hist.begin(), lat_hist.end(), 0);
            for (RxStream& v : rxs) {
                v.base_ext = v.ext;
                v.base_received = v.received;
            }
        }
        // Send what is due, a bounded number per loop so receiving keeps up.
        rte_mbuf* out[64];
        uint16_t k = 0;
        // A bounded slice of the streams per loop: the cursor goes on where it stopped.
        const std::size_t slice = std::min<std::size_t>(streams.size(), 64);
        for (std::size_t scanned = 0; scanned < slice && k < burst; ++scanned) {
            Stream& s = streams[cursor];
            cursor = cursor + 1 == streams.size() ? 0 : cursor + 1;
            if (static_cast<double>(now) < s.next_tsc) {
                continue;
            }
            s.next_tsc += s.interval_tsc;
            if (s.next_tsc < static_cast<double>(now) - static_cast<double>(hz) / 10) {
                s.next_tsc = static_cast<double>(now);  // fell behind
            }
            // RTP header with a one-byte extension (id 14, 8 bytes: the send TSC), then a payload
            // starting like a VP8 keyframe every 100th packet.
            const std::size_t body = s.video ? o.video_bytes : o.audio_bytes;
            ++s.seq;
            s.ts += s.video ? 3000 : 960;
            std::byte* h = pkt.data();
            h[0] = std::byte{0x90};
            h[1] = std::byte{static_cast<uint8_t>(s.video ? 96 : 111)};
            store_u16be(h + 2, s.seq);
            store_u32be(h + 4, s.ts);
            store_u32be(h + 8, s.ssrc);
            store_u16be(h + 12, 0xbede);
            store_u16be(h + 14, 3);
            h[16] = std::byte{kStampElement};  // abs-capture-time (8 bytes) with the send TSC
            std::memcpy(h + 17, &now, 8);
            std::memset(h + 25, 0, 3);
            const std::size_t hdr = 28;
            std::memset(h + hdr, 0x5a, body);
            h[hdr] = std::byte{0x10};
            h[hdr + 1] = std::byte{static_cast<uint8_t>(s.seq % 100 == 0 ? 0x10 : 0x11)};
            std::size_t len = 0;
            if (tx[s.transport]->protect_rtp(h, hdr + body, pkt.size(), len) != srtp::Status::Ok) {
                continue;
            }
            if (rte_mbuf* f = frame(static_cast<uint16_t>(10000 + s.transport), h, len)) {
                out[k++] = f;
            }
        }
        if (k > 0) {
            unsent += send_frames(out, k);
            sent += k;
        }
        rte_mbuf* rx[64];
        const uint16_t got = rte_eth_rx_burst(port, 0, rx, burst);
        const uint64_t rnow = rte_rdtsc();
        for (uint16_t i = 0; i < got; ++i) {
            const auto* p = rte_pktmbuf_mtod(rx[i], const uint8_t*);
            const uint32_t len = rx[i]->data_len;
            if (answer_arp(p, len)) {
                continue;
            }
            if (len < 42 + 28 || p[23] != 17 || (p[42] & 0xc0) != 0x80) {
                ++invalid;
                continue;
            }
            const uint8_t* r = p + 42;
            if (r[1] >= 192 &&
                r[1] <= 223) {  // RTCP (PLIs to the publishers): not a forwarded stream
                continue;
            }
            const uint32_t ssrc =
                uint32_t{r[8]} << 24 | uint32_t{r[9]} << 16 | uint32_t{r[10]} << 8 | r[11];
            if ((ssrc & 0xc0000000U) != 0x40000000U) {  // RTCP (PLIs to publishers) and the rest
                continue;
            }
            const uint16_t seq = static_cast<uint16_t>(r[2] << 8 | r[3]);
            const uint32_t slot = ssrc - 0x40000000U;
            if (slot >= rxs.size()) {
                ++invalid;
                continue;
            }
            RxStream& rs = rxs[slot];
            if (!rs.started) {
                rs.started = true;
                rs.highest = seq;
                rs.ext = seq;
                rs.base_ext = seq - 1;  // a stream first seen now counts from its first packet
                rs.base_received = 0;
            } else if (const auto d = static_cast<int16_t>(seq - rs.highest); d > 0) {
                rs.ext += static_cast<uint64_t>(d);
                rs.highest = seq;
            } else if (measuring) {
                ++reordered;  // older than one already received: late (or a duplicate)
            }
            ++rs.received;
            ++received;
            bytes += len;
            // The SFU passes the capture time on under its id for subscribers, in place.
            if (r[12] == 0xbe && r[13] == 0xde && r[16] == kStampForwarded) {
                uint64_t sent_tsc = 0;
                std::memcpy(&sent_tsc, r + 17, 8);
                const uint64_t d = rnow > sent_tsc ? rnow - sent_tsc : 0;
                ++lat_hist[static_cast<std::size_t>(
                    std::min<int>(63, 64 - __builtin_clzll(d | 1)))];
            }
        }
        rte_pktmbuf_free_bulk(rx, got);
    }
    // Drain what is in flight, then count.
    const uint64_t drain_end = rte_rdtsc() + hz / 5;
    while (rte_rdtsc() < drain_end) {
        rte_mbuf* rx[64];
        const uint16_t got = rte_eth_rx_burst(port, 0, rx, 64);
        rte_pktmbuf_free_bulk(rx, got);
    }
    uint64_t expected = 0, got = 0, got_streams = 0;
    for (const RxStream& v : rxs) {
        if (!v.started) {
            continue;
        }
        expected += v.ext - v.base_ext;
        got += v.received - v.base_received;
        ++got_streams;
    }
    const uint64_t fwd = received - m_recv;
    const double secs = o.seconds;
    const double loss =
        expected > got ? 100.0 * static_cast<double>(expected - got) / static_cast<double>(expected)
                       : 0.0;
    auto pct = [&](double q) {
        uint64_t total = 0;
        for (uint64_t c : lat_hist) {
            total += c;
        }
        uint64_t acc = 0;
        for (std::size_t b = 0; b < lat_hist.size(); ++b) {
            acc += lat_hist[b];
            if (total > 0 && static_cast<double>(acc) >= q * static_cast<double>(total)) {
                return static_cast<double>(uint64_t{1} << b) * 1e6 /
                       static_cast<double>(hz);  // bucket upper bound
            }
        }
        return 0.0;
    };
    const uint32_t subs =
        o.rooms * o.size * (pubs_per_room - (pubs_per_room == o.size ? 1 : 0)) * (o.audio ? 2 : 1);
    std::printf(
        "loadgen: mode=sfu rooms=%u size=%u publishers=%u suite=%s streams_out=%u streams_seen=%lu "
        "sent_pps=%.0f fwd_pps=%.0f gbps=%.3f loss_pct=%.3f reordered_pct=%.4f p50_us=%.0f "
        "p99_us=%.0f invalid=%lu "
        "unsent_pct=%.3f\n",
        o.rooms, o.size, pubs_per_room, o.suite.c_str(), subs,
        static_cast<unsigned long>(got_streams), static_cast<double>(sent - m_sent) / secs,
        static_cast<double>(fwd) / secs, static_cast<double>(bytes - m_bytes) * 8 / secs / 1e9,
        loss, fwd == 0 ? 0.0 : 100.0 * static_cast<double>(reordered) / static_cast<double>(fwd),
        pct(0.5), pct(0.99), static_cast<unsigned long>(invalid),
        sent == m_sent
            ? 0.0
            : 100.0 * static_cast<double>(unsent - m_unsent) / static_cast<double>(sent - m_sent));
    return 0;
}

}  // namespace tern::loadgen
