// The hub's connection and hello flows: signaling-protocol.md §8 items 1–9, 21–23, 38, 42.
#include "signaling/backend_api/checksum.hpp"
#include "signaling/hub/features.hpp"
#include "signaling/hub/hub_test_harness.hpp"

#include <algorithm>

using namespace tern::sig;
using namespace tern::sig::test;

namespace {

bool has(const json& list, std::string_view f) {
    return std::find(list.begin(), list.end(), json(f)) != list.end();
}

}  // namespace

TEST_CASE("hub §8.1: welcome first, with the features Talk requires", "[signaling][hub]") {
    HubHarness h;
    const json w = only_frame(h.open(1), 1);
    CHECK(w["type"] == "welcome");
    const json& f = w["welcome"]["features"];
    for (const char* need : {"audio-video-permissions", "federation", "incall-all", "hello-v2",
                             "switchto", "virtual-sessions", "chat-relay", "transient-data"}) {
        CHECK(has(f, need));
    }
    CHECK_FALSE(has(f, "mcu"));
    CHECK(std::is_sorted(f.begin(), f.end()));
    CHECK(features_header(h.cfg).find("hello-v2, incall-all") != std::string::npos);
}

TEST_CASE("hub §8.1: features per client kind and with an SFU", "[signaling][hub]") {
    SignalingConfig cfg;
    const auto client = server_features(cfg, false);
    const auto internal = server_features(cfg, true);
    auto in = [](const auto& v, std::string_view f) {
        return std::find(v.begin(), v.end(), f) != v.end();
    };
    CHECK(in(client, "audio-video-permissions"));
    CHECK_FALSE(in(client, "virtual-sessions"));
    CHECK(in(internal, "virtual-sessions"));
    CHECK_FALSE(in(internal, "audio-video-permissions"));
    cfg.mcu.type = McuType::Proxy;
    const auto sfu = server_features(cfg, false);
    CHECK(in(sfu, "mcu"));
    CHECK(in(sfu, "simulcast"));
    CHECK(in(sfu, "update-sdp"));
}

TEST_CASE("hub §8.2: no hello for 2 s gives bye hello_timeout and a close", "[signaling][hub]") {
    HubHarness h;
    h.open(1);
    CHECK(h.advance(1'900'000).empty());
    const Effects fx = h.advance(100'000);
    CHECK(only_frame(fx, 1) == json::parse(R"({"type":"bye","bye":{"reason":"hello_timeout"}})"));
    CHECK(closes(fx, 1));
}

TEST_CASE("hub §8.3: a request before hello is answered hello_expected", "[signaling][hub]") {
    HubHarness h;
    h.open(1);
    const json e =
        only_frame(h.text(1, {{"id", "a"}, {"type", "room"}, {"room", {{"roomid", "r"}}}}), 1);
    CHECK(e["id"] == "a");
    CHECK(e["type"] == "error");
    CHECK(e["error"]["code"] == "hello_expected");
}

TEST_CASE("hub §8.4: text that is not JSON and binary frames get invalid_format, the socket stays",
          "[signaling][hub]") {
    HubHarness h;
    h.open(1);
    const Effects fx = h.raw(1, "xyz");
    CHECK(only_frame(fx, 1)["error"]["code"] == "invalid_format");
    CHECK_FALSE(closes(fx, 1));
    const Effects bin = h.hub->on_binary(1, h.now);
    CHECK(only_frame(bin, 1)["error"]["code"] == "invalid_format");
    CHECK_FALSE(closes(bin, 1));
}

TEST_CASE("hub §8.5: bad hello version and unknown backend", "[signaling][hub]") {
    HubHarness h;
    h.open(1);
    json bad = HubHarness::hello_v1("alice");
    bad["hello"]["version"] = "3.0";
    CHECK(only_frame(h.text(1, bad), 1)["error"]["code"] == "invalid_hello_version");
    json evil = HubHarness::hello_v1("alice");
    evil["hello"]["auth"]["url"] = "https://evil.test/";
    const Effects fx = h.text(1, evil);
    CHECK(only_frame(fx, 1)["error"]["code"] == "invalid_backend");
    CHECK(fx.calls.empty());
}

TEST_CASE("hub §8.6: a v1 hello asks the backend, then answers with both ids", "[signaling][hub]") {
    HubHarness h;
    h.open(1);
    const Effects fx = h.text(1, HubHarness::hello_v1("alice"));
    CHECK(frames(fx, 1).empty());
    REQUIRE(fx.calls.size() == 1);
    CHECK(fx.calls[0].backend == 0);
    CHECK(fx.calls[0].method == HttpMethod::Post);
    CHECK(fx.calls[0].url == "https://nc.test/ocs/v2.php/apps/spreed/api/v3/signaling/backend");
    CHECK(
        json::parse(fx.calls[0].body) ==
        json::parse(
            R"({"type":"auth","auth":{"version":"1.0","params":{"userid":"alice","ticket":"t"}}})"));
    const Effects r = h.reply(fx.calls[0].call,
                              json::parse(R"({"type":"auth","auth":{"version":"1.0",)"
                                          R"("userid":"alice","user":{"displayname":"Alice"}}})"));
    const json hello = only_frame(r, 1);
    CHECK(hello["id"] == "h");
    CHECK(hello["hello"]["version"] == "1.0");
    CHECK(hello["hello"]["userid"] == "alice");
    CHECK(hello["hello"]["sessionid"] != hello["hello"]["resumeid"]);
    CHECK(hello["hello"]["sessionid"].get<std::string>().size() == SessionIds::kIdLen);
    CHECK(has(hello["hello"]["server"]["features"], "audio-video-permissions"));
    CHECK_FALSE(has(hello["hello"]["server"]["features"], "virtual-sessions"));
    CHECK(h.hub->stats().sessions == 1);
}

TEST_CASE("hub §8.7: the backend's error is forwarded as it came; another answer is auth_failed",
          "[signaling][hub]") {
    HubHarness h;
    h.open(1);
    Effects fx = h.text(1, HubHarness::hello_v1("alice"));
    const json err = only_frame(
        h.reply(fx.calls[0].call,
                json::parse(R"({"type":"error","error":{"code":"invalid_ticket","message":"x"}})")),
        1);
    CHECK(err ==
          json::parse(
              R"({"id":"h","type":"error","error":{"code":"invalid_ticket","message":"x"}})"));
    fx = h.text(1, HubHarness::hello_v1("alice"));
    REQUIRE(fx.calls.size() == 1);
    const json failed = only_frame(
        h.reply(fx.calls[0].call, json::parse(R"({"type":"room","room":{"version":"1.0"}})")), 1);
    CHECK(failed["error"]["code"] == "auth_failed");
    BackendReply down;  // transport error
    fx = h.text(1, HubHarness::hello_v1("alice"));
    CHECK(only_frame(h.hub->on_backend_reply(fx.calls[0].call, down, h.now), 1)["error"]["code"] ==
          "internal_error");
    CHECK(h.hub->stats().sessions == 0);
}

TEST_CASE("hub §8.9: a second hello is ignored; a guest that joins no room goes after 10 s",
          "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const Effects again = h.text(1, HubHarness::hello_v1("alice"));
    CHECK(again.empty());

    const Client guest = h.connect(2, "");
    CHECK(h.advance(9'900'000).empty());
    const Effects fx = h.advance(100'000);
    CHECK(only_frame(fx, 2) ==
          json::parse(R"({"type":"bye","bye":{"reason":"room_join_timeout"}})"));
    CHECK(closes(fx, 2));
    CHECK(frames(fx, 1).empty());
    CHECK(h.hub->session_for_test(guest.sid) == nullptr);
    CHECK(h.hub->session_for_test(alice.sid) != nullptr);
}

TEST_CASE("hub §8.9: a guest in a room is not timed out", "[signaling][hub]") {
    HubHarness h;
    const Client guest = h.connect(1, "");
    h.join(guest, "r1", "nc1");
    CHECK(frames(h.advance(11'000'000), 1).empty());
    CHECK(h.hub->session_for_test(guest.sid) != nullptr);
}

TEST_CASE("hub §8.21: resume within 30 s keeps the ids and the room, and replays what was missed",
          "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const Client bob = h.connect(2, "bob");
    h.join(alice, "r1", "nc1");
    h.join(bob, "r1", "nc2");
    h.close(1);
    const json msg = {{"type", "nickChanged"}, {"payload", {{"name", "B"}}}};
    CHECK(frames(h.text(2, HubHarness::message_to({{"type", "session"}, {"sessionid", alice.sid}},
                                                  msg)),
                 1)
              .empty());
    h.advance(20'000'000);
    h.open(3);
    const Effects fx =
        h.text(3, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"resumeid", alice.rid}}}});
    const auto got = frames(fx, 3);
    REQUIRE(got.size() == 2);
    CHECK(got[0]["hello"]["sessionid"] == alice.sid);
    CHECK(got[0]["hello"]["resumeid"] == alice.rid);
    CHECK(got[0]["hello"]["userid"] == "alice");
    CHECK(got[1]["message"]["data"] == msg);
    CHECK(got[1]["message"]["sender"]["sessionid"] == bob.sid);
    CHECK(h.hub->session_for_test(alice.sid)->room_id == "r1");
}

TEST_CASE("hub §8.22: resume after 31 s fails; resume over an open socket says bye to it",
          "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    h.join(alice, "r1", "nc1");
    h.close(1);
    const Effects expired = h.advance(31'000'000);
    const auto calls = call_bodies(expired);  // a ping at 10 s, then the leave
    REQUIRE(calls.size() == 2);
    CHECK(calls[0]["type"] == "ping");
    CHECK(calls[1]["room"]["action"] == "leave");
    h.open(2);
    const json hello = {
        {"id", "r"}, {"type", "hello"}, {"hello", {{"version", "1.0"}, {"resumeid", alice.rid}}}};
    CHECK(only_frame(h.text(2, hello), 2)["error"]["code"] == "no_such_session");

    const Client bob = h.connect(3, "bob");
    h.open(4);
    const Effects fx =
        h.text(4, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"resumeid", bob.rid}}}});
    CHECK(only_frame(fx, 3) == json::parse(R"({"type":"bye","bye":{"reason":"session_resumed"}})"));
    CHECK(closes(fx, 3));
    CHECK(only_frame(fx, 4)["hello"]["sessionid"] == bob.sid);
    CHECK(h.close(3).empty());  // the old socket's close does not detach the session
    CHECK(h.hub->session_for_test(bob.sid)->conn == 4);
}

TEST_CASE("hub §8.23: bye is answered, closes, and ends the session", "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    h.join(alice, "r1", "nc1");
    const Effects fx = h.text(1, {{"id", "b"}, {"type", "bye"}, {"bye", json::object()}});
    CHECK(only_frame(fx, 1) == json::parse(R"({"id":"b","type":"bye"})"));
    CHECK(closes(fx, 1));
    REQUIRE(fx.calls.size() == 1);
    CHECK(json::parse(fx.calls[0].body)["room"]["action"] == "leave");
    h.close(1);
    h.open(2);
    const json hello = {{"type", "hello"},
                        {"hello", {{"version", "1.0"}, {"resumeid", alice.rid}}}};
    CHECK(only_frame(h.text(2, hello), 2)["error"]["code"] == "no_such_session");
}

TEST_CASE("hub §8.38: internal hello with the right HMAC; a bad one is invalid_token",
          "[signaling][hub]") {
    HubHarness h;
    const std::string random(64, 'a');
    h.open(1);
    const json bad =
        only_frame(h.text(1, HubHarness::internal_hello(random, std::string(64, '0'))), 1);
    CHECK(bad["error"]["code"] == "invalid_token");
    const std::string token = backend_checksum(kInternalSecret, random, "");
    const json ok = only_frame(h.text(1, HubHarness::internal_hello(random, token)), 1);
    CHECK(ok["type"] == "hello");
    CHECK(has(ok["hello"]["server"]["features"], "virtual-sessions"));
    CHECK_FALSE(has(ok["hello"]["server"]["features"], "audio-video-permissions"));
    CHECK(ok["hello"]["userid"] == "");
    // Internal clients are not guests: no room-join deadline.
    CHECK(h.advance(11'000'000).empty());

    HubHarness none(false);
    none.open(1);
    CHECK(only_frame(none.text(1, HubHarness::internal_hello(random, token)), 1)["error"]["code"] ==
          "invalid_client_type");
}

TEST_CASE("hub §8.42: a dropped socket keeps its session for 30 s", "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    h.close(1);
    h.advance(29'000'000);
    CHECK(h.hub->session_for_test(alice.sid) != nullptr);
    h.advance(1'000'000);
    CHECK(h.hub->session_for_test(alice.sid) == nullptr);
    CHECK(h.hub->stats().sessions == 0);
}

TEST_CASE("hub §3.2: the hello deadline starts again after a failed hello", "[signaling][hub]") {
    HubHarness h;
    h.open(1);
    h.advance(1'500'000);
    json evil = HubHarness::hello_v1("alice");
    evil["hello"]["auth"]["url"] = "https://evil.test/";
    h.text(1, evil);
    CHECK(h.advance(1'000'000).empty());  // 2.5 s after open, 1 s after the failure
    CHECK(only_frame(h.advance(1'000'000), 1)["bye"]["reason"] == "hello_timeout");
}

TEST_CASE("hub §3.2: a backend's session limit", "[signaling][hub]") {
    HubHarness h;
    h.cfg.backends[0].session_limit = 1;
    h.hub = std::make_unique<Hub>(h.cfg, HubOptions{});
    const Client alice = h.connect(1, "alice");
    h.open(2);
    const Effects fx = h.text(2, HubHarness::hello_v1("bob"));
    CHECK(only_frame(
              h.reply(fx.calls.at(0).call,
                      json::parse(R"({"type":"auth","auth":{"version":"1.0","userid":"bob"}})")),
              2)["error"]["code"] == "session_limit_exceeded");
    h.text(1, {{"id", "b"}, {"type", "bye"}, {"bye", json::object()}});
    CHECK(h.connect(3, "bob").user == "bob");
    (void)alice;
}

TEST_CASE("hub §1: guessing resume ids is throttled", "[signaling][hub]") {
    HubHarness h;
    h.open(1);
    const json guess = {{"type", "hello"},
                        {"hello", {{"version", "1.0"}, {"resumeid", "not-an-id"}}}};
    for (int i = 0; i < 11; ++i) {
        CHECK(only_frame(h.text(1, guess), 1)["error"]["code"] == "no_such_session");
    }
    CHECK(only_frame(h.text(1, guess), 1)["error"]["code"] == "too_many_requests");
}

TEST_CASE("hub: hellos over the per-address rate are too_many_requests; exempt ones are not",
          "[signaling][hub][limits]") {
    HubHarness h;
    h.cfg.limits.hellos_per_second = 1;
    h.cfg.limits.hello_burst = 2;
    h.hub = std::make_unique<Hub>(h.cfg, HubOptions{});
    json hello = HubHarness::hello_v1("alice");
    hello["hello"]["auth"]["url"] = "https://elsewhere.test/";  // answered without the backend
    h.open(1);
    CHECK(only_frame(h.text(1, hello), 1)["error"]["code"] == "invalid_backend");
    CHECK(only_frame(h.text(1, hello), 1)["error"]["code"] == "invalid_backend");
    const json refused = only_frame(h.text(1, hello), 1);
    CHECK(refused["error"]["code"] == "too_many_requests");
    CHECK(refused["id"] == "h");
    // Another connection from the same address shares the bucket; a resume counts too.
    h.open(2);
    CHECK(only_frame(
              h.text(2, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"resumeid", "x"}}}}),
              2)["error"]["code"] == "too_many_requests");
    CHECK(h.hub->stats().hellos_rate_limited == 2);
    // One token a second comes back, and the connection is still usable.
    h.advance(1'000'000);
    CHECK(only_frame(h.text(1, hello), 1)["error"]["code"] == "invalid_backend");
    CHECK(only_frame(h.text(1, hello), 1)["error"]["code"] == "too_many_requests");
    // An address in [limits] exempt (the edge says so) is never rate limited.
    h.hub->on_open(3, ClientInfo{"192.0.2.1", "test", "", true}, h.now);
    for (int i = 0; i < 5; ++i) {
        CHECK(only_frame(h.text(3, hello), 3)["error"]["code"] == "invalid_backend");
    }
    CHECK(h.hub->stats().hellos_rate_limited == 3);
}
