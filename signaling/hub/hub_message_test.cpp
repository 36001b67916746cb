// The hub's message, control and transient flows: signaling-protocol.md §8 items 15–20 and 37.
#include "signaling/hub/hub_test_harness.hpp"

using namespace tern::sig;
using namespace tern::sig::test;

namespace {

const json kNick = json::parse(R"({"type":"nickChanged","payload":{"name":"A"}})");

/// alice (conn 1, nc1), bob (conn 2, nc2) in r1; alice's join answer carries `alice_permissions`.
struct TwoInRoom {
    HubHarness h;
    Client alice;
    Client bob;
    explicit TwoInRoom(const json& alice_permissions = nullptr,
                       const json& bob_permissions = nullptr) {
        alice = h.connect(1, "alice");
        bob = h.connect(2, "bob");
        h.join(alice, "r1", "nc1", alice_permissions);
        h.join(bob, "r1", "nc2", bob_permissions);
    }
};

}  // namespace

TEST_CASE("hub §8.15: a message to a session arrives with its sender", "[signaling][hub]") {
    TwoInRoom t;
    const Effects fx =
        t.h.text(1, HubHarness::message_to({{"type", "session"}, {"sessionid", t.bob.sid}}, kNick));
    CHECK(frames(fx, 1).empty());
    CHECK(only_frame(fx, 2) ==
          json{{"type", "message"},
               {"message",
                {{"sender", {{"type", "session"}, {"sessionid", t.alice.sid}, {"userid", "alice"}}},
                 {"data", kNick}}}});
}

TEST_CASE("hub §8.16: a message to an unknown session is dropped without an error",
          "[signaling][hub]") {
    TwoInRoom t;
    CHECK(t.h.text(1, HubHarness::message_to({{"type", "session"}, {"sessionid", "nobody"}}, kNick))
              .empty());
    CHECK(t.h.text(1,
                   HubHarness::message_to({{"type", "session"}, {"sessionid", t.alice.sid}}, kNick))
              .empty());
}

TEST_CASE("hub §8.17: room recipients are the other members; call recipients those in the call",
          "[signaling][hub]") {
    TwoInRoom t;
    const Client carol = t.h.connect(3, "carol");
    t.h.join(carol, "r1", "nc3");
    const json data = {{"type", "raiseHand"}};
    const Effects fx = t.h.text(1, HubHarness::message_to({{"type", "room"}}, data));
    CHECK(frames(fx, 1).empty());
    CHECK(only_frame(fx, 2)["message"]["sender"] ==
          json{{"type", "room"}, {"sessionid", t.alice.sid}, {"userid", "alice"}});
    CHECK(only_frame(fx, 3)["message"]["data"] == data);
    // One frame for the whole fan-out, shared by the recipients' queues.
    REQUIRE(fx.sends.size() == 2);
    CHECK(fx.sends[0].shared != nullptr);
    CHECK(fx.sends[0].shared == fx.sends[1].shared);
    CHECK(fx.sends[0].text.empty());

    t.h.post(
        "r1",
        json::parse(
            R"({"type":"incall","incall":{"incall":7,"changed":[{"sessionId":"nc3","inCall":7}],)"
            R"("users":[{"sessionId":"nc3","inCall":7}]}})"));
    const Effects call = t.h.text(1, HubHarness::message_to({{"type", "call"}}, data));
    CHECK(frames(call, 2).empty());
    CHECK(only_frame(call, 3)["message"]["sender"]["type"] == "call");

    const Client loner = t.h.connect(4, "dave");
    CHECK(t.h.text(4, HubHarness::message_to({{"type", "room"}}, data)).empty());
}

TEST_CASE("hub §8.18: user recipients get every session of that user; one's own user id nothing",
          "[signaling][hub]") {
    TwoInRoom t;
    const Client bob2 = t.h.connect(3, "bob");
    const Effects fx =
        t.h.text(1, HubHarness::message_to({{"type", "user"}, {"userid", "bob"}}, kNick));
    CHECK(only_frame(fx, 2)["message"]["sender"]["type"] == "user");
    CHECK(only_frame(fx, 3)["message"]["data"] == kNick);
    CHECK(
        t.h.text(2, HubHarness::message_to({{"type", "user"}, {"userid", "bob"}}, kNick)).empty());
}

TEST_CASE("hub §8.19: a bad recipient type or missing data is invalid_format", "[signaling][hub]") {
    TwoInRoom t;
    CHECK(only_frame(t.h.text(1, HubHarness::message_to({{"type", "foo"}}, kNick)),
                     1)["error"]["code"] == "invalid_format");
    const json no_data = {{"type", "message"}, {"message", {{"recipient", {{"type", "room"}}}}}};
    CHECK(only_frame(t.h.text(1, no_data), 1)["error"]["code"] == "invalid_format");
}

TEST_CASE("hub §8.20: control needs the control permission, else it is dropped",
          "[signaling][hub]") {
    const json data = {{"action", "forceMute"}, {"peerId", "x"}};
    {
        TwoInRoom t(json::array({"publish-audio"}));
        CHECK(t.h.text(1, HubHarness::message_to({{"type", "session"}, {"sessionid", t.bob.sid}},
                                                 data, "control"))
                  .empty());
    }
    TwoInRoom t(json::array({"control"}));
    const Effects fx =
        t.h.text(1, HubHarness::message_to({{"type", "session"}, {"sessionid", t.bob.sid}}, data,
                                           "control"));
    CHECK(only_frame(fx, 2) ==
          json{{"type", "control"},
               {"control",
                {{"sender", {{"type", "session"}, {"sessionid", t.alice.sid}, {"userid", "alice"}}},
                 {"data", data}}}});
}

TEST_CASE("hub §3.6: nickChanged is withheld from hide-displaynames holders", "[signaling][hub]") {
    TwoInRoom t(nullptr, json::array({"hide-displaynames"}));
    CHECK(
        t.h.text(1, HubHarness::message_to({{"type", "session"}, {"sessionid", t.bob.sid}}, kNick))
            .empty());
    CHECK(t.h.text(1, HubHarness::message_to({{"type", "room"}}, kNick)).empty());
    CHECK(
        only_frame(t.h.text(1, HubHarness::message_to({{"type", "room"}}, {{"type", "raiseHand"}})),
                   2)["type"] == "message");
}

TEST_CASE(
    "hub §8.37: transient data: not_in_room, everyone gets set, joiners get initial, sd: rule",
    "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const json set_k = {{"id", "t"},
                        {"type", "transient"},
                        {"transient", {{"type", "set"}, {"key", "k"}, {"value", 1}}}};
    CHECK(only_frame(h.text(1, set_k), 1)["error"]["code"] == "not_in_room");

    const Client bob = h.connect(2, "bob");
    h.join(alice, "r1", "nc1");
    h.join(bob, "r1", "nc2");
    const Effects fx = h.text(1, set_k);
    const json expect =
        json::parse(R"({"type":"transient","transient":{"type":"set","key":"k","value":1}})");
    CHECK(only_frame(fx, 1) == expect);
    CHECK(only_frame(fx, 2) == expect);
    CHECK(h.text(1, set_k).empty());  // unchanged

    const Client carol = h.connect(3, "carol");
    const auto joined = frames(h.join(carol, "r1", "nc3"), 3);
    REQUIRE_FALSE(joined.empty());
    CHECK(joined.back() ==
          json::parse(R"({"type":"transient","transient":{"type":"initial","data":{"k":1}}})"));

    const json foreign = {{"id", "s"},
                          {"type", "transient"},
                          {"transient", {{"type", "set"}, {"key", "sd:" + bob.sid}, {"value", 2}}}};
    CHECK(only_frame(h.text(1, foreign), 1)["error"]["code"] == "not_allowed");
    const json own = {{"type", "transient"},
                      {"transient", {{"type", "set"}, {"key", "sd:" + alice.sid}, {"value", 2}}}};
    CHECK(only_frame(h.text(1, own), 2)["transient"]["key"] == "sd:" + alice.sid);

    const json remove = {{"type", "transient"}, {"transient", {{"type", "remove"}, {"key", "k"}}}};
    CHECK(only_frame(h.text(2, remove), 3) ==
          json::parse(
              R"({"type":"transient","transient":{"type":"remove","key":"k","oldvalue":1}})"));
    // alice's own key goes when she leaves.
    const Effects left = h.text(1, {{"id", "l"}, {"type", "room"}, {"room", {{"roomid", ""}}}});
    CHECK(frames(left, 2).front()["transient"]["type"] == "remove");
}

TEST_CASE(
    "hub §8.37: transient data needs the transient-data permission; unknown types are ignored",
    "[signaling][hub]") {
    TwoInRoom t(json::array({"publish-audio"}));
    const json set_k = {{"id", "t"},
                        {"type", "transient"},
                        {"transient", {{"type", "set"}, {"key", "k"}, {"value", 1}}}};
    CHECK(only_frame(t.h.text(1, set_k), 1)["error"]["code"] == "not_allowed");
    const json odd = {
        {"id", "o"}, {"type", "transient"}, {"transient", {{"type", "frob"}, {"key", "k"}}}};
    CHECK(only_frame(t.h.text(2, odd), 2)["error"]["code"] == "ignored");
}

TEST_CASE("hub §3.9: a transient ttl removes the key when it runs out", "[signaling][hub]") {
    TwoInRoom t;
    const json set_k = {
        {"type", "transient"},
        {"transient", {{"type", "set"}, {"key", "k"}, {"value", 1}, {"ttl", 2'000'000'000}}}};
    t.h.text(1, set_k);
    CHECK(t.h.advance(1'000'000).empty());
    CHECK(only_frame(t.h.advance(1'000'000), 2)["transient"]["type"] == "remove");
}
