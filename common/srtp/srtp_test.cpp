// SRTP/SRTCP: RFC 3711 and RFC 7714 vectors, and bit-exact interoperation with libsrtp2 (the
// reference implementation, Debian's build) in both directions for every suite, across a
// rollover of the sequence number; replay protection and tampering.
#include "common/srtp/srtp.hpp"
#include "common/wire/rtp.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>
#include <srtp2/srtp.h>

#include <random>
#include <vector>

using namespace tern;
using namespace tern::srtp;

namespace {

MasterKey master(Suite suite, const test::Bytes& key, const test::Bytes& salt) {
    MasterKey mk;
    mk.suite = suite;
    std::memcpy(mk.key.data(), key.data(), key.size());
    std::memcpy(mk.salt.data(), salt.data(), salt.size());
    return mk;
}

test::Bytes bytes_of(const uint8_t* p, std::size_t n) {
    return {reinterpret_cast<const std::byte*>(p), reinterpret_cast<const std::byte*>(p) + n};
}

/// A libsrtp2 session for one direction with the same master key.
struct Reference {
    srtp_t session = nullptr;
    Reference(const MasterKey& mk, bool outbound) {
        static const bool init = srtp_init() == srtp_err_status_ok;
        REQUIRE(init);
        srtp_policy_t p{};
        switch (mk.suite) {
        case Suite::AesCm128HmacSha1_80:
            srtp_crypto_policy_set_rtp_default(&p.rtp);
            srtp_crypto_policy_set_rtcp_default(&p.rtcp);
            break;
        case Suite::AeadAes128Gcm:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
            break;
        case Suite::AeadAes256Gcm:
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtp);
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtcp);
            break;
        }
        const SuiteInfo& si = info(mk.suite);
        key.assign(mk.key.begin(), mk.key.begin() + static_cast<std::ptrdiff_t>(si.key_len));
        key.insert(key.end(), mk.salt.begin(),
                   mk.salt.begin() + static_cast<std::ptrdiff_t>(si.salt_len));
        p.key = key.data();
        p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
        p.window_size = 128;
        REQUIRE(srtp_create(&session, &p) == srtp_err_status_ok);
    }
    ~Reference() { srtp_dealloc(session); }
    std::vector<uint8_t> key;
};

/// An RTP packet with CSRCs and a one-byte header extension on some, random payload sizes.
test::Bytes rtp_packet(std::mt19937& rng, uint32_t ssrc, uint16_t seq, std::size_t payload) {
    const bool ext = rng() % 2 == 0;
    const uint8_t cc = static_cast<uint8_t>(rng() % 3);
    test::Bytes p;
    p.push_back(std::byte(0x80 | (ext ? 0x10 : 0) | cc));
    p.push_back(std::byte(96 | (rng() % 2 ? 0x80 : 0)));
    p.push_back(std::byte(seq >> 8));
    p.push_back(std::byte(seq & 0xff));
    const uint32_t ts = rng();
    for (int i = 3; i >= 0; --i) {
        p.push_back(std::byte(ts >> (8 * i)));
    }
    for (int i = 3; i >= 0; --i) {
        p.push_back(std::byte(ssrc >> (8 * i)));
    }
    for (uint8_t c = 0; c < cc; ++c) {
        for (int i = 0; i < 4; ++i) {
            p.push_back(std::byte(rng()));
        }
    }
    if (ext) {  // mid (id 1) and audio level (id 3), RFC 8285 one-byte form, 2 words
        for (uint8_t b : {0xbe, 0xde, 0x00, 0x02, 0x10, 0x31, 0x30, 0x80 | 42, 0, 0, 0, 0}) {
            p.push_back(std::byte(b));
        }
    }
    for (std::size_t i = 0; i < payload; ++i) {
        p.push_back(std::byte(rng()));
    }
    return p;
}

test::Bytes rtcp_packet(std::mt19937& rng, uint32_t ssrc) {
    // A sender report with one report block.
    test::Bytes p = test::hex("81c8000c");
    for (int i = 3; i >= 0; --i) {
        p.push_back(std::byte(ssrc >> (8 * i)));
    }
    for (int i = 0; i < 44; ++i) {
        p.push_back(std::byte(rng()));
    }
    return p;
}

}  // namespace

TEST_CASE("SRTP: key derivation, RFC 3711 appendix B.3", "[srtp]") {
    const MasterKey mk =
        master(Suite::AesCm128HmacSha1_80, test::hex("E1F97A0D3E018BE0D64FA32C06DE4139"),
               test::hex("0EC675AD498AFEEBB6960B3AABE6"));
    const SessionKeys k = session_keys(mk, false);
    CHECK(bytes_of(k.key.data(), 16) == test::hex("C61E7A93744F39EE10734AFE3FF7A087"));
    CHECK(bytes_of(k.salt.data(), 14) == test::hex("30CBBC08863D8C85D49DB34A9AE1"));
    CHECK(bytes_of(k.auth.data(), 20) == test::hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
}

TEST_CASE("SRTP: key derivation for AES-GCM's 96-bit salt (RFC 7714 §11)", "[srtp]") {
    // The master key and salt of the RFC 9335 appendix A.2 examples and the session keys they
    // print.
    const MasterKey mk = master(Suite::AeadAes128Gcm, test::hex("000102030405060708090a0b0c0d0e0f"),
                                test::hex("a0a1a2a3a4a5a6a7a8a9aaab"));
    const SessionKeys rtp = session_keys(mk, false);
    CHECK(bytes_of(rtp.key.data(), 16) == test::hex("077c6143cb221bc355ff23d5f984a16e"));
    CHECK(bytes_of(rtp.salt.data(), 12) == test::hex("9af3e95364ebac9c99c5a7c4"));
    const SessionKeys rtcp = session_keys(mk, true);
    CHECK(bytes_of(rtcp.key.data(), 16) == test::hex("615dcd9042600666f6fd4d9e4fe4519f"));
    CHECK(bytes_of(rtcp.salt.data(), 12) == test::hex("fcca937b9112a500dac72269"));
}

TEST_CASE("SRTP: RFC 7714 §16.1 AEAD_AES_128_GCM packet", "[srtp]") {
    SessionKeys sk;
    const auto key = test::hex("000102030405060708090a0b0c0d0e0f");
    const auto salt = test::hex("517569642070726f2071756f");
    std::memcpy(sk.key.data(), key.data(), 16);
    std::memcpy(sk.salt.data(), salt.data(), 12);
    const auto plain = test::hex(
        "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070"
        "61727465 73207472 6573");
    const auto sealed = test::hex(
        "8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a"
        "51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce");
    Context tx{Suite::AeadAes128Gcm, sk, sk, Direction::Protect};
    std::vector<std::byte> buf(plain.begin(), plain.end());
    buf.resize(plain.size() + 16);
    std::size_t n = 0;
    REQUIRE(tx.protect_rtp(buf.data(), plain.size(), buf.size(), n) == Status::Ok);
    CHECK(test::Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)) == sealed);

    Context rx{Suite::AeadAes128Gcm, sk, sk, Direction::Unprotect};
    REQUIRE(rx.unprotect_rtp(buf.data(), n, n) == Status::Ok);
    CHECK(test::Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)) == plain);
}

TEST_CASE("SRTP: bit-exact with libsrtp2 both ways, every suite, across a rollover", "[srtp]") {
    std::mt19937 rng{7};
    for (Suite suite : {Suite::AesCm128HmacSha1_80, Suite::AeadAes128Gcm, Suite::AeadAes256Gcm}) {
        INFO(info(suite).name);
        MasterKey mk;
        mk.suite = suite;
        for (auto& b : mk.key) {
            b = static_cast<uint8_t>(rng());
        }
        for (auto& b : mk.salt) {
            b = static_cast<uint8_t>(rng());
        }
        Context ours_tx{mk, Direction::Protect};
        Context ours_rx{mk, Direction::Unprotect};
        Reference ref_tx{mk, true};
        Reference ref_rx{mk, false};
        const uint32_t ssrc = 0x11223344;
        // Start near the wrap so the rollover counter goes from 0 to 1 on the way.
        for (uint32_t i = 0; i < 40; ++i) {
            const auto seq = static_cast<uint16_t>(65520 + i);
            const test::Bytes pkt = rtp_packet(rng, ssrc, seq, 1 + rng() % 1200);
            // ours -> libsrtp
            std::vector<std::byte> a(pkt.begin(), pkt.end());
            a.resize(pkt.size() + 64);
            std::size_t n = 0;
            REQUIRE(ours_tx.protect_rtp(a.data(), pkt.size(), a.size(), n) == Status::Ok);
            // libsrtp's protect of the same packet must be byte-identical.
            std::vector<std::byte> b(pkt.begin(), pkt.end());
            b.resize(pkt.size() + 64);
            int bl = static_cast<int>(pkt.size());
            REQUIRE(srtp_protect(ref_tx.session, b.data(), &bl) == srtp_err_status_ok);
            REQUIRE(static_cast<std::size_t>(bl) == n);
            REQUIRE(std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin()));
            int al = static_cast<int>(n);
            REQUIRE(srtp_unprotect(ref_rx.session, a.data(), &al) == srtp_err_status_ok);
            REQUIRE(test::Bytes(a.begin(), a.begin() + al) == pkt);
            // libsrtp -> ours
            std::size_t m = 0;
            REQUIRE(ours_rx.unprotect_rtp(b.data(), static_cast<std::size_t>(bl), m) == Status::Ok);
            REQUIRE(test::Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(m)) == pkt);
        }
        uint32_t roc = 0;
        REQUIRE(ours_rx.roc(ssrc, roc));
        CHECK(roc == 1);
        // SRTCP both ways.
        for (int i = 0; i < 5; ++i) {
            const test::Bytes pkt = rtcp_packet(rng, ssrc);
            std::vector<std::byte> a(pkt.begin(), pkt.end());
            a.resize(pkt.size() + 64);
            std::size_t n = 0;
            REQUIRE(ours_tx.protect_rtcp(a.data(), pkt.size(), a.size(), n) == Status::Ok);
            std::vector<std::byte> b(pkt.begin(), pkt.end());
            b.resize(pkt.size() + 64);
            int bl = static_cast<int>(pkt.size());
            REQUIRE(srtp_protect_rtcp(ref_tx.session, b.data(), &bl) == srtp_err_status_ok);
            REQUIRE(static_cast<std::size_t>(bl) == n);
            INFO("ours " << test::to_hex(
                                test::Bytes(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n)))
                         << "\nlibsrtp " << test::to_hex(test::Bytes(b.begin(), b.begin() + bl)));
            REQUIRE(std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin()));
            int al = static_cast<int>(n);
            REQUIRE(srtp_unprotect_rtcp(ref_rx.session, a.data(), &al) == srtp_err_status_ok);
            REQUIRE(test::Bytes(a.begin(), a.begin() + al) == pkt);
            std::size_t m = 0;
            REQUIRE(ours_rx.unprotect_rtcp(b.data(), static_cast<std::size_t>(bl), m) ==
                    Status::Ok);
            REQUIRE(test::Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(m)) == pkt);
        }
    }
}

TEST_CASE("SRTP: replay protection, reordering within the window, tampering", "[srtp]") {
    std::mt19937 rng{11};
    for (Suite suite : {Suite::AesCm128HmacSha1_80, Suite::AeadAes256Gcm}) {
        INFO(info(suite).name);
        MasterKey mk;
        mk.suite = suite;
        mk.key.fill(0x42);
        mk.salt.fill(0x24);
        Context tx{mk, Direction::Protect};
        Context rx{mk, Direction::Unprotect};
        std::vector<std::vector<std::byte>> sealed;
        for (uint16_t seq = 1000; seq < 1300; ++seq) {
            const test::Bytes pkt = rtp_packet(rng, 7, seq, 100);
            std::vector<std::byte> a(pkt.begin(), pkt.end());
            a.resize(pkt.size() + 16);
            std::size_t n = 0;
            REQUIRE(tx.protect_rtp(a.data(), pkt.size(), a.size(), n) == Status::Ok);
            a.resize(n);
            sealed.push_back(a);
        }
        auto open = [&](std::size_t i) {
            auto copy = sealed[i];
            std::size_t n = 0;
            return rx.unprotect_rtp(copy.data(), copy.size(), n);
        };
        CHECK(open(200) == Status::Ok);
        CHECK(open(199) == Status::Ok);               // late but inside the window
        CHECK(open(200) == Status::ReplayDuplicate);  // the same packet again
        CHECK(open(199) == Status::ReplayDuplicate);
        CHECK(open(50) == Status::ReplayOld);  // 150 behind: outside the 128 window
        CHECK(open(299) == Status::Ok);
        CHECK(open(180) == Status::Ok);  // 119 behind the new highest: still inside
        // A flipped bit anywhere (header, payload, tag) fails authentication; nothing is
        // recorded, so the genuine packet still passes afterwards.
        for (std::size_t at : {std::size_t{1}, std::size_t{30}, sealed[250].size() - 1}) {
            auto bad = sealed[250];
            bad[at] ^= std::byte{0x01};
            std::size_t n = 0;
            CHECK(rx.unprotect_rtp(bad.data(), bad.size(), n) == Status::AuthFailed);
        }
        CHECK(open(250) == Status::Ok);
    }
}

TEST_CASE("SRTP: sender and receiver stay in step when a number jumps back past the start",
          "[srtp]") {
    // Found by fuzzing: a sender that saw 0x00ff first, then 0xffff (which a receiver reads as
    // the previous rollover, before the stream began) must not move its own state for it.
    std::mt19937 rng{5};
    MasterKey mk;
    mk.suite = Suite::AeadAes256Gcm;
    Context tx{mk, Direction::Protect};
    Context rx{mk, Direction::Unprotect};
    for (uint16_t seq : {uint16_t{0x00ff}, uint16_t{0xffff}, uint16_t{0x0100}, uint16_t{0x0101}}) {
        const auto pkt = rtp_packet(rng, 0xffffffff, seq, 40);
        std::vector<std::byte> a(pkt.begin(), pkt.end());
        a.resize(pkt.size() + 16);
        std::size_t n = 0;
        REQUIRE(tx.protect_rtp(a.data(), pkt.size(), a.size(), n) == Status::Ok);
        std::size_t m = 0;
        const Status st = rx.unprotect_rtp(a.data(), n, m);
        if (seq == 0xffff) {
            CHECK(st == Status::ReplayOld);
        } else {
            REQUIRE(st == Status::Ok);
            CHECK(test::Bytes(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(m)) == pkt);
        }
    }
}

TEST_CASE("SRTP: malformed input is refused, never read out of bounds", "[srtp]") {
    MasterKey mk;
    mk.suite = Suite::AeadAes128Gcm;
    Context rx{mk, Direction::Unprotect};
    Context tx{mk, Direction::Protect};
    std::size_t n = 0;
    for (const char* hex :
         {"", "80", "800f1235decafbadcafebabe",
          "400f1235decafbadcafebabe00112233445566778899aabbccddeeff",
          "9f0f1235decafbadcafebabe00112233445566778899aabbccddeeff",  // 15 CSRCs announced
          "900f1235decafbadcafebabebede00ff00112233445566778899aabbccddeeff"}) {  // long extension
        auto p = test::hex(hex);
        p.resize(p.size() + 32);
        CHECK(rx.unprotect_rtp(p.data(), p.size() - 32, n) != Status::Ok);
        CHECK(rx.unprotect_rtcp(p.data(), p.size() - 32, n) != Status::Ok);
    }
    auto p = test::hex("800f1235decafbadcafebabe0102");
    CHECK(tx.protect_rtp(p.data(), p.size(), p.size() + 4, n) == Status::NoRoom);
    CHECK(tx.protect_rtcp(p.data(), 4, 64, n) == Status::Malformed);
    // A context has a fixed number of streams.
    Context small{mk, Direction::Protect, 2};
    std::mt19937 rng{3};
    int refused = 0;
    for (uint32_t ssrc = 1; ssrc <= 8; ++ssrc) {
        auto pkt = rtp_packet(rng, ssrc, 1, 10);
        pkt.resize(pkt.size() + 16);
        refused +=
            small.protect_rtp(pkt.data(), pkt.size() - 16, pkt.size(), n) == Status::TooManyStreams;
    }
    CHECK(refused > 0);
    // Reserving room keeps the streams it has (their rollover counters and windows) and takes more.
    uint32_t roc = 99;
    REQUIRE(small.set_roc(1, 5, 100));
    small.reserve(16);
    CHECK(small.roc(1, roc));
    CHECK(roc == 5);
    refused = 0;
    for (uint32_t ssrc = 1; ssrc <= 16; ++ssrc) {
        auto pkt = rtp_packet(rng, ssrc, 200, 10);
        pkt.resize(pkt.size() + 16);
        refused += small.protect_rtp(pkt.data(), pkt.size() - 16, pkt.size(), n) != Status::Ok;
    }
    CHECK(refused == 0);
}

TEST_CASE("SRTP: protect from a separate payload gives the same bytes as in place", "[srtp]") {
    for (Suite suite : {Suite::AesCm128HmacSha1_80, Suite::AeadAes128Gcm, Suite::AeadAes256Gcm}) {
        const MasterKey mk = master(
            suite, test::hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
            test::hex("a0a1a2a3a4a5a6a7a8a9aaabacad"));
        Context in_place{mk, Direction::Protect};
        Context split{mk, Direction::Protect};
        // A header with an RFC 8285 extension, then 300 payload bytes.
        test::Bytes pkt = test::hex("90 60 1234 00010000 cafebabe bede0001 10 61 0000");
        const std::size_t hl = pkt.size();
        for (int i = 0; i < 300; ++i) {
            pkt.push_back(std::byte(static_cast<uint8_t>(i * 7)));
        }
        for (uint16_t seq : {uint16_t{0x1234}, uint16_t{0x1235}, uint16_t{0x1300}}) {
            store_u16be(pkt.data() + 2, seq);
            test::Bytes a = pkt;
            a.resize(pkt.size() + 32);
            std::size_t na = 0;
            REQUIRE(in_place.protect_rtp(a.data(), pkt.size(), a.size(), na) == Status::Ok);
            a.resize(na);
            test::Bytes b(pkt.begin(), pkt.begin() + static_cast<std::ptrdiff_t>(hl));
            b.resize(pkt.size() + 32);
            std::size_t nb = 0;
            REQUIRE(split.protect_rtp_from(b.data(), hl, pkt.data() + hl, pkt.size() - hl, b.size(),
                                           nb) == Status::Ok);
            b.resize(nb);
            CHECK(a == b);
        }
        // The header must be exactly one RTP header.
        test::Bytes c(pkt.begin(), pkt.begin() + static_cast<std::ptrdiff_t>(hl));
        c.resize(600);
        std::size_t nc = 0;
        CHECK(split.protect_rtp_from(c.data(), hl - 4, pkt.data() + hl, 10, c.size(), nc) ==
              Status::Malformed);
        CHECK(split.protect_rtp_from(c.data(), hl, pkt.data() + hl, 590, c.size(), nc) ==
              Status::NoRoom);
    }
}

namespace {
std::size_t wire_header_len(const test::Bytes& p) {
    wire::RtpView v;
    wire::Error why{};
    REQUIRE(wire::parse_rtp(p, v, why));
    return v.header_len;
}

/// Records the tokens of completed deferred tags, in order.
struct Done final : TagSink {
    std::vector<std::size_t> tokens;
    void tag_done(void* token) noexcept override {
        tokens.push_back(reinterpret_cast<std::size_t>(token));
    }
};
}  // namespace

TEST_CASE("SRTP: deferred (multi-buffer) tags give the same bytes as immediate ones, in order",
          "[srtp][tags]") {
    std::mt19937 rng(7);
    for (Suite suite : {Suite::AesCm128HmacSha1_80, Suite::AeadAes256Gcm}) {
        const MasterKey a = master(
            suite, test::hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
            test::hex("a0a1a2a3a4a5a6a7a8a9aaabacad"));
        const MasterKey b = master(
            suite, test::hex("f00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
            test::hex("b0a1a2a3a4a5a6a7a8a9aaabacad"));
        // Two senders (two keys, as two subscribers' transports), each checked against a twin
        // protecting at once; the deferred output must also open with libsrtp2.
        Context now_a{a, Direction::Protect}, now_b{b, Direction::Protect};
        Context later_a{a, Direction::Protect}, later_b{b, Direction::Protect};
        CHECK(later_a.defers_tags() == (suite == Suite::AesCm128HmacSha1_80 && tags::available()));
        Reference open_a{a, false}, open_b{b, false};
        Done done;
        constexpr std::size_t kPackets = 70;  // several rounds of 16 lanes and a partial one
        std::vector<test::Bytes> expect(kPackets), out(kPackets);
        for (std::size_t i = 0; i < kPackets; ++i) {
            const bool on_b = i % 3 == 0;
            const uint32_t ssrc = on_b ? 0x2222 : 0x1111 + static_cast<uint32_t>(i % 2);
            const test::Bytes pkt =
                rtp_packet(rng, ssrc, static_cast<uint16_t>(65530 + i), 20 + rng() % 1200);
            const std::size_t hl = wire_header_len(pkt);
            expect[i] = pkt;
            expect[i].resize(pkt.size() + 16);
            std::size_t n = 0;
            REQUIRE((on_b ? now_b : now_a)
                        .protect_rtp(expect[i].data(), pkt.size(), expect[i].size(), n) ==
                    Status::Ok);
            expect[i].resize(n);
            out[i].assign(pkt.begin(), pkt.begin() + static_cast<std::ptrdiff_t>(hl));
            out[i].resize(pkt.size() + 16);
            std::size_t m = 0;
            REQUIRE((on_b ? later_b : later_a)
                        .protect_rtp_deferred(out[i].data(), hl, ssrc,
                                              static_cast<uint16_t>(65530 + i), pkt.data() + hl,
                                              pkt.size() - hl, out[i].size(), m, done,
                                              reinterpret_cast<void*>(i)) == Status::Ok);
            CHECK(m == n);
            out[i].resize(m);  // (the vector's storage stays where it is: only shrinks)
        }
        if (later_a.defers_tags()) {
            CHECK(tags::pending() > 0);  // the last lanes wait for more packets, or the flush
            CHECK(done.tokens.size() + tags::pending() == kPackets);
        }
        tags::flush();
        CHECK(tags::pending() == 0);
        REQUIRE(done.tokens.size() == kPackets);
        for (std::size_t i = 0; i < kPackets; ++i) {
            CHECK(done.tokens[i] == i);
            CHECK(out[i] == expect[i]);
            test::Bytes p = out[i];
            int len = static_cast<int>(p.size());
            CHECK(srtp_unprotect((i % 3 == 0 ? open_b : open_a).session,
                                 reinterpret_cast<uint8_t*>(p.data()), &len) == srtp_err_status_ok);
        }
        // No room for the tag: refused, nothing queued.
        test::Bytes small = rtp_packet(rng, 0x1111, 1, 100);
        std::size_t m = 0;
        CHECK(later_a.protect_rtp_deferred(small.data(), 12, 0x1111, 1, small.data() + 12,
                                           small.size() - 12, small.size(), m, done,
                                           nullptr) == Status::NoRoom);
        tags::flush();
        CHECK(done.tokens.size() == kPackets);
    }
}
