// The SFU engine driven frame by frame through the host stack, as on the lcore: ICE-lite
// checks, SRTP from a publisher fanned out to two subscribers with rewritten headers, a NACK
// answered from the retransmission cache, a PLI reaching the publisher (throttled), and a
// subscriber that reaches the SFU only through tern's TURN relay (the hand-off inside the data
// plane: the SFU sees the relayed address as the client's, and its media goes back through the
// allocation).
#include "dataplane/sfu/sfu.hpp"
#include "dataplane/stack/stack.hpp"
#include "dataplane/turn/turn_server.hpp"

#include "common/srtp/srtp.hpp"
#include "common/turn/credentials.hpp"
#include "common/wire/ethernet.hpp"
#include "common/wire/ipv4.hpp"
#include "common/wire/rtcp.hpp"
#include "common/wire/rtp.hpp"
#include "common/wire/twcc.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "common/wire/turn/channel_data.hpp"
#include "common/wire/udp.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <tuple>
#include <vector>

using namespace tern;
using namespace tern::wire;
namespace attr = stun::attr;

namespace {

const Endpoint kSfu = Endpoint::from_v4(test::ip4("198.18.0.2"), 20000);
const Endpoint kTurn = Endpoint::from_v4(test::ip4("198.18.0.2"), 3478);
const MacAddr kUs = test::mac("02:00:00:00:01:02");

/// Frames the SFU sends, built by the real stack (headers, TURN hand-off) into plain buffers.
struct TestSink final : sfu::MediaSink {
    dp::Stack* stack = nullptr;
    uint64_t now = 1;
    std::vector<std::unique_ptr<std::vector<std::byte>>> bufs;
    std::vector<test::Bytes> sent;  // every frame transmitted, in order

    bool alloc(Buf& b) noexcept override {
        bufs.push_back(std::make_unique<std::vector<std::byte>>(2048));
        b.payload = bufs.back()->data() + 128;
        b.room = 2048 - 128;
        b.handle = bufs.back().get();
        return true;
    }
    void send(Buf& b, std::size_t len, const MacAddr& mac, const Endpoint& src, const Endpoint& dst) noexcept override {
        dp::Frame f{b.payload, static_cast<uint32_t>(len), static_cast<uint32_t>(b.room), 128};
        if (stack->emit_media(f, b.payload, len, mac, src, dst, now) == dp::Verdict::Transmit) {
            sent.emplace_back(f.data, f.data + f.len);
        }
    }
    void discard(Buf&) noexcept override {}
    std::vector<std::pair<uint64_t, test::Bytes>> punted;  // to the control plane
    std::vector<std::pair<uint64_t, Endpoint>> up;          // transport events
    bool punt(uint64_t id, tern::ByteSpan d) noexcept override {
        punted.emplace_back(id, test::Bytes(d.begin(), d.end()));
        return true;
    }
    std::vector<std::pair<uint64_t, Endpoint>> down;
    void transport_up(uint64_t id, const Endpoint& remote, bool is_up) noexcept override {
        (is_up ? up : down).emplace_back(id, remote);
    }
    std::vector<std::tuple<uint64_t, uint32_t, bool, uint8_t>> speech;  // speaking() calls
    void speaking(uint64_t id, uint32_t track, bool on, uint8_t level) noexcept override {
        speech.emplace_back(id, track, on, level);
    }
    /// What the engine relays to other lcores (the worker's rings, here a list).
    struct Relay {
        uint32_t lcore;
        sfu::Relayed r;
        test::Bytes rtp;
    };
    std::vector<Relay> relayed;
    bool refuse_relay = false;  // a full ring
    bool relay(uint32_t lcore, const sfu::Relayed& r, tern::ByteSpan rtp) noexcept override {
        if (refuse_relay) {
            return false;
        }
        relayed.push_back(Relay{lcore, r, test::Bytes(rtp.begin(), rtp.end())});
        return true;
    }
};

/// One WebRTC client: its address, ICE credentials and SRTP contexts for both directions.
struct Client {
    Endpoint at;
    MacAddr mac;
    std::string sfu_ufrag, pwd;
    srtp::MasterKey to_sfu, from_sfu;
    std::unique_ptr<srtp::Context> tx, rx;
    Client(Endpoint a, MacAddr m, std::string ufrag, uint8_t seed, srtp::Suite suite = srtp::Suite::AeadAes256Gcm)
        : at(a), mac(m), sfu_ufrag(std::move(ufrag)) {
        pwd = "pwd-of-" + sfu_ufrag + "-0123456789";
        to_sfu.suite = from_sfu.suite = suite;
        for (std::size_t i = 0; i < 32; ++i) {
            to_sfu.key[i] = static_cast<uint8_t>(seed + i);
            from_sfu.key[i] = static_cast<uint8_t>(seed * 3 + i);
        }
        to_sfu.salt.fill(seed);
        from_sfu.salt.fill(static_cast<uint8_t>(seed + 1));
        tx = std::make_unique<srtp::Context>(to_sfu, srtp::Direction::Protect);
        rx = std::make_unique<srtp::Context>(from_sfu, srtp::Direction::Unprotect);
    }
    test::Bytes ice_check(uint32_t n, bool nominate = true) const {
        std::array<std::byte, 256> b{};
        stun::TransactionId id{};
        id[0] = static_cast<uint8_t>(n);
        stun::Builder m{b, stun::message_type(stun::method::kBinding, stun::Class::Request), id};
        m.add_string(attr::kUsername, sfu_ufrag + ":remote").add_u32(attr::kPriority, 12345);
        if (nominate) {
            m.add_string(attr::kUseCandidate, "");
        }
        m.add_message_integrity(crypto::HmacSha1Key{as_bytes(pwd.data(), pwd.size())}).add_fingerprint();
        return test::Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(*m.finish()));
    }
    test::Bytes srtp(uint32_t ssrc, uint16_t seq, uint32_t ts, const test::Bytes& payload) const {
        test::Bytes p = test::hex("80600000 00000000 00000000");
        store_u16be(p.data() + 2, seq);
        store_u32be(p.data() + 4, ts);
        store_u32be(p.data() + 8, ssrc);
        p.insert(p.end(), payload.begin(), payload.end());
        const std::size_t len = p.size();
        p.resize(len + 32);
        std::size_t n = 0;
        REQUIRE(tx->protect_rtp(p.data(), len, p.size(), n) == srtp::Status::Ok);
        p.resize(n);
        return p;
    }
    test::Bytes srtcp(const std::function<void(ByteWriter&)>& write) const {
        test::Bytes p(256);
        ByteWriter w{p};
        write(w);
        const std::size_t len = w.size();
        std::size_t n = 0;
        REQUIRE(tx->protect_rtcp(p.data(), len, p.size(), n) == srtp::Status::Ok);
        p.resize(n);
        return p;
    }
};

struct Harness {
    dp::Interface ifc;
    ServicesConfig services;
    dp::NeighborTable neighbors{64, 1000, 100};
    std::unique_ptr<shm::LcoreCounters> counters = std::make_unique<shm::LcoreCounters>();
    TurnConfig turn_cfg;
    std::unique_ptr<dp::PeerPolicy> policy;
    std::unique_ptr<dp::TurnServer> turn;
    std::unique_ptr<dp::Stack> stack;
    TestSink sink;
    std::unique_ptr<sfu::Sfu> sfu;
    uint64_t now = 1'000'000;  // stack ticks are microseconds here
    bool flush = true;         // deliver() ends like a loop of the lcore

    Harness() {
        ifc.mac = kUs;
        ifc.ipv4 = Prefix<Ipv4Addr>{kSfu.v4, 24};
        turn_cfg.realm = "tern.test";
        turn_cfg.users = {{"alice", "wonderland"}};
        turn_cfg.relay_port_min = 50000;
        turn_cfg.relay_port_max = 50099;
        policy = std::make_unique<dp::PeerPolicy>(turn_cfg, std::vector<Ipv4Addr>{kSfu.v4}, std::vector<Ipv6Addr>{});
        turn = std::make_unique<dp::TurnServer>(turn_cfg, *policy, 0, 1, *counters, 1'800'000'000,
                                                as_bytes("nonce-secret", 12));
        stack = std::make_unique<dp::Stack>(ifc, services, neighbors, *counters, turn.get(), 1'000'000);
        sink.stack = stack.get();
        sfu = std::make_unique<sfu::Sfu>(kSfu.port, sfu::SfuLimits{}, *counters, sink);
        stack->set_sfu(sfu.get());
    }
    uint64_t count(shm::Counter c) const { return counters->v[static_cast<std::size_t>(c)].load(); }
    /// Transport `id` for client `c`: its ICE credentials and SRTP keys.
    void add(uint64_t id, const Client& c) const {
        REQUIRE(sfu->add_transport(id, c.sfu_ufrag, c.pwd));
        REQUIRE(sfu->set_keys(id, c.to_sfu, c.from_sfu));
    }

    /// Sends a UDP payload from `from` to `to`; returns the verdict and the frame after it.
    dp::Verdict deliver(const Client& from, const Endpoint& to, const test::Bytes& payload, test::Bytes& out) {
        return deliver_from(from.at, from.mac, to, payload, out);
    }
    dp::Verdict deliver_from(const Endpoint& at, const MacAddr& mac, const Endpoint& to, const test::Bytes& payload,
                             test::Bytes& out) {
        const auto frame = test::udp4_frame(kUs, mac, at.v4, to.v4, at.port, to.port, payload);
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
    Endpoint src, dst;
    test::Bytes payload;
};
Udp udp_of(const test::Bytes& frame) {
    auto e = parse_ethernet(frame);
    REQUIRE(e);
    auto ip = parse_ipv4(e->payload);
    REQUIRE(ip);
    auto u = parse_udp(ip->payload);
    REQUIRE(u);
    CHECK(udp_checksum_ok_v4(*u, ip->src, ip->dst));
    return {Endpoint::from_v4(ip->src, u->src_port), Endpoint::from_v4(ip->dst, u->dst_port),
            test::Bytes(u->payload.begin(), u->payload.end())};
}

/// Decrypts an SRTP payload a client received; returns the RTP packet.
test::Bytes open_rtp(const Client& c, test::Bytes p) {
    std::size_t n = 0;
    REQUIRE(c.rx->unprotect_rtp(p.data(), p.size(), n) == srtp::Status::Ok);
    p.resize(n);
    return p;
}

void connect(Harness& h, const Client& c) {
    test::Bytes out;
    REQUIRE(h.deliver(c, kSfu, c.ice_check(1), out) == dp::Verdict::Transmit);
    const Udp u = udp_of(out);
    CHECK(u.dst == c.at);
    CHECK(u.src == kSfu);
    auto m = stun::Message::parse(u.payload);
    REQUIRE(m);
    CHECK(m->cls() == stun::Class::Success);
    CHECK(m->xor_address(*m->find(attr::kXorMappedAddress)) == c.at);
    CHECK(m->check_integrity(crypto::HmacSha1Key{as_bytes(c.pwd.data(), c.pwd.size())}));
}

/// Transport 1 (`pub`) publishes Opus as SSRC 0x1111 on track 7, transport 2 (`sub`)
/// receives it as SSRC 0x5001; both connected.
void opus_pair(Harness& h, const Client& pub, const Client& sub) {
    h.add(1, pub);
    h.add(2, sub);
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Opus, 48000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5001, 111, 0));
    connect(h, pub);
    connect(h, sub);
}

}  // namespace

TEST_CASE("SFU: one publisher, two subscribers, NACK and PLI, through the stack", "[sfu][stack]") {
    Harness h;
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    Client s1{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001), test::mac("02:00:00:00:00:11"), "sub1", 20};
    Client s2{Endpoint::from_v4(test::ip4("198.18.0.12"), 5002), test::mac("02:00:00:00:00:12"), "sub2", 30};
    uint64_t id = 1;
    for (Client* c : {&pub, &s1, &s2}) {
        h.add(id, *c);
        ++id;
    }
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5001, 97, 0));
    REQUIRE(h.sfu->add_subscription(3, 7, 0x5002, 98, 0));

    // ICE: a wrong password gets 401 and connects nothing; the right one nominates the address.
    {
        Client bad{pub.at, pub.mac, pub.sfu_ufrag, 10};
        bad.pwd = "not-the-password";
        test::Bytes out;
        REQUIRE(h.deliver(bad, kSfu, bad.ice_check(9), out) == dp::Verdict::Transmit);
        const Udp reply = udp_of(out);  // the message's spans point into it
        auto m = stun::Message::parse(reply.payload);
        REQUIRE(m);
        CHECK(m->cls() == stun::Class::Error);
    }
    for (Client* c : {&pub, &s1, &s2}) {
        connect(h, *c);
    }
    CHECK(h.count(shm::Counter::SfuStunAnswered) == 3);

    // A VP8 keyframe, then an inter frame, then a loss (seq 103 without 102).
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    const test::Bytes inter = test::hex("90 80 8124 11 0102 0304");
    test::Bytes out;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 100, 9000, key), out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 2);
    h.now += 33'000;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 101, 12000, inter), out) == dp::Verdict::Consumed);
    h.now += 33'000;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 103, 18000, inter), out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 6);
    uint16_t expect_seq[] = {100, 101, 103};
    for (std::size_t i = 0; i < 6; ++i) {
        const Udp u = udp_of(h.sink.sent[i]);
        const Client& c = u.dst == s1.at ? s1 : s2;
        REQUIRE((u.dst == s1.at || u.dst == s2.at));
        CHECK(u.src == kSfu);
        const test::Bytes rtp = open_rtp(c, u.payload);
        RtpView v;
        Error why{};
        REQUIRE(parse_rtp(rtp, v, why));
        CHECK(v.ssrc == (&c == &s1 ? 0x5001U : 0x5002U));
        CHECK(v.payload_type == (&c == &s1 ? 97 : 98));
        CHECK(v.seq == expect_seq[i / 2]);  // the publisher's gap stays a gap
        CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == (i < 2 ? key : inter));
    }
    const test::Bytes first_to_s1 = udp_of(h.sink.sent[2]).dst == s1.at ? h.sink.sent[2] : h.sink.sent[3];

    // Subscriber 1 NACKs 101: the cached frame goes out again, unchanged.
    const uint16_t lost[] = {101};
    const auto nack = s1.srtcp([&](ByteWriter& w) { rtcp::write_nack(w, 0xaaaa, 0x5001, lost, 1); });
    const std::size_t before = h.sink.sent.size();
    REQUIRE(h.deliver(s1, kSfu, nack, out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == before + 1);
    CHECK(h.sink.sent.back() == first_to_s1);
    CHECK(h.count(shm::Counter::SfuNackResent) == 1);

    // Subscriber 2 asks for a keyframe: the publisher gets a PLI for its SSRC, once per interval.
    const auto pli = s2.srtcp([&](ByteWriter& w) { rtcp::write_pli(w, 0xbbbb, 0x5002); });
    REQUIRE(h.deliver(s2, kSfu, pli, out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == before + 2);
    Udp to_pub = udp_of(h.sink.sent.back());
    CHECK(to_pub.dst == pub.at);
    std::size_t n = 0;
    REQUIRE(pub.rx->unprotect_rtcp(to_pub.payload.data(), to_pub.payload.size(), n) == srtp::Status::Ok);
    std::vector<uint32_t> asked;
    Error why{};
    REQUIRE(rtcp::for_each(ByteSpan{to_pub.payload}.first(n), [&](const rtcp::Packet& p) {
        rtcp::for_each_keyframe_request(p, [&](uint32_t m) { asked.push_back(m); });
    }, why));
    CHECK(asked == std::vector<uint32_t>{0x1111});
    REQUIRE(h.deliver(s2, kSfu, s2.srtcp([&](ByteWriter& w) { rtcp::write_pli(w, 0xbbbb, 0x5002); }), out) ==
            dp::Verdict::Consumed);
    CHECK(h.sink.sent.size() == before + 2);  // throttled
    CHECK(h.count(shm::Counter::SfuPliSent) == 1);

    // Audio has no keyframes: a subscription to an Opus track starts with any packet.
    REQUIRE(h.sfu->add_publication(1, 0x2222, 8, 0, sfu::Codec::Opus, 48000));
    REQUIRE(h.sfu->add_subscription(2, 8, 0x6001, 111, 0));
    const std::size_t before_audio = h.sink.sent.size();
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x2222, 7, 960, test::hex("fcfffe")), out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == before_audio + 1);
    CHECK(udp_of(h.sink.sent.back()).dst == s1.at);

    // Tampered SRTP is dropped and counted; unknown senders too.
    auto bad = pub.srtp(0x1111, 104, 21000, inter);
    bad[20] ^= std::byte{1};
    CHECK(h.deliver(pub, kSfu, bad, out) == dp::Verdict::Drop);
    CHECK(h.count(shm::Counter::SfuDropSrtp) == 1);
    Client stranger{Endpoint::from_v4(test::ip4("198.18.0.99"), 9), test::mac("02:00:00:00:00:99"), "x", 1};
    CHECK(h.deliver(stranger, kSfu, stranger.srtp(1, 1, 1, inter), out) == dp::Verdict::Drop);
    // DTLS from a connected client goes to the control plane with its transport id, and the
    // control plane's DTLS goes back out from the media port to the client.
    const test::Bytes hello = test::hex("16fefd0000000000000000");
    CHECK(h.deliver(pub, kSfu, hello, out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.punted.size() == 1);
    CHECK(h.sink.punted[0].first == 1);
    CHECK(h.sink.punted[0].second == hello);
    const std::size_t before_dtls = h.sink.sent.size();
    REQUIRE(h.sfu->send_datagram(1, test::hex("16fefd0000000000000001")));
    REQUIRE(h.sink.sent.size() == before_dtls + 1);
    Udp dtls = udp_of(h.sink.sent.back());
    CHECK(dtls.src == kSfu);
    CHECK(dtls.dst == pub.at);
    CHECK(test::Bytes(dtls.payload.begin(), dtls.payload.end()) == test::hex("16fefd0000000000000001"));
    CHECK_FALSE(h.sfu->send_datagram(99, hello));  // unknown transport
    // Each transport was reported up once, with the address its checks came from.
    REQUIRE(h.sink.up.size() == 3);
    CHECK(h.sink.up[0] == std::pair<uint64_t, Endpoint>{1, pub.at});
}

TEST_CASE("SFU: a subscriber reached after a keyframe passed starts at the next one, asked for at once",
          "[sfu][stack][keyframe]") {
    // What a new subscriber's first frame waits for: its ICE check and its DTLS keys come after
    // the publisher's media has been flowing. A keyframe that passes before the subscriber can be
    // reached is of no use to it; the first packet after it can be reached asks the publisher
    // for a keyframe (one PLI), and its media starts with that keyframe.
    Harness h;
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    Client sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001), test::mac("02:00:00:00:00:11"), "sub", 20};
    h.add(1, pub);
    REQUIRE(h.sfu->add_transport(2, sub.sfu_ufrag, sub.pwd));  // keys come with DTLS, later
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5001, 97, 0));
    connect(h, pub);

    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    const test::Bytes inter = test::hex("90 80 8124 11 0102 0304");
    test::Bytes out;
    uint16_t seq = 100;
    auto send = [&](const test::Bytes& payload) {
        h.now += 33'000;
        REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, seq, seq * 3000U, payload), out) == dp::Verdict::Consumed);
        ++seq;
    };
    // Not reachable at all: nothing is sent and nobody asks the publisher for anything.
    send(key);
    send(inter);
    // ICE connected, DTLS still running: the keyframe passing now is not taken for it.
    connect(h, sub);
    const std::size_t after_check = h.sink.sent.size();
    send(key);
    send(inter);
    CHECK(h.sink.sent.size() == after_check);
    CHECK(h.count(shm::Counter::SfuPliSent) == 0);
    CHECK(h.count(shm::Counter::SfuRtpOut) == 0);

    // Keys installed: the next packet (an inter frame, not sent) asks for a keyframe.
    REQUIRE(h.sfu->set_keys(2, sub.to_sfu, sub.from_sfu));
    send(inter);
    CHECK(h.count(shm::Counter::SfuPliSent) == 1);
    CHECK(h.count(shm::Counter::SfuRtpOut) == 0);
    REQUIRE_FALSE(h.sink.sent.empty());
    CHECK(udp_of(h.sink.sent.back()).dst == pub.at);  // the PLI
    // The keyframe answering it is the subscriber's first packet, then the stream continues.
    send(key);
    send(inter);
    CHECK(h.count(shm::Counter::SfuRtpOut) == 2);
    std::vector<uint16_t> got;
    for (const test::Bytes& f : h.sink.sent) {
        const Udp u = udp_of(f);
        if (u.dst != sub.at) {
            continue;
        }
        const test::Bytes rtp = open_rtp(sub, u.payload);
        RtpView v;
        Error why{};
        REQUIRE(parse_rtp(rtp, v, why));
        CHECK(v.ssrc == 0x5001U);
        got.push_back(v.seq);
        if (got.size() == 1) {
            CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == key);
        }
    }
    CHECK(got.size() == 2);
    CHECK(h.count(shm::Counter::SfuPliSent) == 1);  // no more requests once it has one

    // The request was answered, so the next subscriber that becomes reachable asks at once
    // (66 ms after the first request: no waiting out an interval), and only once while its
    // request is outstanding.
    Client late{Endpoint::from_v4(test::ip4("198.18.0.12"), 5002), test::mac("02:00:00:00:00:12"), "late", 30};
    h.add(3, late);
    REQUIRE(h.sfu->add_subscription(3, 7, 0x5002, 97, 0));
    connect(h, late);
    send(inter);
    CHECK(h.count(shm::Counter::SfuPliSent) == 2);
    send(inter);
    CHECK(h.count(shm::Counter::SfuPliSent) == 2);
    // Unanswered for pli_interval_us: asked again.
    h.now += sfu::SfuLimits{}.pli_interval_us;
    send(inter);
    CHECK(h.count(shm::Counter::SfuPliSent) == 3);
}

namespace {

/// A TURN request from `c` signed with alice's credentials once `nonce` is known.
test::Bytes turn_request(uint16_t method, const std::string& nonce, uint8_t txn,
                         const std::function<void(stun::Builder&)>& fill) {
    std::array<std::byte, 512> b{};
    stun::TransactionId id{};
    id[0] = txn;
    stun::Builder m{b, stun::message_type(method, stun::Class::Request), id};
    fill(m);
    if (!nonce.empty()) {
        m.add_string(attr::kUsername, "alice").add_string(attr::kRealm, "tern.test").add_string(attr::kNonce, nonce);
        const auto k = tern::turn::long_term_key("alice", "tern.test", "wonderland");
        m.add_message_integrity(crypto::HmacSha1Key{as_bytes(k.data(), k.size())});
    }
    m.add_fingerprint();
    return test::Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(*m.finish()));
}

}  // namespace

TEST_CASE("SFU behind TURN: the relay hands packets to the SFU inside the data plane", "[sfu][stack][turn]") {
    Harness h;
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    // A subscriber that can only use TURN (e.g. behind a firewall), from outside the subnet.
    Client d{Endpoint::from_v4(test::ip4("198.18.0.40"), 40000), test::mac("02:00:00:00:00:40"), "relayed", 40};
    h.add(1, pub);
    h.add(2, d);
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5004, 96, 0));
    connect(h, pub);

    // d allocates, permits the SFU's address (our own address, allowed on the media port only)
    // and binds a channel to it.
    test::Bytes out;
    auto alloc = [](stun::Builder& b) { b.add_u32(attr::kRequestedTransport, 17u << 24); };
    REQUIRE(h.deliver(d, kTurn, turn_request(stun::method::kAllocate, "", 1, alloc), out) == dp::Verdict::Transmit);
    Udp reply = udp_of(out);  // parsed messages point into it: keep it alive
    auto m = stun::Message::parse(reply.payload);
    REQUIRE(m);
    const std::string nonce(reinterpret_cast<const char*>(m->find(attr::kNonce)->value.data()), 32);
    REQUIRE(h.deliver(d, kTurn, turn_request(stun::method::kAllocate, nonce, 2, alloc), out) == dp::Verdict::Transmit);
    reply = udp_of(out);
    m = stun::Message::parse(reply.payload);
    REQUIRE(m->cls() == stun::Class::Success);
    const Endpoint relayed = *m->xor_address(*m->find(attr::kXorRelayedAddress));
    REQUIRE(h.deliver(d, kTurn, turn_request(stun::method::kChannelBind, nonce, 3, [](stun::Builder& b) {
        b.add_u32(attr::kChannelNumber, 0x4001u << 16).add_xor_address(attr::kXorPeerAddress, kSfu);
    }), out) == dp::Verdict::Transmit);
    reply = udp_of(out);
    REQUIRE(stun::Message::parse(reply.payload)->cls() == stun::Class::Success);
    // Any other port of our own address stays refused.
    REQUIRE(h.deliver(d, kTurn, turn_request(stun::method::kCreatePermission, nonce, 4, [](stun::Builder& b) {
        b.add_xor_address(attr::kXorPeerAddress, Endpoint::from_v4(kSfu.v4, 22));
    }), out) == dp::Verdict::Transmit);
    reply = udp_of(out);
    m = stun::Message::parse(reply.payload);
    REQUIRE(m->cls() == stun::Class::Error);

    // The ICE check travels as ChannelData; the SFU answers the relayed address, and the answer
    // comes back to d as ChannelData on the same channel.
    auto cd = [](uint16_t ch, const test::Bytes& data) {
        test::Bytes p(4);
        store_u16be(p.data(), ch);
        store_u16be(p.data() + 2, static_cast<uint16_t>(data.size()));
        p.insert(p.end(), data.begin(), data.end());
        while (p.size() % 4 != 0) {
            p.push_back(std::byte{0});
        }
        return p;
    };
    REQUIRE(h.deliver(d, kTurn, cd(0x4001, d.ice_check(5)), out) == dp::Verdict::Transmit);
    Udp u = udp_of(out);
    CHECK(u.dst == d.at);
    CHECK(u.src == kTurn);
    auto view = tern::wire::turn::parse_channel_data(u.payload, tern::wire::turn::Framing::Datagram);
    REQUIRE(view);
    CHECK(view->channel == 0x4001);
    auto answer = stun::Message::parse(view->data);
    REQUIRE(answer);
    CHECK(answer->cls() == stun::Class::Success);
    CHECK(answer->xor_address(*answer->find(attr::kXorMappedAddress)) == relayed);
    sfu::Sfu::TransportInfo ti;
    REQUIRE(h.sfu->info(2, ti));
    CHECK(ti.connected);
    CHECK(ti.remote == relayed);

    // The publisher's media reaches d through the allocation, never leaving the data plane.
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 500, 9000, key), out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 1);
    u = udp_of(h.sink.sent[0]);
    CHECK(u.dst == d.at);
    CHECK(u.src == kTurn);
    view = tern::wire::turn::parse_channel_data(u.payload, tern::wire::turn::Framing::Datagram);
    REQUIRE(view);
    RtpView v;
    Error why{};
    const test::Bytes rtp = open_rtp(d, test::Bytes(view->data.begin(), view->data.end()));
    REQUIRE(parse_rtp(rtp, v, why));
    CHECK(v.ssrc == 0x5004);
    CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == key);
    CHECK(h.count(shm::Counter::SfuTurnHandoff) >= 2);

    // DTLS for d (from the control plane) also travels through its allocation.
    REQUIRE(h.sfu->send_datagram(2, test::hex("16fefd00000000000000aa")));
    REQUIRE(h.sink.sent.size() == 2);
    u = udp_of(h.sink.sent[1]);
    CHECK(u.dst == d.at);
    view = tern::wire::turn::parse_channel_data(u.payload, tern::wire::turn::Framing::Datagram);
    REQUIRE(view);
    CHECK(test::Bytes(view->data.begin(), view->data.end()) == test::hex("16fefd00000000000000aa"));
}

namespace {

/// RTP with an RFC 8285 one-byte extension block carrying `rid` as element `ext_id`, SRTP'd.
/// An SRTP packet with one-byte header extension elements (id, data).
test::Bytes ext_packet(const Client& c, uint32_t ssrc, uint16_t seq, uint32_t ts,
                       const std::vector<std::pair<uint8_t, test::Bytes>>& elements, const test::Bytes& payload) {
    test::Bytes ext;
    for (const auto& [id, data] : elements) {
        ext.push_back(std::byte(static_cast<uint8_t>(id << 4 | (data.size() - 1))));
        ext.insert(ext.end(), data.begin(), data.end());
    }
    while (ext.size() % 4 != 0) {
        ext.push_back(std::byte{0});
    }
    test::Bytes p = test::hex("90600000 00000000 00000000 bede0000");
    store_u16be(p.data() + 2, seq);
    store_u32be(p.data() + 4, ts);
    store_u32be(p.data() + 8, ssrc);
    store_u16be(p.data() + 14, static_cast<uint16_t>(ext.size() / 4));
    p.insert(p.end(), ext.begin(), ext.end());
    p.insert(p.end(), payload.begin(), payload.end());
    const std::size_t len = p.size();
    p.resize(len + 32);
    std::size_t n = 0;
    REQUIRE(c.tx->protect_rtp(p.data(), len, p.size(), n) == srtp::Status::Ok);
    p.resize(n);
    return p;
}

test::Bytes u16(uint16_t v) { return test::Bytes{std::byte(static_cast<uint8_t>(v >> 8)), std::byte(static_cast<uint8_t>(v))}; }

test::Bytes rid_packet(const Client& c, uint32_t ssrc, uint16_t seq, uint32_t ts, uint8_t ext_id,
                       const std::string& rid, const test::Bytes& payload) {
    return ext_packet(c, ssrc, seq, ts, {{ext_id, test::bytes_of(rid)}}, payload);
}

}  // namespace

TEST_CASE("SFU: simulcast by rid (SSRCs learnt), layer choice, REMB to the publisher", "[sfu][stack][simulcast]") {
    Harness h;
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    Client sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001), test::mac("02:00:00:00:00:11"), "sub", 20};
    REQUIRE(h.sfu->add_transport(1, pub.sfu_ufrag, pub.pwd, 1'000'000));
    REQUIRE(h.sfu->set_keys(1, pub.to_sfu, pub.from_sfu));
    h.add(2, sub);
    // Three layers announced by rid only (what Chromium's simulcast offer carries); h is layer 2.
    REQUIRE(h.sfu->add_rid_publication(1, "h", 10, 7, 2, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_rid_publication(1, "m", 10, 7, 1, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_rid_publication(1, "l", 10, 7, 0, sfu::Codec::Vp8, 90000));
    CHECK_FALSE(h.sfu->add_rid_publication(1, "l", 10, 7, 0, sfu::Codec::Vp8, 90000));  // twice
    CHECK_FALSE(h.sfu->add_rid_publication(1, "", 10, 7, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5001, 96, 0));
    connect(h, pub);
    connect(h, sub);

    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    const test::Bytes inter = test::hex("90 80 8124 11 0102 0304");
    test::Bytes out;
    // Each layer's first packet teaches the SFU its SSRC; the subscriber wants layer 0 (l).
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA0, 100, 1000, 10, "h", key), out) == dp::Verdict::Consumed);
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA1, 200, 1000, 10, "m", key), out) == dp::Verdict::Consumed);
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA2, 300, 1000, 10, "l", key), out) == dp::Verdict::Consumed);
    CHECK(h.count(shm::Counter::SfuSsrcLearned) == 3);
    // A rid nobody announced stays unknown.
    CHECK(h.deliver(pub, kSfu, rid_packet(pub, 0xA3, 1, 1, 10, "x", key), out) == dp::Verdict::Drop);

    // The REMB went to the publisher with the learnt SSRCs and its budget (sent with the first
    // packet, then at most twice a second).
    // Frames are decrypted once each (a second time would be a replay).
    std::vector<std::pair<uint64_t, std::size_t>> found;
    std::size_t remb_seen = 0;
    auto rembs = [&] {
        for (; remb_seen < h.sink.sent.size(); ++remb_seen) {
            Udp u = udp_of(h.sink.sent[remb_seen]);
            if (!(u.dst == pub.at)) {
                continue;
            }
            test::Bytes p(u.payload.begin(), u.payload.end());
            std::size_t n = 0;
            REQUIRE(pub.rx->unprotect_rtcp(p.data(), p.size(), n) == srtp::Status::Ok);
            wire::Error why{};
            wire::rtcp::for_each(ByteSpan{p.data(), n}, [&](const wire::rtcp::Packet& pk) {
                uint64_t bps = 0;
                std::array<uint32_t, 8> ssrcs{};
                std::size_t k = 0;
                if (wire::rtcp::parse_remb(pk, bps, ssrcs.data(), ssrcs.size(), k)) {
                    found.emplace_back(bps, k);
                }
            }, why);
        }
        return found;
    };
    auto r = rembs();
    CHECK(r.empty());  // the first report waits half a second
    h.now += 600'000;
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA2, 301, 4000, 10, "l", inter), out) == dp::Verdict::Consumed);
    r = rembs();
    REQUIRE(r.size() == 1);
    CHECK(r[0].first >= 990'000);  // REMB's mantissa/exponent rounds down
    CHECK(r[0].first <= 1'000'000);
    CHECK(r[0].second == 3);  // every learnt layer
    CHECK(h.count(shm::Counter::SfuRembSent) == 1);

    // Only layer l reached the subscriber (its keyframe and the inter frame after it).
    std::vector<uint16_t> seqs;
    std::size_t sub_seen = 0;
    auto to_sub = [&] {
        for (; sub_seen < h.sink.sent.size(); ++sub_seen) {
            Udp u = udp_of(h.sink.sent[sub_seen]);
            if (u.dst == sub.at && std::to_integer<uint8_t>(u.payload[1]) < 200) {
                RtpView v;
                Error why{};
                const test::Bytes rtp = open_rtp(sub, test::Bytes(u.payload.begin(), u.payload.end()));
                REQUIRE(parse_rtp(rtp, v, why));
                CHECK(v.ssrc == 0x5001);
                seqs.push_back(v.seq);
            }
        }
        return seqs;
    };
    CHECK(to_sub().size() == 2);
    // Switch to h: nothing changes until h's next keyframe; then h flows, l no longer does, and
    // sequence numbers continue without a jump.
    REQUIRE(h.sfu->set_target_layer(2, 0x5001, 2));
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA0, 101, 4000, 10, "h", inter), out) == dp::Verdict::Consumed);
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA2, 302, 7000, 10, "l", inter), out) == dp::Verdict::Consumed);
    CHECK(to_sub().size() == 3);  // l still, until h's keyframe
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA0, 102, 7000, 10, "h", key), out) == dp::Verdict::Consumed);
    REQUIRE(h.deliver(pub, kSfu, rid_packet(pub, 0xA2, 303, 10000, 10, "l", inter), out) == dp::Verdict::Consumed);
    REQUIRE(to_sub().size() == 4);
    CHECK(static_cast<uint16_t>(seqs[3] - seqs[2]) == 1);
    CHECK_FALSE(h.sfu->set_target_layer(2, 0x9999, 1));  // no such subscription
}

TEST_CASE("SFU: ICE restart keeps media flowing and answers the new credentials", "[sfu][stack][ice]") {
    Harness h;
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    Client sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001), test::mac("02:00:00:00:00:11"), "sub", 20};
    opus_pair(h, pub, sub);
    test::Bytes out;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 1, 960, test::hex("fcff")), out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 1);

    // The subscriber restarts ICE: new credentials. Media keeps flowing, and the old ones are
    // still answered (the old pair's consent) until the peer uses the new ones.
    REQUIRE(h.sfu->restart_ice(2, "sub2", "pwd-of-sub2-0123456789"));
    CHECK(h.sfu->restart_ice(2, "sub2", "pwd-of-sub2-0123456789"));  // repeated: a no-op
    CHECK_FALSE(h.sfu->restart_ice(2, "pub", "taken"));               // another transport's ufrag
    CHECK_FALSE(h.sfu->restart_ice(2, "sub", "its own old one"));     // still in use
    CHECK_FALSE(h.sfu->restart_ice(9, "x", "y"));
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 2, 1920, test::hex("fcff")), out) == dp::Verdict::Consumed);
    CHECK(h.sink.sent.size() == 2);
    Client old_creds = Client{sub.at, sub.mac, "sub", 20};
    connect(h, old_creds);
    // From a new address (the restart's reason, often), with the new credentials: the old ones end.
    Client moved{Endpoint::from_v4(test::ip4("198.18.0.21"), 6001), test::mac("02:00:00:00:00:21"), "sub2", 20};
    moved.pwd = "pwd-of-sub2-0123456789";
    connect(h, moved);
    CHECK(h.deliver(old_creds, kSfu, old_creds.ice_check(3), out) == dp::Verdict::Drop);
    sfu::Sfu::TransportInfo ti;
    REQUIRE(h.sfu->info(2, ti));
    CHECK(ti.remote == moved.at);
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 3, 2880, test::hex("fcff")), out) == dp::Verdict::Consumed);
    CHECK(udp_of(h.sink.sent.back()).dst == moved.at);

    // Consent (RFC 7675): checks keep it; 30 s without one and the transport is reported down
    // and sends nothing more.
    h.now += 20'000'000;
    connect(h, pub);  // the publisher keeps checking
    h.sfu->expire(h.now);
    CHECK(h.sink.down.empty());
    h.sfu->expire(h.now - 1'000);  // a clock read before the last check: still fresh, not wrapped
    CHECK(h.sink.down.empty());
    h.now += 15'000'000;  // the subscriber's last check is 35 s old, the publisher's 15 s
    h.sfu->expire(h.now);
    REQUIRE(h.sink.down.size() == 1);
    CHECK(h.sink.down[0].first == 2);
    CHECK(h.count(shm::Counter::SfuConsentExpired) == 1);
    auto to_moved = [&] {
        return std::count_if(h.sink.sent.begin(), h.sink.sent.end(), [&](const test::Bytes& f) { return udp_of(f).dst == moved.at; });
    };
    const auto before = to_moved();
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 4, 3840, test::hex("fcff")), out) == dp::Verdict::Consumed);
    CHECK(to_moved() == before);
    h.sfu->expire(h.now + 1'000'000);
    CHECK(h.sink.down.size() == 1);  // reported once
}

TEST_CASE("SFU: a full agent's new path carries media before its nomination", "[sfu][stack][ice]") {
    // libwebrtc, controlling against a lite agent, sends on a pair it selected and nominates that
    // pair only with a later check; after an ICE restart its old pair's packets trail the new
    // ones. Neither may be lost, and the SFU follows the peer to the path it sends on.
    Harness h;
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    Client sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001), test::mac("02:00:00:00:00:11"), "sub", 20};
    opus_pair(h, pub, sub);
    test::Bytes out;
    const test::Bytes opus = test::hex("fcff");
    auto sent_to = [&](const Endpoint& e) {
        return std::count_if(h.sink.sent.begin(), h.sink.sent.end(), [&](const test::Bytes& f) { return udp_of(f).dst == e; });
    };
    auto remote_of = [&](uint64_t id) {
        sfu::Sfu::TransportInfo ti;
        REQUIRE(h.sfu->info(id, ti));
        return ti.remote;
    };
    const Endpoint pub_a = pub.at;
    const Endpoint pub_b = Endpoint::from_v4(test::ip4("198.18.0.10"), 5100);
    const Endpoint sub_a = sub.at;
    const Endpoint sub_b = Endpoint::from_v4(test::ip4("198.18.0.31"), 5101);
    h.now += 2'000'000;

    // Unchecked addresses stay unknown, even with the right keys.
    pub.at = pub_b;
    CHECK(h.deliver(pub, kSfu, pub.srtp(0x1111, 1, 960, opus), out) == dp::Verdict::Drop);
    CHECK(h.count(shm::Counter::SfuDropUnknown) == 1);
    CHECK(h.sink.sent.empty());

    // A valid check without USE-CANDIDATE: answered; the selection stays.
    test::Bytes reply;
    REQUIRE(h.deliver(pub, kSfu, pub.ice_check(2, false), reply) == dp::Verdict::Transmit);
    CHECK(udp_of(reply).dst == pub_b);
    CHECK(remote_of(1) == pub_a);
    // Media from there is forwarded, and moves the publisher's selection.
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 2, 1920, opus), out) == dp::Verdict::Consumed);
    CHECK(sent_to(sub_a) == 1);
    CHECK(remote_of(1) == pub_b);
    CHECK(h.count(shm::Counter::SfuPathMoves) == 1);
    REQUIRE(h.sink.up.size() >= 3);
    CHECK(h.sink.up.back() == std::make_pair(uint64_t{1}, pub_b));
    // A straggler of the old path: forwarded, and it does not move the selection back.
    pub.at = pub_a;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 3, 2880, opus), out) == dp::Verdict::Consumed);
    CHECK(sent_to(sub_a) == 2);
    CHECK(remote_of(1) == pub_b);

    // The subscriber's side: its checked new path sends only RTCP; a forged packet from there
    // (bad tag) changes nothing, its authenticated receiver report moves our media there.
    sub.at = sub_b;
    REQUIRE(h.deliver(sub, kSfu, sub.ice_check(4, false), reply) == dp::Verdict::Transmit);
    test::Bytes rr = sub.srtcp([](ByteWriter& w) { REQUIRE(wire::rtcp::write_rr(w, 0x7777, nullptr, 0)); });
    test::Bytes forged = rr;
    forged[forged.size() - 20] ^= std::byte{1};
    CHECK(h.deliver(sub, kSfu, forged, out) == dp::Verdict::Drop);
    CHECK(h.count(shm::Counter::SfuDropSrtp) == 1);
    CHECK(remote_of(2) == sub_a);
    REQUIRE(h.deliver(sub, kSfu, rr, out) == dp::Verdict::Consumed);
    CHECK(remote_of(2) == sub_b);
    pub.at = pub_b;
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 4, 3840, opus), out) == dp::Verdict::Consumed);
    CHECK(sent_to(sub_b) >= 1);
    CHECK(udp_of(h.sink.sent.back()).dst == sub_b);

    // Within a second of that move, only a nomination moves it again (at once).
    sub.at = sub_a;
    REQUIRE(h.deliver(sub, kSfu, sub.srtcp([](ByteWriter& w) { REQUIRE(wire::rtcp::write_rr(w, 0x7777, nullptr, 0)); }), out) ==
            dp::Verdict::Consumed);
    CHECK(remote_of(2) == sub_b);
    connect(h, sub);
    CHECK(remote_of(2) == sub_a);
    CHECK(h.count(shm::Counter::SfuPathMoves) == 3);

    // At most four paths per transport: a fifth evicts the least recently checked unselected one.
    for (uint16_t k = 0; k < 4; ++k) {
        h.now += 1'000;
        pub.at = Endpoint::from_v4(test::ip4("198.18.0.10"), static_cast<uint16_t>(5200 + k));
        REQUIRE(h.deliver(pub, kSfu, pub.ice_check(10 + k, false), reply) == dp::Verdict::Transmit);
    }
    pub.at = pub_a;  // checked before the four new ones: evicted
    CHECK(h.deliver(pub, kSfu, pub.srtp(0x1111, 5, 4800, opus), out) == dp::Verdict::Drop);
    pub.at = pub_b;  // the selected one stays
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 6, 5760, opus), out) == dp::Verdict::Consumed);
    pub.at = Endpoint::from_v4(test::ip4("198.18.0.10"), 5203);
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 7, 6720, opus), out) == dp::Verdict::Consumed);

    // Consent expiry forgets every path.
    h.now += 40'000'000;
    h.sfu->expire(h.now);
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 8, 7680, opus), out) == dp::Verdict::Drop);
}

TEST_CASE("SFU: RTCP generation — RR to publishers, publisher SRs translated for subscribers", "[sfu][stack][rtcp]") {
    Harness h;
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    Client sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001), test::mac("02:00:00:00:00:11"), "sub", 20};
    opus_pair(h, pub, sub);

    // Six packets 20 ms apart at 48 kHz, seq 100..105 with 102 lost: jitter stays 0.
    test::Bytes out;
    const test::Bytes opus = test::hex("fcfffe");
    for (uint16_t seq = 100; seq <= 105; ++seq) {
        if (seq != 102) {
            REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, seq, 960u * seq, opus), out) == dp::Verdict::Consumed);
        }
        h.now += 20'000;
    }
    // The publisher's SR (NTP 0x11223344'55667788, RTP 960*105): passed on for the subscriber with
    // its SSRC, its timestamp and what was sent to it.
    {
        std::array<std::byte, 128> b{};
        ByteWriter w{MutableByteSpan{b.data(), 64}};
        REQUIRE(wire::rtcp::write_sr(w, 0x1111, 0x1122334455667788ULL, 960u * 105, 5, 15, nullptr, 0));
        std::size_t n = 0;
        REQUIRE(pub.tx->protect_rtcp(b.data(), w.size(), b.size(), n) == srtp::Status::Ok);
        REQUIRE(h.deliver(pub, kSfu, test::Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)), out) ==
                dp::Verdict::Consumed);
    }
    Udp u = udp_of(h.sink.sent.back());
    REQUIRE(u.dst == sub.at);
    test::Bytes sr(u.payload.begin(), u.payload.end());
    std::size_t n = 0;
    REQUIRE(sub.rx->unprotect_rtcp(sr.data(), sr.size(), n) == srtp::Status::Ok);
    int srs = 0;
    wire::Error why{};
    REQUIRE(wire::rtcp::for_each(ByteSpan{sr.data(), n}, [&](const wire::rtcp::Packet& p) {
        REQUIRE(p.type == 200);
        CHECK(p.ssrc == 0x5001);
        CHECK(load_u32be(p.body.data()) == 0x11223344u);
        CHECK(load_u32be(p.body.data() + 4) == 0x55667788u);
        CHECK(load_u32be(p.body.data() + 8) == 960u * 105);  // the first packet set no offset
        CHECK(load_u32be(p.body.data() + 12) == 5);           // packets sent to this subscriber
        CHECK(load_u32be(p.body.data() + 16) == 5 * 3);       // their payload octets (3 bytes each)
        ++srs;
    }, why));
    CHECK(srs == 1);

    // Half a second after the first packet, the next one brings our RR to the publisher.
    h.now += 500'000;
    // (its timestamp keeps pace with the clock: 0.5 s more is 24000 ticks, so no jitter)
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 106, 960u * 106 + 24000, opus), out) == dp::Verdict::Consumed);
    bool seen = false;
    for (const auto& frame : h.sink.sent) {
        Udp f = udp_of(frame);
        if (!(f.dst == pub.at)) {
            continue;
        }
        test::Bytes rr(f.payload.begin(), f.payload.end());
        std::size_t k = 0;
        REQUIRE(pub.rx->unprotect_rtcp(rr.data(), rr.size(), k) == srtp::Status::Ok);
        REQUIRE(wire::rtcp::for_each(ByteSpan{rr.data(), k}, [&](const wire::rtcp::Packet& p) {
            if (p.type != 201) {
                return;
            }
            wire::rtcp::for_each_report(p, [&](const wire::rtcp::ReportBlock& b) {
                CHECK(b.ssrc == 0x1111);
                CHECK(b.highest_seq == 106);
                CHECK(b.cumulative_lost == 1);
                CHECK(b.fraction_lost == (1 << 8) / 7);  // 1 of 7 expected
                CHECK(b.jitter <= 1);
                CHECK(b.lsr == 0x33445566u);  // the middle of the SR's NTP time
                CHECK(b.dlsr >= 65536 / 2);   // ~0.52 s since, in 1/65536 s
                CHECK(b.dlsr <= 65536);
                seen = true;
            });
        }, why));
    }
    CHECK(seen);
    CHECK(h.count(shm::Counter::SfuReportsSent) == 2);
}

TEST_CASE("SFU: NACKs answered as RTX (RFC 4588) when negotiated", "[sfu][stack][rtx]") {
    Harness h;
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    Client sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001), test::mac("02:00:00:00:00:11"), "sub", 20};
    h.add(1, pub);
    h.add(2, sub);
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(h.sfu->add_subscription(2, 7, 0x5001, 96, 0, 0x5002, 97));
    connect(h, pub);
    connect(h, sub);
    test::Bytes out;
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    const test::Bytes inter = test::hex("90 80 8124 11 0102 0304");
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 100, 9000, key), out) == dp::Verdict::Consumed);
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 101, 12000, inter), out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        const Udp u = udp_of(h.sink.sent[i]);  // (the SRTP receiver learns the stream)
        (void)open_rtp(sub, test::Bytes(u.payload.begin(), u.payload.end()));
    }
    // Two NACKs: each comes back on the RTX stream with its own numbering and the OSN in front.
    for (uint16_t round = 0; round < 2; ++round) {
        const uint16_t lost[] = {static_cast<uint16_t>(100 + round)};
        h.now += 200'000;  // past the resend interval
        REQUIRE(h.deliver(sub, kSfu, sub.srtcp([&](ByteWriter& w) { rtcp::write_nack(w, 0xaaaa, 0x5001, lost, 1); }),
                          out) == dp::Verdict::Consumed);
        Udp u = udp_of(h.sink.sent.back());
        REQUIRE(u.dst == sub.at);
        const test::Bytes rtx = open_rtp(sub, test::Bytes(u.payload.begin(), u.payload.end()));
        RtpView v;
        Error why{};
        REQUIRE(parse_rtp(rtx, v, why));
        CHECK(v.ssrc == 0x5002);
        CHECK(v.payload_type == 97);
        CHECK(v.seq == round);  // the RTX stream's own sequence
        CHECK(v.timestamp == (round == 0 ? 9000u : 12000u));
        REQUIRE(v.payload.size() >= 2);
        CHECK(load_u16be(v.payload.data()) == 100 + round);  // OSN
        const test::Bytes& orig = round == 0 ? key : inter;
        CHECK(test::Bytes(v.payload.begin() + 2, v.payload.end()) == orig);
    }
    CHECK(h.count(shm::Counter::SfuNackResent) == 2);
}

TEST_CASE("SFU: header extensions reach subscribers with tern's ids, plus its own send time", "[sfu][stack][extensions]") {
    Harness h;
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    Client sub{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001), test::mac("02:00:00:00:00:11"), "sub", 20};
    h.add(1, pub);
    h.add(2, sub);
    REQUIRE(h.sfu->add_publication(1, 0xA0, 4, 0, sfu::Codec::Opus, 48000));
    REQUIRE(h.sfu->add_publication(1, 0xB0, 5, 0, sfu::Codec::Vp8, 90000));
    // The publisher's ids: audio level 1, transport-wide 3, mid 4, video orientation 13,
    // capture time 5.
    REQUIRE(h.sfu->set_extensions(1, {3, 1, 13, 5}));
    REQUIRE(h.sfu->add_subscription(2, 4, 0x6001, 111, 0));
    REQUIRE(h.sfu->add_subscription(2, 5, 0x6002, 96, 0, 0x6003, 97));
    connect(h, pub);
    connect(h, sub);

    // What subscriber got last: its extension elements by id.
    auto received = [&](RtpView& v, test::Bytes& rtp) {
        const Udp u = udp_of(h.sink.sent.back());
        REQUIRE(u.dst == sub.at);
        rtp = open_rtp(sub, u.payload);
        Error why{};
        REQUIRE(parse_rtp(rtp, v, why));
        REQUIRE(v.ext_profile == kRtpExtOneByte);
    };
    auto element = [](const RtpView& v, uint8_t id) {
        ByteSpan e;
        return find_rtp_extension(v, id, e) ? test::Bytes(e.begin(), e.end()) : test::Bytes{};
    };
    auto present = [](const RtpView& v) {  // the ids in the block
        std::vector<int> ids;
        ByteSpan e;
        for (uint8_t id = 1; id < 15; ++id) {
            if (find_rtp_extension(v, id, e)) {
                ids.push_back(id);
            }
        }
        return ids;
    };
    auto abs_bytes = [](uint64_t now) {
        const uint32_t a = wire::ext::abs_send_time(now);
        return test::Bytes{std::byte(static_cast<uint8_t>(a >> 16)), std::byte(static_cast<uint8_t>(a >> 8)),
                           std::byte(static_cast<uint8_t>(a))};
    };
    test::Bytes out, rtp;
    RtpView v;
    // Audio: the level moves to id 1 (here the same), mid and the transport-wide number are gone.
    const test::Bytes capture = test::hex("e5c4a1b2 00010000");
    REQUIRE(h.deliver(pub, kSfu, ext_packet(pub, 0xA0, 7, 960, {{4, test::hex("30")}, {1, test::hex("a8")}, {3, u16(77)},
                                                               {5, capture}},
                                            test::hex("fcfffe")), out) == dp::Verdict::Consumed);
    received(v, rtp);
    CHECK(v.ssrc == 0x6001);
    CHECK(element(v, wire::ext::kOutAudioLevel) == test::hex("a8"));
    CHECK(element(v, wire::ext::kOutAbsCaptureTime) == capture);  // end to end, unchanged
    CHECK(element(v, wire::ext::kOutAbsSendTime) == abs_bytes(h.now));
    CHECK(present(v) == std::vector<int>{1, 2, 4});  // mid (4) and the transport-wide number (3) gone
    CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == test::hex("fcfffe"));

    // Video: orientation 13 becomes 3; a NACK is answered as RTX with the send time of the resend.
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    h.now += 10'000;
    REQUIRE(h.deliver(pub, kSfu, ext_packet(pub, 0xB0, 500, 9000, {{13, test::hex("01")}, {4, test::hex("31")}}, key), out) ==
            dp::Verdict::Consumed);
    received(v, rtp);
    CHECK(v.ssrc == 0x6002);
    CHECK(element(v, wire::ext::kOutVideoOrientation) == test::hex("01"));
    CHECK(element(v, wire::ext::kOutAbsSendTime) == abs_bytes(h.now));
    CHECK(present(v) == std::vector<int>{2, 3});  // mid gone
    CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == key);
    const uint16_t sent_seq = v.seq;
    h.now += 200'000;
    REQUIRE(h.deliver(sub, kSfu, sub.srtcp([&](ByteWriter& w) { rtcp::write_nack(w, 0xaaaa, 0x6002, &sent_seq, 1); }),
                      out) == dp::Verdict::Consumed);
    received(v, rtp);
    CHECK(v.ssrc == 0x6003);
    CHECK(present(v) == std::vector<int>{2, 3});
    CHECK(element(v, wire::ext::kOutVideoOrientation) == test::hex("01"));
    CHECK(element(v, wire::ext::kOutAbsSendTime) == abs_bytes(h.now));
    REQUIRE(v.payload.size() == key.size() + 2);
    CHECK(load_u16be(v.payload.data()) == sent_seq);
    CHECK(test::Bytes(v.payload.begin() + 2, v.payload.end()) == key);
}

TEST_CASE("SFU: AES-CM subscribers' tags computed many at a time, sent by the end of the loop", "[sfu][stack][srtp]") {
    Harness h;
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    h.add(1, pub);
    REQUIRE(h.sfu->add_publication(1, 0x1111, 7, 0, sfu::Codec::Vp8, 90000));
    connect(h, pub);
    std::vector<std::unique_ptr<Client>> subs;
    constexpr std::size_t kSubs = 20;  // more than one pass of 16 lanes
    for (std::size_t i = 0; i < kSubs; ++i) {
        subs.push_back(std::make_unique<Client>(Endpoint::from_v4(test::ip4("198.18.0.11"), static_cast<uint16_t>(6000 + i)),
                                                test::mac("02:00:00:00:00:11"), "sub" + std::to_string(i),
                                                static_cast<uint8_t>(20 + i), srtp::Suite::AesCm128HmacSha1_80));
        const uint64_t id = 2 + i;
        h.add(id, *subs.back());
        REQUIRE(h.sfu->add_subscription(id, 7, 0x5000 + static_cast<uint32_t>(i), 96, 0));
        connect(h, *subs.back());
    }
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    test::Bytes out;
    for (uint16_t seq = 100; seq < 103; ++seq) {
        h.flush = false;
        const std::size_t before = h.sink.sent.size();
        REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, seq, 9000u * seq, key), out) == dp::Verdict::Consumed);
        if (srtp::tags::available()) {
            CHECK(h.sink.sent.size() - before < kSubs);  // some wait for their tags
        }
        sfu::Sfu::flush();
        REQUIRE(h.sink.sent.size() - before == kSubs);
        // Each subscriber's packet opens with its keys (the tag is right) and is its own.
        for (std::size_t k = before; k < h.sink.sent.size(); ++k) {
            const Udp u = udp_of(h.sink.sent[k]);
            const std::size_t i = u.dst.port - 6000u;
            REQUIRE(i < kSubs);
            const test::Bytes rtp = open_rtp(*subs[i], u.payload);
            RtpView v;
            Error why{};
            REQUIRE(parse_rtp(rtp, v, why));
            CHECK(v.ssrc == 0x5000 + i);
            CHECK(v.seq == seq);
            CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == key);
        }
    }
    CHECK(h.count(shm::Counter::SfuRtpOut) == 3 * kSubs);
    // A subscriber removed with packets waiting: they still go out (its context completes them).
    h.flush = false;
    const std::size_t before = h.sink.sent.size();
    REQUIRE(h.deliver(pub, kSfu, pub.srtp(0x1111, 103, 9000u * 103, key), out) == dp::Verdict::Consumed);
    REQUIRE(h.sfu->remove_transport(2));
    sfu::Sfu::flush();
    CHECK(h.sink.sent.size() - before == kSubs);
}

TEST_CASE("SFU: transport-cc feedback to a publisher", "[sfu][stack][twcc]") {
    Harness h;
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    h.add(1, pub);
    REQUIRE(h.sfu->add_publication(1, 0xB0, 1, 0, sfu::Codec::Vp8, 90000));
    CHECK_FALSE(h.sfu->set_extensions(99, {3, 1}));  // no such transport
    REQUIRE(h.sfu->set_extensions(1, {3, 0}));
    connect(h, pub);

    const test::Bytes body = test::hex("90 80 8123 11 0102 0304");
    test::Bytes out;
    auto send = [&](uint16_t seq, uint16_t twcc, uint32_t ssrc = 0xB0) {
        return h.deliver(pub, kSfu, ext_packet(pub, ssrc, seq, seq * 3000u, {{3, u16(twcc)}}, body), out);
    };
    const uint64_t t0 = h.now;
    REQUIRE(send(100, 65532) == dp::Verdict::Consumed);
    h.now = t0 + 1'000;
    REQUIRE(send(101, 65533) == dp::Verdict::Consumed);
    h.now = t0 + 5'000;  // 65534 is lost
    REQUIRE(send(103, 65535) == dp::Verdict::Consumed);
    // A probe on an SSRC tern does not forward still counts for the estimate.
    h.now = t0 + 7'000;
    CHECK(send(1, 0, 0xDEAD) == dp::Verdict::Drop);
    CHECK(h.count(shm::Counter::SfuTwccSent) == 0);  // feedback goes every 100 ms
    h.now = t0 + 105'000;
    REQUIRE(send(104, 1) == dp::Verdict::Consumed);
    REQUIRE(h.count(shm::Counter::SfuTwccSent) == 1);

    // What the publisher reads back, decrypted and parsed as transport-cc.
    std::vector<std::pair<twcc::Feedback, std::vector<int64_t>>> feedback;
    std::size_t seen = 0;
    auto collect = [&] {
        for (; seen < h.sink.sent.size(); ++seen) {
            Udp u = udp_of(h.sink.sent[seen]);
            REQUIRE(u.dst == pub.at);
            test::Bytes p(u.payload.begin(), u.payload.end());
            std::size_t n = 0;
            REQUIRE(pub.rx->unprotect_rtcp(p.data(), p.size(), n) == srtp::Status::Ok);
            Error why{};
            REQUIRE(rtcp::for_each(ByteSpan{p.data(), n}, [&](const rtcp::Packet& pk) {
                twcc::Feedback fb;
                std::vector<int64_t> at(64);
                std::size_t k = 0;
                if (twcc::parse_feedback(pk, fb, at, k)) {
                    at.resize(k);
                    feedback.emplace_back(fb, at);
                }
            }, why));
        }
    };
    collect();
    REQUIRE(feedback.size() == 1);
    const auto& [fb, at] = feedback[0];
    CHECK(fb.base_seq == 65532);  // the numbers wrap inside it
    CHECK(fb.status_count == 6);
    CHECK(fb.feedback_count == 0);
    CHECK(fb.media_ssrc == 0xB0);
    REQUIRE(at.size() == 6);
    CHECK(at[2] == twcc::kNotReceived);
    // Arrival times keep their spacing (to the 250 µs tick).
    CHECK(at[1] - at[0] == 1'000);
    CHECK(at[3] - at[0] == 5'000);
    CHECK(at[4] - at[0] == 7'000);
    CHECK(at[5] - at[0] == 105'000);

    // A straggler already reported is not reported again; the next feedback starts after 1,
    // and counts on.
    h.now = t0 + 110'000;
    REQUIRE(send(102, 65534) == dp::Verdict::Consumed);
    h.now = t0 + 230'000;
    REQUIRE(send(105, 2) == dp::Verdict::Consumed);
    collect();
    REQUIRE(feedback.size() == 2);
    CHECK(feedback[1].first.base_seq == 2);
    CHECK(feedback[1].first.status_count == 1);
    CHECK(feedback[1].first.feedback_count == 1);

    // A jump past the window (a long gap) moves the window there.
    h.now = t0 + 400'000;
    REQUIRE(send(106, 30000) == dp::Verdict::Consumed);
    h.now = t0 + 401'000;
    REQUIRE(send(107, 30001) == dp::Verdict::Consumed);
    h.now = t0 + 520'000;
    REQUIRE(send(108, 30002) == dp::Verdict::Consumed);
    collect();
    REQUIRE(feedback.size() == 3);
    CHECK(feedback[2].first.base_seq == 30000);
    CHECK(feedback[2].first.status_count == 3);
    CHECK(feedback[2].second[1] - feedback[2].second[0] == 1'000);

    // Turned off (a renegotiation without it): no more feedback.
    REQUIRE(h.sfu->set_extensions(1, {}));
    h.now = t0 + 700'000;
    REQUIRE(send(109, 30003) == dp::Verdict::Consumed);
    h.now = t0 + 900'000;
    REQUIRE(send(110, 30004) == dp::Verdict::Consumed);
    CHECK(h.count(shm::Counter::SfuTwccSent) == 3);
}

TEST_CASE("SFU: speech start and stop from a publisher's audio levels (RFC 6464)", "[sfu][stack][audio-level]") {
    Harness h;
    auto& sink = h.sink;
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    h.add(1, pub);
    REQUIRE(h.sfu->add_publication(1, 0xA0, 4, 0, sfu::Codec::Opus, 48000));
    REQUIRE(h.sfu->set_extensions(1, {0, 1}));
    connect(h, pub);

    uint16_t seq = 1;
    test::Bytes out;
    // 20 ms packets for `ms` milliseconds at `level` (-dBov), voice activity flag set.
    auto talk = [&](uint8_t level, int ms) {
        for (int t = 0; t < ms; t += 20) {
            h.now += 20'000;
            const test::Bytes lvl{std::byte(static_cast<uint8_t>(0x80 | level))};
            REQUIRE(h.deliver(pub, kSfu, ext_packet(pub, 0xA0, seq, seq * 960u, {{1, lvl}}, test::hex("fc ff fe")), out) ==
                    dp::Verdict::Consumed);
            ++seq;
        }
    };
    talk(127, 600);  // silence: nothing
    CHECK(sink.speech.empty());
    talk(30, 1200);  // speech at -30 dBov
    REQUIRE(sink.speech.size() == 1);
    CHECK(std::get<0>(sink.speech[0]) == 1);
    CHECK(std::get<1>(sink.speech[0]) == 4);
    CHECK(std::get<2>(sink.speech[0]));
    CHECK(std::get<3>(sink.speech[0]) == 30);
    talk(45, 300);  // quieter speech, then a short pause: still speaking (hysteresis)
    talk(127, 100);
    CHECK(sink.speech.size() == 1);
    talk(127, 1200);  // silence
    REQUIRE(sink.speech.size() == 2);
    CHECK_FALSE(std::get<2>(sink.speech[1]));
    talk(20, 1200);
    REQUIRE(sink.speech.size() == 3);
    CHECK(std::get<2>(sink.speech[2]));
    // Packets stop (muted, or DTX): the sweep ends the speech.
    h.now += 2'000'000;
    h.sfu->expire(h.now);
    REQUIRE(sink.speech.size() == 4);
    CHECK_FALSE(std::get<2>(sink.speech[3]));
    CHECK(h.count(shm::Counter::SfuSpeakingChanges) == 4);
}

TEST_CASE("SFU across lcores: plaintext relayed once, NACK, PLI and SR across", "[sfu][stack][relay]") {
    // Lcore 0 holds the publisher and a local subscriber; lcore 1 a subscriber of the same track.
    Harness a;
    Harness b;
    TestSink& sink_a = a.sink;
    TestSink& sink_b = b.sink;
    b.sfu = std::make_unique<sfu::Sfu>(kSfu.port, sfu::SfuLimits{}, *b.counters, sink_b, 1);
    b.stack->set_sfu(b.sfu.get());
    Client pub{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "pub", 10};
    Client local{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001), test::mac("02:00:00:00:00:11"), "local", 20};
    Client far{Endpoint::from_v4(test::ip4("198.18.0.12"), 5002), test::mac("02:00:00:00:00:12"), "far", 30};
    a.add(1, pub);
    a.add(3, local);
    b.add(2, far);
    REQUIRE(a.sfu->add_publication(1, 0xC0, 9, 0, sfu::Codec::Vp8, 90000));
    REQUIRE(a.sfu->add_subscription(3, 9, 0x6001, 96, 0));
    CHECK_FALSE(a.sfu->set_relay(9, 0, true));  // not to itself
    CHECK_FALSE(b.sfu->add_remote_publication(9, 0, sfu::Codec::Vp8, 90000, 1));
    REQUIRE(a.sfu->set_relay(9, 1, true));
    REQUIRE(b.sfu->add_remote_publication(9, 0, sfu::Codec::Vp8, 90000, 0));
    REQUIRE(b.sfu->add_remote_publication(9, 0, sfu::Codec::Vp8, 90000, 0));  // idempotent
    REQUIRE(b.sfu->add_subscription(2, 9, 0x7001, 98, 0));
    connect(a, pub);
    connect(a, local);
    connect(b, far);

    // Hand lcore 0's relayed messages to lcore 1 and the other way round.
    auto pump = [&] {
        for (auto* pair : {&sink_a, &sink_b}) {
            Harness& to = pair == &sink_a ? b : a;
            auto msgs = std::move(pair->relayed);
            pair->relayed.clear();
            for (const auto& m : msgs) {
                CHECK(m.lcore == (pair == &sink_a ? 1u : 0u));
                to.sink.now = to.now;
                to.sfu->on_relayed(m.r, m.rtp.data(), m.rtp.size(), to.now);
            }
        }
    };
    auto received = [&](Harness& h, const Client& c, std::size_t& seen) {
        std::vector<test::Bytes> rtp;
        for (; seen < h.sink.sent.size(); ++seen) {
            Udp u = udp_of(h.sink.sent[seen]);
            if (u.dst == c.at && std::to_integer<uint8_t>(u.payload[1]) < 200) {
                rtp.push_back(open_rtp(c, u.payload));
            }
        }
        return rtp;
    };
    const test::Bytes key = test::hex("90 80 8123 10 9d012a 0a0b0c");
    const test::Bytes inter = test::hex("90 80 8124 11 0102 0304");
    test::Bytes out;
    REQUIRE(a.deliver(pub, kSfu, pub.srtp(0xC0, 500, 9000, key), out) == dp::Verdict::Consumed);
    a.now += 33'000;
    REQUIRE(a.deliver(pub, kSfu, pub.srtp(0xC0, 501, 12000, inter), out) == dp::Verdict::Consumed);
    a.now += 33'000;
    REQUIRE(a.deliver(pub, kSfu, pub.srtp(0xC0, 503, 18000, inter), out) == dp::Verdict::Consumed);  // 502 lost
    // Decrypted once on lcore 0: one plaintext copy per packet for lcore 1, whatever its subscribers.
    REQUIRE(sink_a.relayed.size() == 3);
    CHECK(sink_a.relayed[0].r.kind == sfu::Relayed::Kind::Rtp);
    CHECK(sink_a.relayed[0].r.keyframe == 1);
    CHECK(sink_a.relayed[1].r.keyframe == 0);
    CHECK(sink_a.relayed[0].r.track == 9);
    CHECK(sink_a.relayed[0].r.ssrc == 0xC0);
    CHECK(sink_a.relayed[0].r.from == 0);
    CHECK(std::equal(key.begin(), key.end(), sink_a.relayed[0].rtp.end() - static_cast<std::ptrdiff_t>(key.size())));
    CHECK(a.count(shm::Counter::SfuRelayed) == 3);
    b.now = a.now;
    pump();
    std::size_t seen_local = 0;
    std::size_t seen_far = 0;
    const auto at_local = received(a, local, seen_local);
    const auto at_far = received(b, far, seen_far);
    REQUIRE(at_local.size() == 3);
    REQUIRE(at_far.size() == 3);
    std::vector<uint16_t> far_seqs;
    for (const auto& p : at_far) {
        RtpView v;
        Error why{};
        REQUIRE(parse_rtp(p, v, why));
        CHECK(v.ssrc == 0x7001);  // the far subscriber's own SSRC and payload type
        CHECK(v.payload_type == 98);
        far_seqs.push_back(v.seq);
    }
    CHECK(static_cast<uint16_t>(far_seqs[2] - far_seqs[1]) == 2);  // the loss stays a gap
    CHECK(test::Bytes(at_far[0].end() - static_cast<std::ptrdiff_t>(key.size()), at_far[0].end()) == key);

    // The far subscriber NACKs a packet (as if lost on its way): lcore 1 answers from its own
    // copy of the relayed plaintext, byte for byte what it sent the first time.
    const uint16_t nacked = far_seqs[1];
    test::Bytes first_time;
    for (const auto& f : b.sink.sent) {
        Udp u = udp_of(f);
        if (u.dst == far.at && load_u16be(u.payload.data() + 2) == nacked) {
            first_time = u.payload;
        }
    }
    REQUIRE_FALSE(first_time.empty());
    b.now += 10'000;
    REQUIRE(b.deliver(far, kSfu, far.srtcp([&](ByteWriter& w) { rtcp::write_nack(w, 0x99, 0x7001, &nacked, 1); }), out) ==
            dp::Verdict::Consumed);
    REQUIRE(b.sink.sent.size() == seen_far + 1);
    CHECK(udp_of(b.sink.sent.back()).payload == first_time);
    seen_far = b.sink.sent.size();
    CHECK(b.count(shm::Counter::SfuNackResent) == 1);
    CHECK(a.count(shm::Counter::SfuNackResent) == 0);

    // Its PLI goes back to lcore 0, which asks the publisher for a keyframe.
    const std::size_t sent_before = a.sink.sent.size();
    REQUIRE(b.deliver(far, kSfu, far.srtcp([&](ByteWriter& w) { rtcp::write_pli(w, 0x99, 0x7001); }), out) ==
            dp::Verdict::Consumed);
    REQUIRE(sink_b.relayed.size() == 1);
    CHECK(sink_b.relayed[0].r.kind == sfu::Relayed::Kind::KeyframeRequest);
    pump();
    REQUIRE(a.sink.sent.size() == sent_before + 1);
    CHECK(udp_of(a.sink.sent.back()).dst == pub.at);
    CHECK(a.count(shm::Counter::SfuPliSent) == 1);
    // A second PLI right after is throttled on lcore 1 already.
    REQUIRE(b.deliver(far, kSfu, far.srtcp([&](ByteWriter& w) { rtcp::write_pli(w, 0x99, 0x7001); }), out) ==
            dp::Verdict::Consumed);
    CHECK(sink_b.relayed.empty());

    // The publisher's sender report reaches the far subscriber translated.
    REQUIRE(a.deliver(pub, kSfu, pub.srtcp([&](ByteWriter& w) { rtcp::write_sr(w, 0xC0, 0x0102030405060708ULL, 18000, 3, 30, nullptr, 0); }), out) ==
            dp::Verdict::Consumed);
    REQUIRE(sink_a.relayed.size() == 1);
    CHECK(sink_a.relayed[0].r.kind == sfu::Relayed::Kind::SenderReport);
    const std::size_t far_frames = b.sink.sent.size();
    pump();
    REQUIRE(b.sink.sent.size() == far_frames + 1);
    {
        Udp u = udp_of(b.sink.sent.back());
        CHECK(u.dst == far.at);
        test::Bytes p(u.payload.begin(), u.payload.end());
        std::size_t n = 0;
        REQUIRE(far.rx->unprotect_rtcp(p.data(), p.size(), n) == srtp::Status::Ok);
        CHECK(load_u32be(p.data() + 4) == 0x7001);  // as the far subscriber's stream
        CHECK(load_u32be(p.data() + 8) == 0x01020304U);
    }

    // A full ring drops (counted); the subscriber leaving lcore 1 ends its relayed track there.
    sink_a.refuse_relay = true;
    a.now += 33'000;
    REQUIRE(a.deliver(pub, kSfu, pub.srtp(0xC0, 504, 21000, inter), out) == dp::Verdict::Consumed);
    CHECK(a.count(shm::Counter::SfuRelayDropped) == 1);
    sink_a.refuse_relay = false;
    REQUIRE(b.sfu->remove_transport(2));
    a.now += 33'000;
    REQUIRE(a.deliver(pub, kSfu, pub.srtp(0xC0, 505, 24000, inter), out) == dp::Verdict::Consumed);
    const uint64_t unknown = b.count(shm::Counter::SfuDropUnknown);
    pump();
    CHECK(b.count(shm::Counter::SfuDropUnknown) == unknown + 1);
    // Turned off: nothing more crosses.
    REQUIRE(a.sfu->set_relay(9, 1, false));
    a.now += 33'000;
    REQUIRE(a.deliver(pub, kSfu, pub.srtp(0xC0, 506, 27000, inter), out) == dp::Verdict::Consumed);
    CHECK(sink_a.relayed.empty());
}

TEST_CASE("SFU behind another worker's TURN relay: datagrams cross as UDP between our addresses", "[sfu][stack][turn][steering]") {
    // Two workers; this is worker 0 (media port 20000, relay ports 50000-50049). A client relayed
    // by worker 1's allocation (50060) has its SFU transport here: what the SFU sends it is
    // framed from our media port to that relayed address and handed to worker 1, whose TURN
    // sends it on.
    Harness h;
    h.turn = std::make_unique<dp::TurnServer>(h.turn_cfg, *h.policy, 0, 2, *h.counters, 1'800'000'000,
                                              as_bytes("nonce-secret", 12));
    h.stack = std::make_unique<dp::Stack>(h.ifc, h.services, h.neighbors, *h.counters, h.turn.get(), 1'000'000);
    h.sink.stack = h.stack.get();
    h.stack->set_owner(0, 2);
    h.stack->set_sfu(h.sfu.get());
    const Endpoint relayed = Endpoint::from_v4(kSfu.v4, 50060);
    std::vector<std::byte> buf(2048);
    const test::Bytes dtls = test::hex("16fefd 0000000000000000 0003 aabbcc");
    std::memcpy(buf.data() + 256, dtls.data(), dtls.size());
    dp::Frame f{buf.data() + 256, static_cast<uint32_t>(dtls.size()), 2048 - 256, 256};
    REQUIRE(h.stack->emit_media(f, buf.data() + 256, dtls.size(), MacAddr{}, kSfu, relayed, h.now) == dp::Verdict::Handoff);
    CHECK(h.stack->handoff_target() == 1);
    const Udp u = udp_of(test::Bytes(f.data, f.data + f.len));
    CHECK(u.src == kSfu);
    CHECK(u.dst == relayed);
    CHECK(u.payload == dtls);
    CHECK(parse_ethernet(test::Bytes(f.data, f.data + f.len))->dst == kUs);  // as if from the wire, to us
    // Worker 0's own relayed addresses stay with it (no allocation there: dropped, counted).
    dp::Frame g{buf.data() + 256, static_cast<uint32_t>(dtls.size()), 2048 - 256, 256};
    std::memcpy(buf.data() + 256, dtls.data(), dtls.size());
    CHECK(h.stack->emit_media(g, buf.data() + 256, dtls.size(), MacAddr{}, kSfu, Endpoint::from_v4(kSfu.v4, 50010), h.now) ==
          dp::Verdict::Drop);
    CHECK(h.count(shm::Counter::TurnDropNoAllocation) == 1);
}

TEST_CASE("SFU: a transport on a UDP port of its own (services.transport_ports)", "[sfu][stack][ports]") {
    Harness h;
    h.sfu->set_transport_ports(30000, 30099);
    Client own{Endpoint::from_v4(test::ip4("198.18.0.10"), 5000), test::mac("02:00:00:00:00:10"), "own", 10};
    Client shared{Endpoint::from_v4(test::ip4("198.18.0.11"), 5001), test::mac("02:00:00:00:00:11"), "shared", 20};
    CHECK_FALSE(h.sfu->add_transport(9, "x", "y", 0, 31000));  // not this lcore's slice
    REQUIRE(h.sfu->add_transport(1, own.sfu_ufrag, own.pwd, 0, 30007));
    CHECK_FALSE(h.sfu->add_transport(8, "z", "w", 0, 30007));  // taken
    REQUIRE(h.sfu->add_transport(2, shared.sfu_ufrag, shared.pwd));
    REQUIRE(h.sfu->set_keys(1, own.to_sfu, own.from_sfu));
    REQUIRE(h.sfu->set_keys(2, shared.to_sfu, shared.from_sfu));
    CHECK(h.sfu->serves(20000));
    CHECK(h.sfu->serves(30007));
    CHECK_FALSE(h.sfu->serves(30008));  // in the range, nobody's
    const Endpoint own_port = Endpoint::from_v4(kSfu.v4, 30007);
    test::Bytes out;
    // Its checks count on its own port only; the shared transport's on the shared port only.
    CHECK(h.deliver(own, kSfu, own.ice_check(1), out) == dp::Verdict::Drop);
    REQUIRE(h.deliver(own, own_port, own.ice_check(2), out) == dp::Verdict::Transmit);
    {
        const Udp u = udp_of(out);
        CHECK(u.src == own_port);  // answered from the port it was asked on
        CHECK(u.dst == own.at);
    }
    CHECK(h.deliver(shared, own_port, shared.ice_check(3), out) == dp::Verdict::Drop);
    connect(h, shared);
    CHECK(h.count(shm::Counter::SfuStunRejected) == 2);
    // Media both ways: the publisher on its own port, the subscriber on the shared one.
    REQUIRE(h.sfu->add_publication(1, 0xE0, 3, 0, sfu::Codec::Opus, 48000));
    REQUIRE(h.sfu->add_subscription(2, 3, 0x7E0, 111, 0));
    REQUIRE(h.deliver(own, own_port, own.srtp(0xE0, 1, 960, test::hex("fcff")), out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 1);
    CHECK(udp_of(h.sink.sent[0]).src == kSfu);
    CHECK(udp_of(h.sink.sent[0]).dst == shared.at);
    // A subscriber on its own port gets media from that port.
    REQUIRE(h.sfu->add_subscription(1, 3, 0x7E1, 111, 0));
    REQUIRE(h.deliver(own, own_port, own.srtp(0xE0, 2, 1920, test::hex("fcff")), out) == dp::Verdict::Consumed);
    REQUIRE(h.sink.sent.size() == 3);
    bool from_own = false;
    for (std::size_t i = 1; i < 3; ++i) {
        const Udp u = udp_of(h.sink.sent[i]);
        from_own = from_own || (u.dst == own.at && u.src == own_port);
    }
    CHECK(from_own);
    // Removed: its port is free again and no longer served.
    REQUIRE(h.sfu->remove_transport(1));
    CHECK_FALSE(h.sfu->serves(30007));
    CHECK(h.sfu->add_transport(7, "again", "pwd-again-0123456789", 0, 30007));
}
