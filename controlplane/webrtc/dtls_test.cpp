#include "controlplane/webrtc/dtls.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <deque>
#include <thread>
#include <vector>

using tern::ByteSpan;
using tern::cp::DtlsIdentity;
using tern::cp::DtlsSession;

namespace {

using Datagram = std::vector<std::byte>;

uint64_t now_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

std::shared_ptr<DtlsIdentity> identity(DtlsIdentity::KeyType t = DtlsIdentity::KeyType::EcdsaP256) {
    auto id = DtlsIdentity::generate(t);
    REQUIRE(id);
    return *id;
}

/// A server and a client joined by two queues of datagrams, as the rings and the wire would.
struct Pair {
    std::shared_ptr<DtlsIdentity> server_id = identity();
    std::shared_ptr<DtlsIdentity> client_id = identity();
    std::deque<Datagram> to_server, to_client;
    std::size_t max_datagram = 0;
    DtlsSession server{server_id, DtlsSession::Role::Server, client_id->fingerprint(),
                       [this](ByteSpan d) {
                           to_client.emplace_back(d.begin(), d.end());
                           max_datagram = std::max(max_datagram, d.size());
                       }};
    DtlsSession client{client_id, DtlsSession::Role::Client, server_id->fingerprint(),
                       [this](ByteSpan d) {
                           to_server.emplace_back(d.begin(), d.end());
                           max_datagram = std::max(max_datagram, d.size());
                       }};
    /// Delivers until both queues are empty; returns the number of datagrams moved.
    int pump() {
        int moved = 0;
        while (!to_server.empty() || !to_client.empty()) {
            while (!to_server.empty()) {
                Datagram d = std::move(to_server.front());
                to_server.pop_front();
                server.on_datagram(d, now_ms());
                ++moved;
            }
            while (!to_client.empty()) {
                Datagram d = std::move(to_client.front());
                to_client.pop_front();
                client.on_datagram(d, now_ms());
                ++moved;
            }
        }
        return moved;
    }
};

}  // namespace

TEST_CASE("DTLS-SRTP: handshake, fingerprints, AES-256-GCM keys that mirror each other", "[dtls]") {
    Pair p;
    CHECK(p.server_id->fingerprint().rfind("sha-256 ", 0) == 0);
    CHECK(p.server_id->fingerprint().size() == 8 + 32 * 3 - 1);
    p.client.start(now_ms());
    CHECK(p.pump() >= 4);  // two flights each way at least
    REQUIRE(p.server.state() == DtlsSession::State::Connected);
    REQUIRE(p.client.state() == DtlsSession::State::Connected);
    CHECK(std::string(p.server.profile_name()) == "SRTP_AEAD_AES_256_GCM");
    const auto& s = p.server.keys();
    const auto& c = p.client.keys();
    CHECK(s.rx.suite == tern::srtp::Suite::AeadAes256Gcm);
    CHECK(s.rx.key == c.tx.key);
    CHECK(s.rx.salt == c.tx.salt);
    CHECK(s.tx.key == c.rx.key);
    CHECK(s.tx.salt == c.rx.salt);
    CHECK(s.rx.key != s.tx.key);
    CHECK(p.max_datagram <= 1200);
    CHECK_FALSE(p.server.next_timer_ms());

    // Application data (SCTP for data channels) both ways.
    std::vector<std::string> got;
    p.server.on_application = [&](ByteSpan d) {
        got.emplace_back(reinterpret_cast<const char*>(d.data()), d.size());
    };
    const std::string msg = "sctp packet";
    REQUIRE(p.client.send_application(
        ByteSpan{reinterpret_cast<const std::byte*>(msg.data()), msg.size()}));
    p.pump();
    REQUIRE(got.size() == 1);
    CHECK(got[0] == msg);
}

TEST_CASE("DTLS-SRTP: an RSA 2048 identity works too", "[dtls]") {
    auto rsa = identity(DtlsIdentity::KeyType::Rsa2048);
    auto ec = identity();
    std::deque<Datagram> a, b;
    DtlsSession server{rsa, DtlsSession::Role::Server, ec->fingerprint(),
                       [&](ByteSpan d) { b.emplace_back(d.begin(), d.end()); }};
    DtlsSession client{ec, DtlsSession::Role::Client, rsa->fingerprint(),
                       [&](ByteSpan d) { a.emplace_back(d.begin(), d.end()); }};
    client.start(now_ms());
    for (int i = 0; i < 20 && (!a.empty() || !b.empty()); ++i) {
        for (; !a.empty(); a.pop_front()) {
            server.on_datagram(a.front(), now_ms());
        }
        for (; !b.empty(); b.pop_front()) {
            client.on_datagram(b.front(), now_ms());
        }
    }
    CHECK(server.state() == DtlsSession::State::Connected);
    CHECK(client.state() == DtlsSession::State::Connected);
}

TEST_CASE("DTLS-SRTP: a certificate that does not match the SDP fingerprint fails", "[dtls]") {
    auto server_id = identity();
    auto client_id = identity();
    auto other = identity();
    std::deque<Datagram> a, b;
    DtlsSession server{server_id, DtlsSession::Role::Server, other->fingerprint(),
                       [&](ByteSpan d) { b.emplace_back(d.begin(), d.end()); }};
    DtlsSession client{client_id, DtlsSession::Role::Client, server_id->fingerprint(),
                       [&](ByteSpan d) { a.emplace_back(d.begin(), d.end()); }};
    client.start(now_ms());
    for (int i = 0; i < 20 && (!a.empty() || !b.empty()); ++i) {
        for (; !a.empty(); a.pop_front()) {
            server.on_datagram(a.front(), now_ms());
        }
        for (; !b.empty(); b.pop_front()) {
            client.on_datagram(b.front(), now_ms());
        }
    }
    CHECK(server.state() == DtlsSession::State::Failed);
    CHECK(server.error().find("fingerprint") != std::string::npos);
}

TEST_CASE("DTLS-SRTP: a lost flight is retransmitted on the timer", "[dtls]") {
    Pair p;
    p.client.start(now_ms());
    REQUIRE(!p.to_server.empty());
    p.to_server.clear();  // the ClientHello is lost
    const auto due = p.client.next_timer_ms();
    REQUIRE(due);
    CHECK(*due - now_ms() <= 100);
    // Wait for the retransmission deadline itself (the timer is the event under test).
    std::this_thread::sleep_until(
        std::chrono::steady_clock::time_point(std::chrono::milliseconds(*due + 1)));
    p.client.on_timer(now_ms());
    REQUIRE(!p.to_server.empty());
    p.pump();
    CHECK(p.server.state() == DtlsSession::State::Connected);
    CHECK(p.client.state() == DtlsSession::State::Connected);
}

TEST_CASE("DTLS-SRTP: garbage is refused without a crash", "[dtls]") {
    auto server_id = identity();
    auto client_id = identity();
    int sent = 0;
    DtlsSession server{server_id, DtlsSession::Role::Server, client_id->fingerprint(),
                       [&](ByteSpan) { ++sent; }};
    const std::vector<std::byte> junk(300, std::byte{0x16});
    server.on_datagram(junk, now_ms());
    server.on_datagram(ByteSpan{junk.data(), 3}, now_ms());
    server.on_datagram(ByteSpan{}, now_ms());
    CHECK(server.state() != DtlsSession::State::Connected);
    CHECK_FALSE(server.send_application(junk));
    CHECK(sent == 0);
    // An unknown fingerprint hash name fails cleanly after a real handshake.
    std::deque<Datagram> a, b;
    DtlsSession s2{server_id, DtlsSession::Role::Server, "md5 00:11",
                   [&](ByteSpan d) { b.emplace_back(d.begin(), d.end()); }};
    DtlsSession c2{client_id, DtlsSession::Role::Client, server_id->fingerprint(),
                   [&](ByteSpan d) { a.emplace_back(d.begin(), d.end()); }};
    c2.start(now_ms());
    for (int i = 0; i < 20 && (!a.empty() || !b.empty()); ++i) {
        for (; !a.empty(); a.pop_front()) {
            s2.on_datagram(a.front(), now_ms());
        }
        for (; !b.empty(); b.pop_front()) {
            c2.on_datagram(b.front(), now_ms());
        }
    }
    CHECK(s2.state() == DtlsSession::State::Failed);
}
