// TurnStreamServer end to end without DPDK: a real data plane control channel (ControlServer and
// DataplaneClient over a unix socket and memfd, the test playing the worker on its rings), the
// server on an io_context, and a blocking OpenSSL client on loopback.
#include "common/wire/addr.hpp"
#include "controlplane/dp_client/dp_client.hpp"
#include "controlplane/turn_stream/turn_stream_server.hpp"
#include "dataplane/control/control_server.hpp"

#include <catch2/catch.hpp>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace tern;
namespace asio = boost::asio;

namespace {

struct TempDir {
    TempDir() {
        char tmpl[] = "/tmp/tern-ts-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string path;
};

/// A self-signed P-256 certificate and its key, as PEM files in `dir`.
void write_certificate(const std::string& dir) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    REQUIRE(key != nullptr);
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_set_version(cert, 2);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("tern.test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_set_pubkey(cert, key);
    REQUIRE(X509_sign(cert, key, EVP_sha256()) != 0);
    FILE* f = std::fopen((dir + "/tls.crt").c_str(), "w");
    REQUIRE(f != nullptr);
    PEM_write_X509(f, cert);
    std::fclose(f);
    f = std::fopen((dir + "/tls.key").c_str(), "w");
    REQUIRE(f != nullptr);
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    X509_free(cert);
    EVP_PKEY_free(key);
}

/// The data plane's control channel on its own thread, as the main lcore runs it.
struct ControlThread {
    explicit ControlThread(const std::string& sock)
        : server(std::make_unique<dp::ControlServer>(sock, 1, 1, 1'000'000'000)), thread([this] {
              while (!stop.load()) {
                  server->poll_once(5);
              }
          }) {}
    ~ControlThread() {
        stop.store(true);
        thread.join();
    }
    ControlThread(const ControlThread&) = delete;
    ControlThread& operator=(const ControlThread&) = delete;
    std::unique_ptr<dp::ControlServer> server;
    std::atomic<bool> stop{false};
    std::thread thread;
};

/// One TLS listener on an ephemeral loopback port, attached to a one-worker data plane whose
/// inject ring the test reads and whose punt path (on_punt) it feeds, as worker 0 would.
struct Fixture {
    Fixture() : control(dir.path + "/dp.sock"), dp(dir.path + "/dp.sock") {
        write_certificate(dir.path);
        PortConfig p;
        p.name = "wan";
        p.ipv4 = wire::parse_ipv4_prefix("127.0.0.1/8");
        cfg.dataplane.ports = {p};
        cfg.dataplane.turn.tcp_ports = {};
        cfg.dataplane.turn.tls_ports = {0};
        cfg.dataplane.turn.tls_certificate = dir.path + "/tls.crt";
        cfg.dataplane.turn.tls_private_key = dir.path + "/tls.key";
        REQUIRE(dp.connect());
        server = std::make_unique<cp::TurnStreamServer>(io, cfg, log);
        server->attach(dp);
        inject = shm::RingConsumer{control.server->region().inject(0)};
    }

    /// Runs the io_context until `done()` holds, at most 5 s; false on timeout.
    template <class F>
    bool run_until(F&& done) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!done()) {
            if (std::chrono::steady_clock::now() >= deadline) {
                return false;
            }
            io.restart();
            io.run_for(std::chrono::milliseconds(5));
        }
        return true;
    }

    /// The next TurnStreamData message the server put on worker 0's inject ring, copied out
    /// (its meta and the message); skips ring resets and closes.
    bool next_injected(shm::StreamMeta& meta, std::vector<std::byte>& msg) {
        shm::RingMessage m{};
        while (inject.peek(m)) {
            const bool data = m.type == static_cast<uint16_t>(shm::MsgType::TurnStreamData);
            if (data) {
                std::memcpy(&meta, m.payload.data(), sizeof meta);
                msg.assign(m.payload.begin() + sizeof meta,
                           m.payload.begin() + sizeof meta + meta.len);
            }
            inject.release();
            if (data) {
                return true;
            }
        }
        return false;
    }

    /// Hands `msg` to the server as worker 0's punt ring would, for connection `conn`.
    bool punt(uint64_t conn, const std::vector<std::byte>& msg) {
        std::vector<std::byte> payload(sizeof(shm::StreamMeta) + msg.size());
        shm::StreamMeta meta{};
        meta.conn = conn;
        meta.len = static_cast<uint32_t>(msg.size());
        std::memcpy(payload.data(), &meta, sizeof meta);
        std::memcpy(payload.data() + sizeof meta, msg.data(), msg.size());
        return server->on_punt(
            {static_cast<uint16_t>(shm::MsgType::TurnStreamData), ByteSpan{payload}});
    }

    TempDir dir;
    ControlThread control;
    cp::DataplaneClient dp;
    Config cfg;
    asio::io_context io;
    Logger log{"test.turn_stream"};
    std::unique_ptr<cp::TurnStreamServer> server;
    shm::RingConsumer inject;
};

/// A blocking TLS client (OpenSSL as turnutils_uclient uses it), with a 5 s receive timeout.
struct TlsClient {
    explicit TlsClient(uint16_t port) {
        fd = socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{5, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ctx = SSL_CTX_new(TLS_client_method());
        ssl = SSL_new(ctx);
        connected = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                    SSL_set_fd(ssl, fd) == 1 && SSL_connect(ssl) == 1;
    }
    ~TlsClient() {
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        ::close(fd);
    }
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    /// One SSL_write: one TLS record for these bytes.
    bool write(const std::vector<std::byte>& bytes, std::size_t off = 0,
               std::size_t len = SIZE_MAX) {
        len = std::min(len, bytes.size() - off);
        return SSL_write(ssl, bytes.data() + off, static_cast<int>(len)) == static_cast<int>(len);
    }

    int fd = -1;
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;
    bool connected = false;
};

/// A ChannelData message on channel 0x4000 with `n` data bytes of value `fill`, padded (§12.5).
std::vector<std::byte> channel_data(std::size_t n, uint8_t fill) {
    std::vector<std::byte> m(4 + ((n + 3) & ~std::size_t{3}), std::byte{0});
    m[0] = std::byte{0x40};
    m[2] = static_cast<std::byte>(n >> 8);
    m[3] = static_cast<std::byte>(n & 0xff);
    std::fill_n(m.begin() + 4, n, std::byte{fill});
    return m;
}

/// A STUN Binding request without attributes.
std::vector<std::byte> binding_request() {
    std::vector<std::byte> m(20, std::byte{0});
    m[1] = std::byte{0x01};
    const uint8_t cookie[4] = {0x21, 0x12, 0xa4, 0x42};
    for (int i = 0; i < 4; ++i) {
        m[4 + i] = std::byte{cookie[i]};
        m[8 + i] = std::byte{static_cast<uint8_t>(i + 1)};
    }
    return m;
}

}  // namespace

TEST_CASE("TurnStreamServer: over TLS each message reaches the client in a record of its own",
          "[turn][stream]") {
    // Clients may take one SSL_read for one message: coturn's turnutils_uclient does, and keeps
    // only the first message of a record (the integration test lost echoes that way when
    // several waited for one connection). Messages the worker hands over together, while an
    // earlier write is still in flight, must still leave as separate records.
    Fixture f;
    const uint16_t port = f.server->listen_port_for_test(0);
    constexpr int kMessages = 4;
    const std::vector<std::byte> first = binding_request();

    std::atomic<bool> client_done{false};
    std::vector<int> reads;  // SSL_read results, one per record
    bool client_ok = false;
    std::vector<std::byte> received;
    std::thread client([&] {
        TlsClient c{port};
        client_ok = c.connected && c.write(first);
        std::size_t total = 0;
        const std::size_t want = kMessages * channel_data(200, 0).size();
        while (client_ok && total < want) {
            std::byte buf[4096];
            const int n = SSL_read(c.ssl, buf, sizeof buf);
            reads.push_back(n);
            if (n <= 0) {
                break;
            }
            received.insert(received.end(), buf, buf + n);
            total += static_cast<std::size_t>(n);
        }
        client_done.store(true);
    });

    shm::StreamMeta meta{};
    std::vector<std::byte> msg;
    const bool injected =
        f.run_until([&] { return client_done.load() || f.next_injected(meta, msg); });
    std::vector<std::byte> expected;
    if (injected && !client_done.load()) {
        CHECK(msg == first);
        CHECK(meta.transport == shm::StreamTransport::Tls);
        // All in one drain of the punt ring, as the control plane's loop does after a stall: the
        // first starts a write, the others queue behind it.
        for (int i = 0; i < kMessages; ++i) {
            const std::vector<std::byte> cd = channel_data(200, static_cast<uint8_t>(i + 1));
            CHECK(f.punt(meta.conn, cd));
            expected.insert(expected.end(), cd.begin(), cd.end());
        }
    }
    (void)f.run_until([&] { return client_done.load(); });  // the client's reads time out in 5 s
    client.join();
    REQUIRE(injected);
    REQUIRE(client_ok);
    CHECK(received == expected);
    CHECK(reads == std::vector<int>(kMessages, static_cast<int>(channel_data(200, 0).size())));
    CHECK(f.server->stats()["messages_out"] == kMessages);
}

TEST_CASE(
    "TurnStreamServer: messages split across TLS records or sharing one reach the worker whole",
    "[turn][stream]") {
    Fixture f;
    const uint16_t port = f.server->listen_port_for_test(0);
    const std::vector<std::byte> a = channel_data(200, 0xa1);
    const std::vector<std::byte> b = channel_data(101, 0xb2);  // padded to 104 on the stream
    const std::vector<std::byte> c = binding_request();
    std::vector<std::byte> b_and_c = b;
    b_and_c.insert(b_and_c.end(), c.begin(), c.end());

    std::atomic<bool> client_done{false};
    std::atomic<bool> release_client{false};
    bool client_ok = false;
    std::thread client([&] {
        TlsClient t{port};
        // `a` in three records (inside its header, inside its data), then `b` and `c` in one.
        client_ok = t.connected && t.write(a, 0, 3) && t.write(a, 3, 100) && t.write(a, 103) &&
                    t.write(b_and_c);
        client_done.store(true);
        for (int i = 0; i < 500 && !release_client.load(); ++i) {  // stay connected until checked
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });

    std::vector<std::vector<std::byte>> got;
    const bool all = f.run_until([&] {
        shm::StreamMeta meta{};
        std::vector<std::byte> msg;
        while (f.next_injected(meta, msg)) {
            // The worker gets each message without the stream's padding (§12.5).
            got.push_back(msg);
        }
        return got.size() >= 3;
    });
    release_client.store(true);
    client.join();
    REQUIRE(client_ok);
    CHECK(all);
    REQUIRE(got.size() == 3);
    CHECK(got[0] == a);
    CHECK(got[1] == std::vector<std::byte>(b.begin(), b.begin() + 4 + 101));
    CHECK(got[2] == c);
    CHECK(f.server->stats()["framing_errors"] == 0);
}
