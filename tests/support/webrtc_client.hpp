// A WebRTC-ish peer for tests of the SFU: its address, ICE-lite credentials and SRTP contexts for
// both directions; it builds ICE checks, SRTP and SRTCP the way a browser would send them. No
// I/O: the caller hands its datagrams to whatever it tests (the stack, an engine).
#pragma once

#include "common/byte_reader.hpp"
#include "common/crypto/hmac.hpp"
#include "common/srtp/srtp.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/stun/stun_builder.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tern::test {

struct WebRtcClient {
    wire::Endpoint at;
    wire::MacAddr mac;
    std::string sfu_ufrag, pwd;
    srtp::MasterKey to_sfu, from_sfu;
    std::unique_ptr<srtp::Context> tx, rx;

    /// Keys and password derive from `seed` and `ufrag`, so two clients built alike match.
    WebRtcClient(wire::Endpoint a, wire::MacAddr m, std::string ufrag, uint8_t seed,
                 srtp::Suite suite = srtp::Suite::AeadAes256Gcm)
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

    /// An ICE connectivity check (RFC 8445 §7.2.2) with the SFU's ufrag and password.
    [[nodiscard]] Bytes ice_check(uint32_t n, bool nominate = true) const {
        namespace stun = wire::stun;
        std::array<std::byte, 256> b{};
        stun::TransactionId id{};
        id[0] = static_cast<uint8_t>(n);
        stun::Builder m{b, stun::message_type(stun::method::kBinding, stun::Class::Request), id};
        m.add_string(stun::attr::kUsername, sfu_ufrag + ":remote")
            .add_u32(stun::attr::kPriority, 12345);
        if (nominate) {
            m.add_string(stun::attr::kUseCandidate, "");
        }
        m.add_message_integrity(crypto::HmacSha1Key{as_bytes(pwd.data(), pwd.size())})
            .add_fingerprint();
        return Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(*m.finish()));
    }

    /// An SRTP packet: RTP version 2, payload type 96, no extension.
    [[nodiscard]] Bytes srtp(uint32_t ssrc, uint16_t seq, uint32_t ts, const Bytes& payload) const {
        Bytes p = hex("80600000 00000000 00000000");
        store_u16be(p.data() + 2, seq);
        store_u32be(p.data() + 4, ts);
        store_u32be(p.data() + 8, ssrc);
        p.insert(p.end(), payload.begin(), payload.end());
        return seal(std::move(p));
    }

    /// A padding-only SRTP packet (RFC 3550 §5.1: P set, `pad` octets, the last counting them):
    /// what a sender without RTX probes its link with.
    [[nodiscard]] Bytes srtp_padding(uint32_t ssrc, uint16_t seq, uint32_t ts, uint8_t pad) const {
        Bytes p = hex("a0600000 00000000 00000000");
        store_u16be(p.data() + 2, seq);
        store_u32be(p.data() + 4, ts);
        store_u32be(p.data() + 8, ssrc);
        p.resize(p.size() + pad, std::byte{0});
        p.back() = std::byte{pad};
        return seal(std::move(p));
    }

    /// An SRTP packet with RFC 8285 one-byte header extension elements (id, data).
    [[nodiscard]] Bytes srtp_ext(uint32_t ssrc, uint16_t seq, uint32_t ts,
                                 const std::vector<std::pair<uint8_t, Bytes>>& elements,
                                 const Bytes& payload) const {
        Bytes ext;
        for (const auto& [id, data] : elements) {
            ext.push_back(std::byte(static_cast<uint8_t>(id << 4 | (data.size() - 1))));
            ext.insert(ext.end(), data.begin(), data.end());
        }
        while (ext.size() % 4 != 0) {
            ext.push_back(std::byte{0});
        }
        Bytes p = hex("90600000 00000000 00000000 bede0000");
        store_u16be(p.data() + 2, seq);
        store_u32be(p.data() + 4, ts);
        store_u32be(p.data() + 8, ssrc);
        store_u16be(p.data() + 14, static_cast<uint16_t>(ext.size() / 4));
        p.insert(p.end(), ext.begin(), ext.end());
        p.insert(p.end(), payload.begin(), payload.end());
        return seal(std::move(p));
    }

    /// An SRTCP compound packet of what `write` writes.
    [[nodiscard]] Bytes srtcp(const std::function<void(ByteWriter&)>& write) const {
        Bytes p(256);
        ByteWriter w{p};
        write(w);
        const std::size_t len = w.size();
        std::size_t n = 0;
        REQUIRE(tx->protect_rtcp(p.data(), len, p.size(), n) == srtp::Status::Ok);
        p.resize(n);
        return p;
    }

    /// Decrypts an SRTP packet this client received; returns the RTP packet.
    [[nodiscard]] Bytes open_rtp(Bytes p) const {
        std::size_t n = 0;
        REQUIRE(rx->unprotect_rtp(p.data(), p.size(), n) == srtp::Status::Ok);
        p.resize(n);
        return p;
    }

private:
    [[nodiscard]] Bytes seal(Bytes p) const {
        const std::size_t len = p.size();
        p.resize(len + 32);
        std::size_t n = 0;
        REQUIRE(tx->protect_rtp(p.data(), len, p.size(), n) == srtp::Status::Ok);
        p.resize(n);
        return p;
    }
};

/// Two bytes, big-endian (header extension data).
inline Bytes u16(uint16_t v) {
    return Bytes{std::byte(static_cast<uint8_t>(v >> 8)), std::byte(static_cast<uint8_t>(v))};
}

}  // namespace tern::test
