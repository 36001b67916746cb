// The control channel handshake end to end, without DPDK: the data plane's ControlServer and
// the control plane's DataplaneClient over a real unix socket and memfd.
#include "controlplane/dp_client/dp_client.hpp"
#include "dataplane/control/control_server.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using namespace tern;

namespace {

struct TempDir {
    TempDir() {
        char tmpl[] = "/tmp/tern-cc-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
};

/// Runs the server's loop on its own thread, as the main lcore would.
struct ServerThread {
    ServerThread(const std::string& sock, uint32_t workers)
        : server(std::make_unique<dp::ControlServer>(sock, workers, 1, 1'000'000'000)),
          thread([this] {
              while (!stop.load()) {
                  server->poll_once(5);
              }
          }) {}
    ~ServerThread() { shutdown(); }
    void shutdown() {
        stop.store(true);
        if (thread.joinable()) {
            thread.join();
        }
        server.reset();
    }
    std::unique_ptr<dp::ControlServer> server;
    std::atomic<bool> stop{false};
    std::thread thread;
};

template <class F>
bool eventually(F&& f) {
    for (int i = 0; i < 400; ++i) {  // bounded: 2 s
        if (f()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

}  // namespace

TEST_CASE("ControlChannel: attach maps a validated region with rings per worker", "[control]") {
    TempDir dir;
    const std::string sock = dir.path + "/dp.sock";
    ServerThread srv{sock, 2};
    cp::DataplaneClient client{sock};
    auto r = client.connect();
    REQUIRE(r);
    CHECK(client.workers() == 2);
    CHECK(client.dp_pid() == static_cast<uint32_t>(getpid()));
    CHECK(client.region().header->instance_id == srv.server->region().header->instance_id);

    // A command travels the shared memory: read it as worker 1's consumer would.
    REQUIRE(client.send_ping(1, {7, 42, 99}));
    shm::RingConsumer commands{srv.server->region().commands(1)};
    shm::RingMessage m{};
    REQUIRE(commands.peek(m));
    CHECK(m.type == static_cast<uint16_t>(shm::MsgType::Ping));
    const auto ping = shm::decode<shm::PingCmd>(m);
    REQUIRE(ping);
    CHECK(ping->cookie == 42);
    CHECK_FALSE(shm::decode<shm::TurnListCmd>(m));  // another type
    commands.release();

    // Commands name their own type; CommandSink's bytes go under the type they were made with.
    shm::SfuRemoveCmd remove{3, 77};
    REQUIRE(client.send_command(1, remove));
    REQUIRE(client.send_bytes(1, static_cast<uint16_t>(shm::MsgType::SfuRemove),
                              tern::as_bytes(&remove, sizeof remove)));
    for (int i = 0; i < 2; ++i) {
        REQUIRE(commands.peek(m));
        const auto c = shm::decode<shm::SfuRemoveCmd>(m);
        REQUIRE(c);
        CHECK(c->id == 77);
        commands.release();
    }
    CHECK_FALSE(client.send_command(2, remove));  // no such worker

    // And an event comes back the other way.
    shm::RingProducer events{srv.server->region().events(1)};
    REQUIRE(events.try_push(shm::PongEvt{7, 42, 99, 1, 0}));
    int seen = 0;
    client.drain_events([&](uint32_t w, const shm::RingMessage& e) {
        CHECK(w == 1);
        CHECK(e.type == static_cast<uint16_t>(shm::MsgType::Pong));
        const auto pong = shm::decode<shm::PongEvt>(e);
        REQUIRE(pong);
        CHECK(pong->lcore == 1);
        ++seen;
    });
    CHECK(seen == 1);
    CHECK(eventually([&] { return srv.server->peer_connected(); }));
}

TEST_CASE("ControlChannel: a second control plane is refused as busy", "[control]") {
    TempDir dir;
    const std::string sock = dir.path + "/dp.sock";
    ServerThread srv{sock, 1};
    cp::DataplaneClient first{sock};
    REQUIRE(first.connect());
    REQUIRE(eventually([&] { return srv.server->peer_connected(); }));
    cp::DataplaneClient second{sock};
    auto r = second.connect();
    REQUIRE_FALSE(r);
    CHECK(r.error().find("another control plane") != std::string::npos);

    // After the first detaches, the channel is free again.
    first.disconnect();
    REQUIRE(eventually([&] { return !srv.server->peer_connected(); }));
    CHECK(second.connect());
}

TEST_CASE("ControlChannel: schema mismatch and garbage hellos are refused", "[control]") {
    TempDir dir;
    const std::string sock = dir.path + "/dp.sock";
    ServerThread srv{sock, 1};
    auto raw_hello = [&](const shm::Hello& h, shm::HelloReply& reply) {
        const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, sock.c_str(), sizeof a.sun_path - 1);
        REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(send(fd, &h, sizeof h, 0) == static_cast<ssize_t>(sizeof h));
        const ssize_t n = recv(fd, &reply, sizeof reply, MSG_WAITALL);
        close(fd);
        return n;
    };
    shm::HelloReply reply{};
    CHECK(raw_hello({shm::kChannelMagic, shm::kSchemaVersion + 1, 1, 0}, reply) ==
          static_cast<ssize_t>(sizeof reply));
    CHECK(reply.status == shm::HelloStatus::SchemaMismatch);
    CHECK(raw_hello({0xdeadbeef, shm::kSchemaVersion, 1, 0}, reply) == 0);  // closed, no reply
    CHECK_FALSE(srv.server->peer_connected());
}

TEST_CASE("ControlChannel: the client sees the data plane go away", "[control]") {
    TempDir dir;
    const std::string sock = dir.path + "/dp.sock";
    auto srv = std::make_unique<ServerThread>(sock, 1);
    cp::DataplaneClient client{sock};
    REQUIRE(client.connect());
    REQUIRE(eventually([&] { return srv->server->peer_connected(); }));
    CHECK_FALSE(client.peer_gone());
    srv.reset();
    CHECK(eventually([&] { return client.peer_gone(); }));
    CHECK_FALSE(std::filesystem::exists(sock));  // the server removed its socket
    auto again = client.connect();
    REQUIRE_FALSE(again);

    // A new data plane instance on the same path is attached with a new instance id.
    ServerThread next{sock, 1};
    REQUIRE(client.connect());
    CHECK(client.region().header->instance_id == next.server->region().header->instance_id);
}

TEST_CASE("ControlChannel: a live socket path is not stolen", "[control]") {
    TempDir dir;
    const std::string sock = dir.path + "/dp.sock";
    ServerThread srv{sock, 1};
    CHECK_THROWS_WITH(dp::ControlServer(sock, 1, 1, 1),
                      Catch::Contains("served by another data plane"));
}
