// Test support: a Server with FakeHandlers on an ephemeral loopback port, stopped at the end.
#pragma once

#include "signaling/net/edge_context.hpp"
#include "signaling/net/fake_handler_test_support.hpp"
#include "signaling/net/server.hpp"

#include <chrono>
#include <memory>
#include <thread>

namespace tern::sig::net::test {

inline SignalingConfig test_config() {
    SignalingConfig c;
    c.http_listen = {{"127.0.0.1", 0}};
    BackendConfig b;
    b.entry = {"nc", "https://nc.test/", "s3cret"};
    b.urls = {b.entry.url};
    c.backends.push_back(b);
    return c;
}

inline ServerOptions test_options(unsigned shards = 1) {
    ServerOptions o;
    o.shards = shards;
    o.features = {"audio-video-permissions", "federation", "hello-v2"};
    o.delay_failures = false;
    o.tick = std::chrono::milliseconds(20);
    o.stop_grace = std::chrono::milliseconds(2000);
    return o;
}

struct TestServer {
    explicit TestServer(SignalingConfig c = test_config(), ServerOptions o = test_options())
        : config(std::move(c)),
          server(
              config, std::move(o),
              [this](unsigned shard) { return std::make_unique<FakeHandler>(shard, record); },
              log) {
        auto started = server.start();
        if (!started) {
            throw std::runtime_error(started.error());
        }
    }

    [[nodiscard]] boost::asio::ip::tcp::endpoint http() const {
        return server.http_endpoints().at(0);
    }

    /// Polls `pred` (under the record's lock) for up to `limit`.
    template <class P>
    bool wait_for(P pred, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < end) {
            if (record.with([&](FakeRecord& r) { return pred(r); })) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return false;
    }

    Logger log{"signaling-net-test"};
    FakeRecord record;
    SignalingConfig config;
    Server server;
};

}  // namespace tern::sig::net::test
