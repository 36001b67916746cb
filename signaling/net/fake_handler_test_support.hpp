// Test support: a Handler that echoes text frames, answers binary with "binary", floods on
// "flood N" (N frames of 64 KiB), closes on "close", and answers backend POSTs at once (or on
// the next tick when the body contains "later", never when it contains "never"); every call is
// recorded in a FakeRecord shared by the shards' handlers and read by the test thread.
#pragma once

#include "signaling/hub/handler.hpp"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace tern::sig::net::test {

struct FakeRecord {
    std::mutex mu;
    std::map<unsigned, int> opened_per_shard;
    std::map<ConnId, int> closes;  // on_close calls per connection
    std::vector<ClientInfo> clients;
    int binaries = 0;
    int texts = 0;
    std::vector<BackendPostRequest> posts;

    template <class F>
    auto with(F&& f) {
        std::lock_guard lock(mu);
        return f(*this);
    }
};

class FakeHandler final : public Handler {
public:
    FakeHandler(unsigned shard, FakeRecord& rec) : shard_(shard), rec_(rec) {}

    Effects on_open(ConnId conn, const ClientInfo& who, uint64_t) override {
        rec_.with([&](FakeRecord& r) {
            ++r.opened_per_shard[shard_];
            r.clients.push_back(who);
        });
        ++open_;
        Effects fx;
        fx.send(conn, "welcome");
        return fx;
    }
    Effects on_text(ConnId conn, std::string_view frame, uint64_t) override {
        rec_.with([&](FakeRecord& r) { ++r.texts; });
        Effects fx;
        if (frame.starts_with("flood ")) {
            const int n = std::stoi(std::string(frame.substr(6)));
            for (int i = 0; i < n; ++i) {
                fx.send(conn, std::string(64 * 1024, 'x'));
            }
        } else if (frame == "close") {
            fx.send(conn, "bye");
            fx.close(conn);
        } else {
            fx.send(conn, std::string(frame));
        }
        return fx;
    }
    Effects on_binary(ConnId conn, uint64_t) override {
        rec_.with([&](FakeRecord& r) { ++r.binaries; });
        Effects fx;
        fx.send(conn, "binary");
        return fx;
    }
    Effects on_close(ConnId conn, uint64_t) override {
        rec_.with([&](FakeRecord& r) { ++r.closes[conn]; });
        --open_;
        return {};
    }
    Effects on_backend_reply(CallId, BackendReply, uint64_t) override { return {}; }
    Effects on_backend_post(const BackendPostRequest& req, uint64_t) override {
        rec_.with([&](FakeRecord& r) { r.posts.push_back(req); });
        Effects fx;
        if (req.body.find("never") != std::string::npos) {
            return fx;
        }
        if (req.body.find("later") != std::string::npos) {
            later_.push_back(req.http);
            return fx;
        }
        fx.answer(req.http, 200, R"({"room":")" + req.room_id + "\"}");
        return fx;
    }
    Effects on_tick(uint64_t) override {
        Effects fx;
        for (HttpId h : later_) {
            fx.answer(h, 202, R"({"later":true})");
        }
        later_.clear();
        return fx;
    }
    [[nodiscard]] HubStats stats() const override {
        HubStats s;
        s.sessions = static_cast<uint64_t>(open_);
        s.connections = static_cast<uint64_t>(open_);
        s.rooms = 1;
        return s;
    }

private:
    unsigned shard_;
    FakeRecord& rec_;
    int64_t open_ = 0;
    std::vector<HttpId> later_;
};

}  // namespace tern::sig::net::test
