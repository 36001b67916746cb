// Nextcloud's POSTs to /api/v1/room/{id} and internal clients' virtual sessions:
// signaling-protocol.md §8 items 25–34 and 39.
#include "signaling/backend_api/checksum.hpp"
#include "signaling/hub/hub_test_harness.hpp"

using namespace tern::sig;
using namespace tern::sig::test;

namespace {

/// alice (conn 1, nc1) and bob (conn 2, nc2) in r1.
struct Room1 {
    HubHarness h;
    Client alice;
    Client bob;
    Room1(const std::vector<std::string>& bob_features = {}) {
        alice = h.connect(1, "alice");
        bob = h.connect(2, "bob", bob_features);
        h.join(alice, "r1", "nc1");
        h.join(bob, "r1", "nc2");
    }
};

void require_ok(const Effects& fx) {
    REQUIRE(fx.answers.size() == 1);
    CHECK(fx.answers[0].status == 200);
    CHECK(fx.answers[0].body == "{}");
}

Client internal_client(HubHarness& h, ConnId conn, const std::vector<std::string>& features = {}) {
    const std::string random(64, 'b');
    h.open(conn);
    const json hello = only_frame(
        h.text(conn, HubHarness::internal_hello(
                         random, backend_checksum(kInternalSecret, random, ""), features)),
        conn);
    return Client{conn, hello["hello"]["sessionid"], hello["hello"]["resumeid"], ""};
}

}  // namespace

TEST_CASE("hub §8.25: update: members get the new properties, the users a roomlist update",
          "[signaling][hub]") {
    Room1 t;
    const Effects fx = t.h.post(
        "r1",
        json::parse(
            R"({"type":"update","update":{"userids":["alice"],"properties":{"name":"New"}}})"));
    require_ok(fx);
    const json props =
        json::parse(R"({"type":"room","room":{"roomid":"r1","properties":{"name":"New"}}})");
    CHECK(only_frame(fx, 2) == props);
    const auto to_alice = frames(fx, 1);
    REQUIRE(to_alice.size() == 2);
    CHECK(to_alice[0] == props);
    CHECK(to_alice[1] ==
          json::parse(R"({"type":"event","event":{"target":"roomlist","type":"update",)"
                      R"("update":{"roomid":"r1","properties":{"name":"New"}}}})"));
    // The same properties again change nothing for the members.
    CHECK(
        frames(t.h.post(
                   "r1",
                   json::parse(
                       R"({"type":"update","update":{"userids":[],"properties":{"name":"New"}}})")),
               2)
            .empty());
}

TEST_CASE("hub §8.26: invite: invitees get invite, the other users update", "[signaling][hub]") {
    HubHarness h;
    h.connect(1, "alice");
    h.connect(2, "bob");
    const Effects fx = h.post(
        "r1",
        json::parse(
            R"({"type":"invite","invite":{"userids":["bob"],"alluserids":["alice","bob"],"properties":{}}})"));
    require_ok(fx);
    CHECK(only_frame(fx, 2) ==
          json::parse(R"({"type":"event","event":{"target":"roomlist","type":"invite",)"
                      R"("invite":{"roomid":"r1","properties":{}}}})"));
    CHECK(only_frame(fx, 1)["event"]["type"] == "update");
}

TEST_CASE("hub §8.27: disinvite by user or by Talk session: the event, then the socket closes",
          "[signaling][hub]") {
    {
        Room1 t;
        const Effects fx = t.h.post(
            "r1",
            json::parse(
                R"({"type":"disinvite","disinvite":{"userids":["bob"],"alluserids":["alice"]}})"));
        require_ok(fx);
        const auto to_bob = frames(fx, 2);
        REQUIRE(to_bob.size() == 1);
        CHECK(to_bob[0] ==
              json::parse(R"({"type":"event","event":{"target":"roomlist","type":"disinvite",)"
                          R"("disinvite":{"roomid":"r1","reason":"disinvited"}}})"));
        CHECK(closes(fx, 2));
        CHECK(t.h.hub->session_for_test(t.bob.sid) == nullptr);
        const auto to_alice = frames(fx, 1);
        REQUIRE(to_alice.size() == 2);
        CHECK(to_alice[0]["event"]["type"] == "leave");
        CHECK(to_alice[1]["event"]["type"] == "update");
    }
    Room1 t;
    const Effects fx = t.h.post(
        "r1",
        json::parse(R"({"type":"disinvite","disinvite":{"sessionids":["nc2"],"alluserids":[]}})"));
    CHECK(only_frame(fx, 2)["event"]["disinvite"]["reason"] == "disinvited");
    CHECK(closes(fx, 2));
    CHECK_FALSE(closes(fx, 1));
}

TEST_CASE("hub §8.28: delete: members are out of the room, the users disinvited as deleted",
          "[signaling][hub]") {
    Room1 t;
    const Effects fx =
        t.h.post("r1", json::parse(R"({"type":"delete","delete":{"userids":["alice"]}})"));
    require_ok(fx);
    const json gone = json::parse(R"({"type":"room","room":{"roomid":""}})");
    CHECK(only_frame(fx, 2) == gone);
    const auto to_alice = frames(fx, 1);
    REQUIRE(to_alice.size() == 2);
    CHECK(to_alice[0] == gone);
    CHECK(to_alice[1]["event"]["disinvite"] ==
          json::parse(R"({"roomid":"r1","reason":"deleted"})"));
    CHECK(t.h.hub->stats().rooms == 0);
    CHECK_FALSE(t.h.hub->session_for_test(t.alice.sid)->in_room());
}

TEST_CASE("hub §8.29: incall: participants update with our session ids, no changed or permissions",
          "[signaling][hub]") {
    Room1 t;
    const Effects fx = t.h.post(
        "r1", json::parse(R"({"type":"incall","incall":{"incall":7,)"
                          R"("changed":[{"sessionId":"nc1","inCall":7,"permissions":["control"]}],)"
                          R"("users":[{"sessionId":"nc1","inCall":7,"permissions":["control"]},)"
                          R"({"sessionId":"unknown","inCall":1}]}})"));
    require_ok(fx);
    const json ev = only_frame(fx, 2);
    CHECK(ev["event"]["target"] == "participants");
    CHECK(ev["event"]["type"] == "update");
    const json& update = ev["event"]["update"];
    CHECK(update["roomid"] == "r1");
    CHECK_FALSE(update.contains("changed"));
    REQUIRE(update["users"].size() == 1);
    CHECK(update["users"][0]["sessionId"] == t.alice.sid);
    CHECK(update["users"][0]["inCall"] == 7);
    CHECK_FALSE(update["users"][0].contains("permissions"));
    CHECK(t.h.hub->session_for_test(t.alice.sid)->in_call == 7);
}

TEST_CASE("hub §8.30: incall all", "[signaling][hub]") {
    Room1 t;
    t.h.post(
        "r1",
        json::parse(
            R"({"type":"incall","incall":{"incall":7,"changed":[{"sessionId":"nc1","inCall":7}],"users":[]}})"));
    const Effects fx =
        t.h.post("r1", json::parse(R"({"type":"incall","incall":{"incall":0,"all":true}})"));
    CHECK(only_frame(fx, 1) ==
          json::parse(R"({"type":"event","event":{"target":"participants","type":"update",)"
                      R"("update":{"roomid":"r1","incall":0,"all":true}}})"));
    CHECK(t.h.hub->session_for_test(t.alice.sid)->in_call == 0);
}

TEST_CASE("hub §8.31: participants: permissions apply (control stops)", "[signaling][hub]") {
    HubHarness h;
    const Client alice = h.connect(1, "alice");
    const Client bob = h.connect(2, "bob");
    h.join(alice, "r1", "nc1", json::array({"control"}));
    h.join(bob, "r1", "nc2");
    const json ctl = HubHarness::message_to({{"type", "session"}, {"sessionid", bob.sid}},
                                            {{"action", "forceMute"}}, "control");
    CHECK(frames(h.text(1, ctl), 2).size() == 1);
    const Effects fx = h.post(
        "r1", json::parse(R"({"type":"participants","participants":{"changed":[{"sessionId":"nc1",)"
                          R"("permissions":["publish-audio"]}],"users":[{"sessionId":"nc1"}]}})"));
    require_ok(fx);
    CHECK(only_frame(fx, 2)["event"]["update"]["users"][0] == json{{"sessionId", alice.sid}});
    CHECK(h.text(1, ctl).empty());
}

TEST_CASE("hub §8.32: chat messages: chat-relay clients get the comment, others refresh",
          "[signaling][hub]") {
    Room1 t({"chat-relay"});
    const Effects fx =
        t.h.post("r1", json::parse(R"({"type":"message","message":{"data":{"type":"chat",)"
                                   R"("chat":{"refresh":true,"comment":{"id":1}}}}})"));
    require_ok(fx);
    CHECK(only_frame(fx, 2) ==
          json::parse(
              R"({"type":"event","event":{"target":"room","type":"message",)"
              R"("message":{"roomid":"r1","data":{"type":"chat","chat":{"comment":{"id":1}}}}}})"));
    CHECK(only_frame(fx, 1)["event"]["message"]["data"] ==
          json::parse(R"({"type":"chat","chat":{"refresh":true}})"));
    const Effects rec = t.h.post(
        "r1",
        json::parse(
            R"({"type":"message","message":{"data":{"type":"recording","recording":{"status":1}}}})"));
    CHECK(only_frame(rec, 1)["event"]["message"]["data"] ==
          json::parse(R"({"type":"recording","recording":{"status":1}})"));
}

TEST_CASE("hub §8.33: switchto reaches the mapped sessions with their details",
          "[signaling][hub]") {
    Room1 t;
    const Effects fx = t.h.post(
        "r1", json::parse(
                  R"({"type":"switchto","switchto":{"roomid":"r2","sessions":{"nc1":{"x":1}}}})"));
    require_ok(fx);
    CHECK(only_frame(fx, 1) ==
          json::parse(R"({"type":"event","event":{"target":"room","type":"switchto",)"
                      R"("switchto":{"roomid":"r2","details":{"x":1}}}})"));
    CHECK(frames(fx, 2).empty());
}

TEST_CASE("hub §8.34: transient and unknown types are 400; dial-out checks and no client",
          "[signaling][hub]") {
    HubHarness h;
    CHECK(
        h.post("r1", json::parse(R"({"type":"transient","transient":{}})")).answers.at(0).status ==
        400);
    CHECK(h.post("r1", json::parse(R"({"type":"foo","foo":{}})")).answers.at(0).status == 400);
    const Effects bad =
        h.post("123", json::parse(R"({"type":"dialout","dialout":{"number":"123"}})"));
    REQUIRE(bad.answers.size() == 1);
    CHECK(bad.answers[0].status == 400);
    CHECK(json::parse(bad.answers[0].body)["dialout"]["error"]["code"] == "invalid_number");
    const Effects none =
        h.post("123", json::parse(R"({"type":"dialout","dialout":{"number":"+4930123"}})"));
    CHECK(none.answers.at(0).status == 404);
    CHECK(json::parse(none.answers[0].body)["dialout"]["error"]["code"] == "no_client_available");
}

TEST_CASE("hub §3.8: dial-out through an internal client with start-dialout", "[signaling][hub]") {
    HubHarness h;
    const Client sip = internal_client(h, 9, {"start-dialout"});
    const Effects fx = h.post(
        "123",
        json::parse(
            R"({"type":"dialout","dialout":{"number":"+4930123","options":{"actorId":"a"}}})"),
        77);
    CHECK(fx.answers.empty());
    const json req = only_frame(fx, 9);
    CHECK(req["internal"]["dialout"]["request"]["number"] == "+4930123");
    CHECK(req["internal"]["dialout"]["backend"] == "https://nc.test/");
    const json status = {
        {"id", req["id"]},
        {"type", "internal"},
        {"internal",
         {{"type", "dialout"},
          {"dialout",
           {{"type", "status"}, {"status", {{"callid", "c1"}, {"status", "accepted"}}}}}}}};
    const Effects done = h.text(9, status);
    REQUIRE(done.answers.size() == 1);
    CHECK(done.answers[0].http == 77);
    CHECK(done.answers[0].status == 200);
    CHECK(json::parse(done.answers[0].body) ==
          json::parse(R"({"type":"dialout","dialout":{"callid":"c1"}})"));
    (void)sip;
}

TEST_CASE("hub §8.39: an internal client's virtual session joins, shows up and receives messages",
          "[signaling][hub]") {
    Room1 t;
    const Client sip = internal_client(t.h, 9);
    const json add = json::parse(
        R"({"type":"internal","internal":{"type":"addsession","addsession":{"sessionid":"v1",)"
        R"("roomid":"r1","userid":"","user":{"type":"phone","number":"+49"},"flags":1}}})");
    const Effects fx = t.h.text(9, add);
    REQUIRE(fx.calls.size() == 1);
    const json body = json::parse(fx.calls[0].body);
    CHECK(body["type"] == "session");
    CHECK(body["session"]["action"] == "add");
    CHECK(body["session"]["roomid"] == "r1");
    const std::string v = body["session"]["sessionid"];
    const auto to_alice = frames(fx, 1);
    REQUIRE(to_alice.size() == 3);
    CHECK(to_alice[0]["event"]["join"][0]["sessionid"] == v);
    CHECK_FALSE(to_alice[0]["event"]["join"][0].contains("roomsessionid"));
    const json& users = to_alice[1]["event"]["update"]["users"];
    REQUIRE(users.size() == 1);
    CHECK(users[0]["sessionId"] == v);
    CHECK(users[0]["virtual"] == true);
    CHECK(users[0]["inCall"] == 9);
    CHECK(to_alice[2]["event"]["flags"] == json{{"roomid", "r1"}, {"sessionid", v}, {"flags", 1}});

    const Effects msg = t.h.text(
        1, HubHarness::message_to({{"type", "session"}, {"sessionid", v}}, {{"type", "mute"}}));
    const json got = only_frame(msg, 9);
    CHECK(got["message"]["recipient"] == json{{"type", "session"}, {"sessionid", "v1"}});
    CHECK(got["message"]["sender"]["sessionid"] == t.alice.sid);

    const Effects removed =
        t.h.text(9, json::parse(R"({"type":"internal","internal":{"type":"removesession",)"
                                R"("removesession":{"sessionid":"v1","roomid":"r1"}}})"));
    CHECK(only_frame(removed, 2)["event"]["leave"] == json{v});
    REQUIRE(removed.calls.size() == 1);
    CHECK(json::parse(removed.calls[0].body)["session"]["action"] == "remove");
    (void)sip;
}

TEST_CASE("hub §3.8: updatesession flags and in-call, the internal client's own incall",
          "[signaling][hub]") {
    Room1 t;
    internal_client(t.h, 9);
    t.h.text(
        9,
        json::parse(
            R"({"type":"internal","internal":{"type":"addsession","addsession":{"sessionid":"v1",)"
            R"("roomid":"r1","userid":""}}})"));
    const Effects fl =
        t.h.text(9, json::parse(R"({"type":"internal","internal":{"type":"updatesession",)"
                                R"("updatesession":{"sessionid":"v1","roomid":"r1","flags":5}}})"));
    const json flags = only_frame(fl, 1);
    CHECK(flags["event"]["type"] == "flags");
    CHECK(flags["event"]["flags"]["flags"] == 5);
    const Effects ic = t.h.text(
        9, json::parse(R"({"type":"internal","internal":{"type":"updatesession",)"
                       R"("updatesession":{"sessionid":"v1","roomid":"r1","incall":0}}})"));
    CHECK(only_frame(ic, 2)["event"]["update"]["users"][0]["inCall"] == 0);

    // The internal client joins the room itself (no backend request) and changes its in-call state.
    const Effects join = t.h.text(9, {{"id", "j"}, {"type", "room"}, {"room", {{"roomid", "r1"}}}});
    CHECK(join.calls.empty());
    CHECK(frames(join, 9).front()["room"]["roomid"] == "r1");
    const Effects own = t.h.text(
        9,
        json::parse(R"({"type":"internal","internal":{"type":"incall","incall":{"incall":1}}})"));
    const json update = only_frame(own, 1);
    const json& users = update["event"]["update"]["users"];
    bool internal_seen = false;
    for (const json& u : users) {
        if (u.contains("internal")) {
            internal_seen = true;
            CHECK(u["inCall"] == 1);
        }
    }
    CHECK(internal_seen);
}

TEST_CASE("hub §3.8: an internal client's virtual sessions go with it", "[signaling][hub]") {
    Room1 t;
    internal_client(t.h, 9);
    t.h.text(
        9,
        json::parse(
            R"({"type":"internal","internal":{"type":"addsession","addsession":{"sessionid":"v1",)"
            R"("roomid":"r1","userid":""}}})"));
    CHECK(t.h.hub->stats().sessions == 4);
    const Effects bye = t.h.text(9, {{"id", "b"}, {"type", "bye"}, {"bye", json::object()}});
    CHECK(only_frame(bye, 1)["event"]["type"] == "leave");
    CHECK(t.h.hub->stats().sessions == 2);
}
