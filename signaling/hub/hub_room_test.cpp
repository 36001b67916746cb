// The hub's room flows: signaling-protocol.md §8 items 10–14 and 36.
#include "signaling/hub/hub_test_harness.hpp"

using namespace tern::sig;
using namespace tern::sig::test;

TEST_CASE("hub §8.10: join asks the backend, answers with the properties, then the join event",
          "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const Effects j = h.text(
        1, {{"id", "j"}, {"type", "room"}, {"room", {{"roomid", "r1"}, {"sessionid", "nc1"}}}});
    CHECK(frames(j, 1).empty());
    REQUIRE(j.calls.size() == 1);
    CHECK(
        json::parse(j.calls[0].body) ==
        json::parse(
            R"({"type":"room","room":{"version":"1.0","roomid":"r1","userid":"alice","sessionid":"nc1"}})"));
    const Effects r = h.reply(j.calls[0].call,
                              json::parse(R"({"type":"room","room":{"version":"1.0","roomid":"r1",)"
                                          R"("properties":{"name":"Team","type":2}}})"));
    const auto got = frames(r, 1);
    REQUIRE(got.size() == 2);
    CHECK(
        got[0] ==
        json::parse(
            R"({"id":"j","type":"room","room":{"roomid":"r1","properties":{"name":"Team","type":2}}})"));
    CHECK(got[1]["type"] == "event");
    CHECK(got[1]["event"]["target"] == "room");
    CHECK(got[1]["event"]["type"] == "join");
    REQUIRE(got[1]["event"]["join"].size() == 1);
    const json& self = got[1]["event"]["join"][0];
    CHECK(self["sessionid"] == alice.sid);
    CHECK(self["userid"] == "alice");
    CHECK(self["roomsessionid"] == "nc1");
    CHECK(self["user"] == json::parse(R"({"displayname":"alice"})"));
}

TEST_CASE("hub §8.10: a join without a Talk session id uses the public id", "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const Effects j = h.text(1, {{"id", "j"}, {"type", "room"}, {"room", {{"roomid", "r1"}}}});
    REQUIRE(j.calls.size() == 1);
    CHECK(json::parse(j.calls[0].body)["room"]["sessionid"] == alice.sid);
}

TEST_CASE("hub §8.11: the backend's no_such_room is forwarded; joining the same room twice is "
          "already_joined",
          "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const Effects j = h.text(
        1, {{"id", "j"}, {"type", "room"}, {"room", {{"roomid", "r0"}, {"sessionid", "nc1"}}}});
    const json e = only_frame(
        h.reply(
            j.calls[0].call,
            json::parse(R"({"type":"error","error":{"code":"no_such_room","message":"gone"}})")),
        1);
    CHECK(e ==
          json::parse(
              R"({"id":"j","type":"error","error":{"code":"no_such_room","message":"gone"}})"));
    CHECK_FALSE(h.hub->session_for_test(alice.sid)->in_room());

    h.join(alice, "r1", "nc1");
    const Effects again = h.text(
        1, {{"id", "k"}, {"type", "room"}, {"room", {{"roomid", "r1"}, {"sessionid", "nc1"}}}});
    CHECK(again.calls.empty());
    const json err = only_frame(again, 1);
    CHECK(err["id"] == "k");
    CHECK(err["error"]["code"] == "already_joined");
    CHECK(err["error"]["details"]["room"]["roomid"] == "r1");
    CHECK(err["error"]["details"]["room"]["properties"] == json::parse(R"({"name":"Room"})"));
}

TEST_CASE("hub §8.11: another answer than room is room_join_failed", "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const Effects j = h.text(
        1, {{"id", "j"}, {"type", "room"}, {"room", {{"roomid", "r1"}, {"sessionid", "nc1"}}}});
    const json e = only_frame(
        h.reply(j.calls[0].call, json::parse(R"({"type":"auth","auth":{"version":"1.0"}})")), 1);
    CHECK(e["error"]["code"] == "room_join_failed");
    CHECK_FALSE(h.hub->session_for_test(alice.sid)->in_room());
}

TEST_CASE("hub §8.12: a joiner sees everyone; everyone sees the joiner", "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const Client bob = h.connect(2, "bob", {"chat-relay"});
    h.join(alice, "r1", "nc1");
    const Effects fx = h.join(bob, "r1", "nc2");
    const auto to_bob = frames(fx, 2);
    REQUIRE(to_bob.size() == 3);  // room reply, the others, himself
    CHECK(to_bob[1]["event"]["join"].size() == 1);
    CHECK(to_bob[1]["event"]["join"][0]["sessionid"] == alice.sid);
    CHECK(to_bob[2]["event"]["join"][0]["sessionid"] == bob.sid);
    const json to_alice = only_frame(fx, 1);
    CHECK(to_alice["event"]["type"] == "join");
    REQUIRE(to_alice["event"]["join"].size() == 1);
    CHECK(to_alice["event"]["join"][0]["sessionid"] == bob.sid);
    CHECK(to_alice["event"]["join"][0]["roomsessionid"] == "nc2");
    CHECK(to_alice["event"]["join"][0]["features"] == json{"chat-relay"});
}

TEST_CASE(
    "hub §8.13: one socket per Talk session: the older holder gets bye, the backend hears nothing",
    "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const Client bob = h.connect(2, "bob");
    h.join(alice, "r1", "nc1");
    h.join(bob, "r1", "nc2");
    const Client again = h.connect(3, "alice");
    const Effects j = h.text(
        3, {{"id", "j"}, {"type", "room"}, {"room", {{"roomid", "r1"}, {"sessionid", "nc1"}}}});
    const Effects fx = h.reply(
        j.calls[0].call, json::parse(R"({"type":"room","room":{"version":"1.0","roomid":"r1"}})"));
    CHECK(only_frame(fx, 1) ==
          json::parse(R"({"type":"bye","bye":{"reason":"room_session_reconnected"}})"));
    CHECK(closes(fx, 1));
    CHECK(fx.calls.empty());
    CHECK(h.hub->session_for_test(alice.sid) == nullptr);
    const auto to_bob = frames(fx, 2);
    REQUIRE(to_bob.size() == 2);
    CHECK(to_bob[0]["event"]["leave"] == json{alice.sid});
    CHECK(to_bob[1]["event"]["join"][0]["sessionid"] == again.sid);
}

TEST_CASE(
    "hub §8.14: leave is answered, the others get leave, the backend gets leave; again: no reply",
    "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const Client bob = h.connect(2, "bob");
    h.join(alice, "r1", "nc1");
    h.join(bob, "r1", "nc2");
    const json leave = {{"id", "l"}, {"type", "room"}, {"room", {{"roomid", ""}}}};
    const Effects fx = h.text(1, leave);
    CHECK(only_frame(fx, 1) == json::parse(R"({"id":"l","type":"room","room":{"roomid":""}})"));
    CHECK(only_frame(fx, 2) ==
          json::parse(R"({"type":"event","event":{"target":"room","type":"leave","leave":[")" +
                      alice.sid + R"("]}})"));
    REQUIRE(fx.calls.size() == 1);
    CHECK(json::parse(fx.calls[0].body) ==
          json::parse(R"({"type":"room","room":{"version":"1.0","roomid":"r1",)"
                      R"("userid":"alice","sessionid":"nc1","action":"leave"}})"));
    CHECK(h.text(1, leave).empty());
}

TEST_CASE("hub §8.14: the last member leaving removes the room", "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    h.join(alice, "r1", "nc1");
    CHECK(h.hub->stats().rooms == 1);
    h.text(1, {{"id", "l"}, {"type", "room"}, {"room", {{"roomid", ""}}}});
    CHECK(h.hub->stats().rooms == 0);
    CHECK(h.hub->room_for_test(0, "r1") == nullptr);
}

TEST_CASE("hub §8.36: the backend is pinged every 10 s for each room with its Talk sessions",
          "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const Client guest = h.connect(2, "");
    h.join(alice, "r1", "nc1");
    h.join(guest, "r1", "nc2");
    CHECK(h.advance(9'000'000).calls.empty());
    const Effects fx = h.advance(1'000'000);
    REQUIRE(fx.calls.size() == 1);
    CHECK(fx.calls[0].url == "https://nc.test/ocs/v2.php/apps/spreed/api/v3/signaling/backend");
    CHECK(json::parse(fx.calls[0].body) ==
          json::parse(R"({"type":"ping","ping":{"version":"1.0","roomid":"r1","entries":[)"
                      R"({"sessionid":"nc1","userid":"alice"},{"sessionid":"nc2"}]}})"));
    CHECK(h.reply(fx.calls[0].call, json::parse(R"({"type":"room","room":{"version":"1.0"}})"))
              .empty());
    CHECK(h.advance(10'000'000).calls.size() == 1);
}

TEST_CASE("hub §3.5: join events carry no display names for hide-displaynames holders",
          "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const Client bob = h.connect(2, "bob");
    h.join(alice, "r1", "nc1");
    const auto to_bob = frames(h.join(bob, "r1", "nc2", json::array({"hide-displaynames"})), 2);
    REQUIRE(to_bob.size() == 3);
    CHECK(to_bob[1]["event"]["join"][0]["sessionid"] == alice.sid);
    CHECK(to_bob[1]["event"]["join"][0]["user"] == json::object());
    CHECK(to_bob[2]["event"]["join"][0]["user"] == json::object());

    const Client carol = h.connect(3, "carol");
    const Effects fx = h.join(carol, "r1", "nc3");
    CHECK(only_frame(fx, 2)["event"]["join"][0]["user"] == json::object());
    CHECK(only_frame(fx, 1)["event"]["join"][0]["user"] == json{{"displayname", "carol"}});
}
