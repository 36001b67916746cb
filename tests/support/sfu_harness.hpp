// The SFU engine on a host stack with a TURN server in front, as on one lcore, driven frame by
// frame from tests: frames in through PacketPath::handle(), what the engine sends built by the real
// stack into plain buffers (SfuTestSink), the loop's end (the deferred SRTP tags) after each
// frame. With WebRtcClient (webrtc_client.hpp) for the peers.
#pragma once

#include "common/shm/counters.hpp"
#include "common/wire/ethernet.hpp"
#include "common/wire/ipv4.hpp"
#include "common/wire/stun/stun_message.hpp"
#include "common/wire/udp.hpp"
#include "dataplane/lcore/packet_path.hpp"
#include "dataplane/sfu/sfu.hpp"
#include "dataplane/turn/turn_server.hpp"
#include "support/packets.hpp"
#include "support/webrtc_client.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

namespace tern::test {

inline const wire::Endpoint kSfu = wire::Endpoint::from_v4(ip4("198.18.0.2"), 20000);
inline const wire::Endpoint kTurn = wire::Endpoint::from_v4(ip4("198.18.0.2"), 3478);
inline const wire::MacAddr kUs = mac("02:00:00:00:01:02");

/// Frames the SFU sends, built by the real stack (headers, TURN hand-off) into plain buffers;
/// punts, transport events, speech changes and relays recorded.
struct SfuTestSink final : sfu::MediaSink {
    dp::PacketPath* stack = nullptr;
    uint64_t now = 1;
    std::vector<std::unique_ptr<std::vector<std::byte>>> bufs;
    std::vector<Bytes> sent;  // every frame transmitted, in order

    bool alloc(Buf& b) noexcept override {
        bufs.push_back(std::make_unique<std::vector<std::byte>>(2048));
        b.payload = bufs.back()->data() + 128;
        b.room = 2048 - 128;
        b.handle = bufs.back().get();
        return true;
    }
    void send(Buf& b, std::size_t len, const wire::MacAddr& mac, const wire::Endpoint& src,
              const wire::Endpoint& dst) noexcept override {
        dp::Frame f{b.payload, static_cast<uint32_t>(len), static_cast<uint32_t>(b.room), 128};
        if (stack->emit_media(f, b.payload, len, mac, src, dst, now) == dp::Verdict::Transmit) {
            sent.emplace_back(f.data, f.data + f.len);
        }
    }
    void discard(Buf&) noexcept override {}
    std::vector<std::pair<uint64_t, Bytes>> punted;       // to the control plane
    std::vector<std::pair<uint64_t, wire::Endpoint>> up;  // transport events
    bool punt(uint64_t id, ByteSpan d) noexcept override {
        punted.emplace_back(id, Bytes(d.begin(), d.end()));
        return true;
    }
    std::vector<std::pair<uint64_t, wire::Endpoint>> down;
    void transport_up(uint64_t id, const wire::Endpoint& remote, bool is_up) noexcept override {
        (is_up ? up : down).emplace_back(id, remote);
    }
    std::vector<std::tuple<uint64_t, uint32_t, bool, uint8_t>> speech;  // speaking() calls
    std::vector<std::pair<uint64_t, uint64_t>> estimates;               // estimate() calls
    std::vector<sfu::EstimateReport> reports;                           // and what they said
    void estimate(uint64_t id, const sfu::EstimateReport& r) noexcept override {
        estimates.emplace_back(id, r.bps);
        reports.push_back(r);
    }
    void speaking(uint64_t id, uint32_t track, bool on, uint8_t level) noexcept override {
        speech.emplace_back(id, track, on, level);
    }
    /// What the engine relays to other lcores (the worker's rings, here a list).
    struct Relay {
        uint32_t lcore;
        sfu::Relayed r;
        Bytes rtp;
    };
    std::vector<Relay> relayed;
    bool refuse_relay = false;  // a full ring
    bool relay(uint32_t lcore, const sfu::Relayed& r, ByteSpan rtp) noexcept override {
        if (refuse_relay) {
            return false;
        }
        relayed.push_back(Relay{lcore, r, Bytes(rtp.begin(), rtp.end())});
        return true;
    }
};

struct SfuHarness {
    dp::Interface ifc;
    ServicesConfig services;
    dp::NeighborTable neighbors{64, 1000, 100};
    std::unique_ptr<shm::LcoreCounters> counters = std::make_unique<shm::LcoreCounters>();
    TurnConfig turn_cfg;
    std::unique_ptr<dp::PeerPolicy> policy;
    std::unique_ptr<dp::TurnServer> turn;
    std::unique_ptr<dp::PacketPath> stack;
    SfuTestSink sink;
    std::unique_ptr<sfu::Sfu> sfu;
    uint64_t now = 1'000'000;  // stack ticks are microseconds here
    bool flush = true;         // deliver() ends like a loop of the lcore

    SfuHarness() {
        ifc.mac = kUs;
        ifc.ipv4 = wire::Prefix<wire::Ipv4Addr>{kSfu.v4, 24};
        turn_cfg.realm = "tern.test";
        turn_cfg.users = {{"alice", "wonderland"}};
        turn_cfg.relay_port_min = 50000;
        turn_cfg.relay_port_max = 50099;
        policy = std::make_unique<dp::PeerPolicy>(turn_cfg, std::vector<wire::Ipv4Addr>{kSfu.v4},
                                                  std::vector<wire::Ipv6Addr>{});
        turn = std::make_unique<dp::TurnServer>(turn_cfg, *policy, 0, 1, *counters, 1'800'000'000,
                                                as_bytes("nonce-secret", 12));
        stack = std::make_unique<dp::PacketPath>(ifc, services, neighbors, *counters, turn.get(),
                                                 1'000'000);
        sink.stack = stack.get();
        sfu = std::make_unique<sfu::Sfu>(kSfu.port, sfu::SfuLimits{}, *counters, sink);
        stack->set_sfu(sfu.get());
    }
    [[nodiscard]] uint64_t count(shm::Counter c) const {
        return counters->v[static_cast<std::size_t>(c)].load();
    }
    /// Transport `id` for client `c`: its ICE credentials and SRTP keys.
    void add(uint64_t id, const WebRtcClient& c) const {
        REQUIRE(sfu->add_transport(id, c.sfu_ufrag, c.pwd));
        REQUIRE(sfu->set_keys(id, c.to_sfu, c.from_sfu));
    }

    /// Sends a UDP payload from `from` to `to`; returns the verdict and the frame after it.
    dp::Verdict deliver(const WebRtcClient& from, const wire::Endpoint& to, const Bytes& payload,
                        Bytes& out) {
        return deliver_from(from.at, from.mac, to, payload, out);
    }
    dp::Verdict deliver_from(const wire::Endpoint& at, const wire::MacAddr& mac,
                             const wire::Endpoint& to, const Bytes& payload, Bytes& out) {
        const auto frame = udp4_frame(kUs, mac, at.v4, to.v4, at.port, to.port, payload);
        std::vector<std::byte> buf(128 + 2048);
        std::memcpy(buf.data() + 128, frame.data(), frame.size());
        dp::Frame f{buf.data() + 128, static_cast<uint32_t>(frame.size()), 2048, 128};
        sink.now = now;
        const dp::Verdict v = stack->handle(f, now);
        out.assign(f.data, f.data + f.len);
        if (flush) {
            sfu::Sfu::flush();  // as the lcore does at the end of each loop
        }
        return v;
    }
};

/// The UDP payload of a frame, with its addresses.
struct Udp {
    wire::Endpoint src, dst;
    Bytes payload;
};
inline Udp udp_of(const Bytes& frame) {
    auto e = wire::parse_ethernet(frame);
    REQUIRE(e);
    auto ip = wire::parse_ipv4(e->payload);
    REQUIRE(ip);
    auto u = wire::parse_udp(ip->payload);
    REQUIRE(u);
    CHECK(wire::udp_checksum_ok_v4(*u, ip->src, ip->dst));
    return {wire::Endpoint::from_v4(ip->src, u->src_port),
            wire::Endpoint::from_v4(ip->dst, u->dst_port),
            Bytes(u->payload.begin(), u->payload.end())};
}

/// `c`'s ICE check, answered with success, its address mapped and signed with its password.
inline void connect(SfuHarness& h, const WebRtcClient& c) {
    namespace stun = wire::stun;
    Bytes out;
    REQUIRE(h.deliver(c, kSfu, c.ice_check(1), out) == dp::Verdict::Transmit);
    const Udp u = udp_of(out);
    CHECK(u.dst == c.at);
    CHECK(u.src == kSfu);
    auto m = stun::Message::parse(u.payload);
    REQUIRE(m);
    CHECK(m->cls() == stun::Class::Success);
    CHECK(m->xor_address(*m->find(stun::attr::kXorMappedAddress)) == c.at);
    CHECK(m->check_integrity(crypto::HmacSha1Key{as_bytes(c.pwd.data(), c.pwd.size())}));
}

/// Transport 1 (`pub`) publishes Opus as SSRC 0x1111 on track 7, transport 2 (`sub`)
/// receives it as SSRC 0x5001; both connected.
inline void opus_pair(SfuHarness& h, const WebRtcClient& pub, const WebRtcClient& sub) {
    h.add(1, pub);
    h.add(2, sub);
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Opus, 48000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5001, 111, 0));
    connect(h, pub);
    connect(h, sub);
}

}  // namespace tern::test
