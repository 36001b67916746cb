#include "common/wire/rtcp.hpp"
#include "dataplane/sfu/egress.hpp"
#include "dataplane/sfu/rtcp_out.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

using namespace tern;
using namespace tern::sfu;

namespace {

/// Keeps what is sent, by destination.
struct Captured final : MediaSink {
    std::vector<std::unique_ptr<std::vector<std::byte>>> bufs;
    std::vector<std::pair<wire::Endpoint, test::Bytes>> sent;
    bool out_of_buffers = false;
    bool alloc(Buf& b) noexcept override {
        if (out_of_buffers) {
            return false;
        }
        bufs.push_back(std::make_unique<std::vector<std::byte>>(2048));
        b.payload = bufs.back()->data();
        b.room = 2048;
        b.handle = bufs.back().get();
        return true;
    }
    void send(Buf& b, std::size_t len, const wire::MacAddr&, const wire::Endpoint&,
              const wire::Endpoint& dst) noexcept override {
        sent.emplace_back(dst, test::Bytes(b.payload, b.payload + len));
    }
    void discard(Buf&) noexcept override {}
    bool punt(uint64_t, ByteSpan) noexcept override { return true; }
    void transport_up(uint64_t, const wire::Endpoint&, bool) noexcept override {}
};

srtp::MasterKey key(uint8_t seed, srtp::Suite suite = srtp::Suite::AeadAes256Gcm) {
    srtp::MasterKey k;
    k.suite = suite;
    for (std::size_t i = 0; i < k.key.size(); ++i) {
        k.key[i] = static_cast<uint8_t>(seed + i);
    }
    k.salt.fill(seed);
    return k;
}

/// A connected transport sending with `k`, and the receiver's context for it.
struct Leg {
    Transport t;
    std::unique_ptr<srtp::Context> rx;
    explicit Leg(srtp::Suite suite = srtp::Suite::AeadAes256Gcm) {
        t.connected = true;
        t.remote = wire::Endpoint::from_v4(test::ip4("198.18.0.11"), 5001);
        t.rtcp_ssrc = 0xabcd;
        t.tx = std::make_unique<srtp::Context>(key(5, suite), srtp::Direction::Protect);
        rx = std::make_unique<srtp::Context>(key(5, suite), srtp::Direction::Unprotect);
    }
    test::Bytes open_rtp(test::Bytes p) const {
        std::size_t n = 0;
        REQUIRE(rx->unprotect_rtp(p.data(), p.size(), n) == srtp::Status::Ok);
        p.resize(n);
        return p;
    }
};

const test::Bytes kRtp = test::hex("80 60 0064 00002328 00001111 0a0b0c0d0e");  // seq 100, ts 9000

}  // namespace

TEST_CASE("egress: an RTP copy rewritten for its subscriber, with our abs-send-time",
          "[sfu][egress]") {
    auto counters_owner = std::make_unique<shm::LcoreCounters>();
    shm::LcoreCounters& counters = *counters_owner;
    Captured sink;
    Egress out{sink, counters};
    Leg leg;
    const std::size_t hl = rtp_header_len(kRtp.data(), kRtp.size());
    REQUIRE(hl == 12);
    REQUIRE(out.send_rtp(leg.t, kRtp.data(), hl, kRtp.size(),
                         Egress::RtpOut{97, 0x5001, 7, 1234, 0x123456}));
    REQUIRE(sink.sent.size() == 1);
    CHECK(sink.sent[0].first == leg.t.remote);
    const test::Bytes rtp = leg.open_rtp(sink.sent[0].second);
    wire::RtpView v;
    wire::Error why{};
    REQUIRE(wire::parse_rtp(rtp, v, why));
    CHECK(v.payload_type == 97);
    CHECK(v.seq == 7);
    CHECK(v.timestamp == 1234);
    CHECK(v.ssrc == 0x5001);
    ByteSpan abs;
    REQUIRE(wire::find_rtp_extension(v, wire::ext::kOutAbsSendTime, abs));
    CHECK(abs.size() == 3);
    CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == test::hex("0a0b0c0d0e"));
    // No buffer: counted, nothing sent.
    sink.out_of_buffers = true;
    CHECK_FALSE(
        out.send_rtp(leg.t, kRtp.data(), hl, kRtp.size(), Egress::RtpOut{97, 0x5001, 8, 1234, 0}));
    CHECK(counters.v[static_cast<std::size_t>(shm::Counter::DropNoMbuf)].load() == 1);
}

TEST_CASE("egress: RTX (RFC 4588) carries the original sequence number before the payload",
          "[sfu][egress]") {
    auto counters_owner = std::make_unique<shm::LcoreCounters>();
    shm::LcoreCounters& counters = *counters_owner;
    Captured sink;
    Egress out{sink, counters};
    Leg leg;
    uint16_t rtx_seq = 40;
    REQUIRE(out.send_rtx(leg.t, kRtp.data(), kRtp.size(), Egress::RtpOut{98, 0x6001, 0, 1234, 0},
                         rtx_seq, 7));
    CHECK(rtx_seq == 41);
    REQUIRE(sink.sent.size() == 1);
    const test::Bytes rtp = leg.open_rtp(sink.sent[0].second);
    wire::RtpView v;
    wire::Error why{};
    REQUIRE(wire::parse_rtp(rtp, v, why));
    CHECK(v.payload_type == 98);
    CHECK(v.seq == 40);
    CHECK(v.ssrc == 0x6001);
    CHECK(v.timestamp == 1234);
    CHECK(test::Bytes(v.payload.begin(), v.payload.end()) == test::hex("0007 0a0b0c0d0e"));
    // A padded packet is not resent as RTX (its padding would have to move), and uses no number.
    test::Bytes padded = kRtp;
    padded[0] = std::byte{0xa0};
    CHECK_FALSE(out.send_rtx(leg.t, padded.data(), padded.size(),
                             Egress::RtpOut{98, 0x6001, 0, 1234, 0}, rtx_seq, 8));
    CHECK(rtx_seq == 41);
}

TEST_CASE("egress: RTCP written straight into its buffer, protected, sent; not before keys",
          "[sfu][egress][rtcp]") {
    auto counters_owner = std::make_unique<shm::LcoreCounters>();
    shm::LcoreCounters& counters = *counters_owner;
    Captured sink;
    Egress out{sink, counters};
    Leg leg;
    REQUIRE(send_pli(out, leg.t, 0x1111));
    REQUIRE(sink.sent.size() == 1);
    test::Bytes p = sink.sent[0].second;
    std::size_t n = 0;
    REQUIRE(leg.rx->unprotect_rtcp(p.data(), p.size(), n) == srtp::Status::Ok);
    std::vector<uint32_t> asked;
    wire::Error why{};
    REQUIRE(wire::rtcp::for_each(
        ByteSpan{p}.first(n),
        [&](const wire::rtcp::Packet& pkt) {
            CHECK(pkt.ssrc == 0xabcd);
            wire::rtcp::for_each_keyframe_request(pkt, [&](uint32_t m) { asked.push_back(m); });
        },
        why));
    CHECK(asked == std::vector<uint32_t>{0x1111});
    // Nothing written: nothing sent.
    CHECK_FALSE(out.send_rtcp(leg.t, 64, [](ByteWriter&) { return false; }));
    // Not reachable yet: nothing is even allocated.
    leg.t.connected = false;
    CHECK_FALSE(send_pli(out, leg.t, 0x1111));
    CHECK(sink.sent.size() == 1);
    CHECK(sink.bufs.size() == 2);
}

TEST_CASE("egress: AES-CM packets wait for their tags and leave by flush()",
          "[sfu][egress][srtp]") {
    auto counters_owner = std::make_unique<shm::LcoreCounters>();
    shm::LcoreCounters& counters = *counters_owner;
    Captured sink;
    Egress out{sink, counters};
    Leg leg{srtp::Suite::AesCm128HmacSha1_80};
    const std::size_t hl = rtp_header_len(kRtp.data(), kRtp.size());
    for (uint16_t seq = 1; seq <= 3; ++seq) {
        REQUIRE(out.send_rtp(leg.t, kRtp.data(), hl, kRtp.size(),
                             Egress::RtpOut{97, 0x5001, seq, 1234, 0}));
    }
    Egress::flush();
    REQUIRE(sink.sent.size() == 3);
    for (const auto& [dst, p] : sink.sent) {
        (void)leg.open_rtp(p);  // the tags check
    }
}
