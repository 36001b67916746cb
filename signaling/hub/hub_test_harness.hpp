// Test-only: a Hub with one backend (https://nc.test/, secret "s"), a fake clock and seeded
// randomness, driven like the network edge drives it, and helpers that read the Effects back as
// nlohmann JSON. Used by the hub_*_test.cpp files; signaling-protocol.md §8 numbers the items.
#pragma once

#include "signaling/hub/hub.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tern::sig::test {

using nlohmann::json;

inline constexpr std::string_view kInternalSecret = "internal-secret-for-tests";

/// Every frame `fx` sends to `conn`, parsed, in order.
inline std::vector<json> frames(const Effects& fx, ConnId conn) {
    std::vector<json> out;
    for (const SendFrame& f : fx.sends) {
        if (f.conn == conn) {
            out.push_back(json::parse(f.frame()));
        }
    }
    return out;
}

/// The one frame `fx` sends to `conn` (fails the test when there is not exactly one).
inline json only_frame(const Effects& fx, ConnId conn) {
    const auto all = frames(fx, conn);
    REQUIRE(all.size() == 1);
    return all.front();
}

inline bool closes(const Effects& fx, ConnId conn) {
    for (const CloseConn& c : fx.closes) {
        if (c.conn == conn) {
            return true;
        }
    }
    return false;
}

/// The bodies of the backend calls in `fx`, parsed.
/// The bodies of the POSTs among the calls (capabilities GETs have none).
inline std::vector<json> call_bodies(const Effects& fx) {
    std::vector<json> out;
    for (const BackendCall& c : fx.calls) {
        if (c.method == HttpMethod::Post) {
            out.push_back(json::parse(c.body));
        }
    }
    return out;
}

/// Talk's answers come wrapped in OCS.
inline std::string ocs(const json& data) {
    return json{{"ocs", {{"meta", {{"status", "ok"}, {"statuscode", 200}}}, {"data", data}}}}
        .dump();
}

inline BackendReply ok_reply(const json& data) {
    BackendReply r;
    r.transport_ok = true;
    r.status = 200;
    r.content_type = "application/json";
    r.body = ocs(data);
    return r;
}

struct Client {
    ConnId conn = 0;
    std::string sid;  // public session id
    std::string rid;  // resume id
    std::string user;
};

class HubHarness {
public:
    uint64_t now = 1'700'000'000'000'000;  // Unix µs
    SignalingConfig cfg;
    std::unique_ptr<Hub> hub;

    /// `node`: the node id in session ids; `nats`: [nats] url (a cluster when it names a server).
    explicit HubHarness(bool with_internal_secret = true, uint16_t node = 7,
                        std::vector<std::string> nats = {}) {
        BackendConfig b;
        b.entry = BackendEntry{"nc", "https://nc.test/", "s"};
        b.urls = {"https://nc.test/"};
        cfg.backends.push_back(b);
        cfg.hash_key = "0123456789abcdef0123456789abcdef";
        if (with_internal_secret) {
            cfg.internal_secret = std::string(kInternalSecret);
        }
        cfg.node_id = node;
        cfg.nats_urls = std::move(nats);
        HubOptions opts;
        opts.random = [n = uint64_t{0x1234}]() mutable {
            return n = n * 6364136223846793005ULL + 1442695040888963407ULL;
        };
        hub = std::make_unique<Hub>(cfg, std::move(opts));
    }

    Effects open(ConnId c) { return hub->on_open(c, ClientInfo{"192.0.2.1", "test", ""}, now); }
    Effects text(ConnId c, const json& j) { return hub->on_text(c, j.dump(), now); }
    Effects raw(ConnId c, std::string_view s) { return hub->on_text(c, s, now); }
    Effects close(ConnId c) { return hub->on_close(c, now); }
    Effects reply(CallId call, const json& data) {
        return hub->on_backend_reply(call, ok_reply(data), now);
    }
    Effects advance(uint64_t us) {
        now += us;
        return hub->on_tick(now);
    }
    Effects post(const std::string& room, const json& body, HttpId http = 1) {
        return hub->on_backend_post(BackendPostRequest{http, 0, room, body.dump(), "127.0.0.1"},
                                    now);
    }

    static json hello_v1(const std::string& user, const std::vector<std::string>& features = {}) {
        return json{{"id", "h"},
                    {"type", "hello"},
                    {"hello",
                     {{"version", "1.0"},
                      {"features", features},
                      {"auth",
                       {{"url", "https://nc.test/ocs/v2.php/apps/spreed/api/v3/signaling/backend"},
                        {"params", {{"userid", user}, {"ticket", "t"}}}}}}}};
    }

    /// Connects and says hello as `user` ("" for a guest); the backend accepts.
    Client connect(ConnId c, const std::string& user,
                   const std::vector<std::string>& features = {}) {
        open(c);
        const Effects h = text(c, hello_v1(user, features));
        REQUIRE(h.calls.size() == 1);
        json auth = {{"version", "1.0"}};
        if (!user.empty()) {
            auth["userid"] = user;
            auth["user"] = {{"displayname", user}};
        }
        const Effects r = reply(h.calls[0].call, {{"type", "auth"}, {"auth", auth}});
        const json hello = only_frame(r, c);
        REQUIRE(hello["type"] == "hello");
        return Client{c, hello["hello"]["sessionid"], hello["hello"]["resumeid"], user};
    }

    static json internal_hello(const std::string& random, const std::string& token,
                               const std::vector<std::string>& features = {}) {
        return json{
            {"id", "i"},
            {"type", "hello"},
            {"hello",
             {{"version", "1.0"},
              {"features", features},
              {"auth",
               {{"type", "internal"},
                {"params",
                 {{"random", random}, {"token", token}, {"backend", "https://nc.test/"}}}}}}}};
    }

    /// Joins `room` with Talk session `rsid`; the backend answers with `permissions` when given.
    Effects join(const Client& c, const std::string& room, const std::string& rsid,
                 const json& permissions = nullptr, const json& properties = {{"name", "Room"}}) {
        const Effects j = text(
            c.conn,
            {{"id", "j"}, {"type", "room"}, {"room", {{"roomid", room}, {"sessionid", rsid}}}});
        REQUIRE(j.calls.size() == 1);
        json room_answer = {{"version", "1.0"}, {"roomid", room}, {"properties", properties}};
        if (!permissions.is_null()) {
            room_answer["permissions"] = permissions;
        }
        return reply(j.calls[0].call, {{"type", "room"}, {"room", room_answer}});
    }

    static json message_to(const json& recipient, const json& data,
                           const std::string& type = "message") {
        return json{{"type", type}, {type, {{"recipient", recipient}, {"data", data}}}};
    }
};

}  // namespace tern::sig::test
