// Two hubs (nodes 1 and 2) on a fake cluster bus: what one publishes reaches the other when it
// subscribed to the subject, as NATS does (no echo to the publisher). Checks the cross-node
// joins, leaves, messages and backend requests of docs/signaling.md, "Clustering".
#include "signaling/cluster/cluster_event_codec.hpp"
#include "signaling/cluster/cluster_subjects.hpp"
#include "signaling/hub/hub_test_harness.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace tern::sig::test {

namespace {

const std::vector<std::string> kNats = {"nats://127.0.0.1:4222"};

/// Two nodes and the bus between them. run() carries a node's Effects over the bus until nothing
/// more is published and returns, per node, the client-facing Effects that resulted.
struct Cluster {
    std::array<HubHarness, 2> node{HubHarness{true, 1, kNats}, HubHarness{true, 2, kNats}};
    std::array<std::set<std::string>, 2> subs;
    uint64_t messages = 0;

    static bool matches(const std::string& pattern, const std::string& subject) {
        if (pattern.ends_with(".>")) {
            return subject.starts_with(pattern.substr(0, pattern.size() - 1));
        }
        return pattern == subject;
    }

    std::array<Effects, 2> run(std::size_t from, Effects fx) {
        std::array<Effects, 2> out;
        carry(from, std::move(fx), out);
        return out;
    }

    void carry(std::size_t from, Effects fx, std::array<Effects, 2>& out) {
        for (const cluster::Interest& i : fx.cluster_interest) {
            if (i.on) {
                CHECK(subs[from].insert(i.subject).second);  // never subscribed twice
            } else {
                CHECK(subs[from].erase(i.subject) == 1);
            }
        }
        const auto publishes = std::move(fx.cluster_publishes);
        fx.cluster_interest.clear();
        fx.cluster_publishes.clear();
        out[from].merge(std::move(fx));
        for (const cluster::Publish& p : publishes) {
            const std::string payload = cluster::write_event(*p.event);  // as NATS carries it
            REQUIRE(cluster::parse_event(payload));
            const std::size_t to = 1 - from;
            for (const std::string& pattern : subs[to]) {
                if (matches(pattern, p.subject)) {
                    ++messages;
                    carry(to, node[to].hub->on_cluster_message(p.subject, payload, 0, node[to].now),
                          out);
                    break;
                }
            }
        }
    }

    /// Connects on node `n` and starts its node-wide subscriptions.
    Client connect(std::size_t n, ConnId c, const std::string& user) {
        HubHarness& h = node[n];
        run(n, h.advance(1));
        run(n, h.open(c));
        const Effects hello = h.text(c, HubHarness::hello_v1(user));
        REQUIRE(hello.calls.size() == 1);
        const auto fx = run(
            n,
            h.reply(hello.calls[0].call,
                    {{"type", "auth"},
                     {"auth",
                      {{"version", "1.0"}, {"userid", user}, {"user", {{"displayname", user}}}}}}));
        const json reply = only_frame(fx[n], c);
        Client cl{c, reply["hello"]["sessionid"], reply["hello"]["resumeid"], user};
        CHECK(subs[n].contains(cluster::session_subject(cl.sid)));
        CHECK(subs[n].contains(cluster::user_subject("nc", user)));
        return cl;
    }
};

bool is_join_of(const json& f, const std::string& sid) {
    if (f["type"] != "event" || f["event"]["type"] != "join") {
        return false;
    }
    for (const json& e : f["event"]["join"]) {
        if (e["sessionid"] == sid) {
            return true;
        }
    }
    return false;
}

bool is_leave_of(const json& f, const std::string& sid) {
    return f["type"] == "event" && f["event"]["type"] == "leave" &&
           f["event"]["leave"].size() == 1 && f["event"]["leave"][0] == sid;
}

/// Alice on node 1 and bob on node 2, both in room r1.
struct TwoNodeRoom {
    Cluster c;
    Client alice = c.connect(0, 1, "alice");
    Client bob = c.connect(1, 2, "bob");
    std::array<Effects, 2> alice_join = c.run(0, c.node[0].join(alice, "r1", "rs-a"));
    std::array<Effects, 2> bob_join = c.run(1, c.node[1].join(bob, "r1", "rs-b"));
};

}  // namespace

TEST_CASE("hub cluster: a join is seen on the other node, and the joiner sees its members",
          "[signaling][hub][cluster]") {
    TwoNodeRoom t;
    // Alice was alone: her own join only.
    const auto alice_first = frames(t.alice_join[0], 1);
    REQUIRE(alice_first.size() == 2);  // room reply, her join event
    CHECK(frames(t.alice_join[1], 2).empty());
    // Bob joins on node 2: he hears of alice from node 1, alice hears of him.
    const auto to_bob = frames(t.bob_join[1], 2);
    CHECK(std::count_if(to_bob.begin(), to_bob.end(),
                        [&](const json& f) { return is_join_of(f, t.alice.sid); }) == 1);
    CHECK(std::count_if(to_bob.begin(), to_bob.end(),
                        [&](const json& f) { return is_join_of(f, t.bob.sid); }) == 1);
    const json to_alice = only_frame(t.bob_join[0], 1);
    CHECK(is_join_of(to_alice, t.bob.sid));
    CHECK(to_alice["event"]["join"][0]["userid"] == "bob");
    CHECK(to_alice["event"]["join"][0]["user"]["displayname"] == "bob");
    // Both nodes hold the room for their own member only.
    CHECK(t.c.node[0].hub->room_for_test(0, "r1")->members ==
          std::vector<std::string>{t.alice.sid});
    CHECK(t.c.node[1].hub->room_for_test(0, "r1")->members == std::vector<std::string>{t.bob.sid});
}

TEST_CASE("hub cluster: a leave reaches the other node; the last member drops the room subject",
          "[signaling][hub][cluster]") {
    TwoNodeRoom t;
    const std::string room_subject = cluster::room_subject("nc", "r1");
    CHECK(t.c.subs[1].contains(room_subject));
    const auto fx = t.c.run(
        1, t.c.node[1].text(2, {{"id", "l"}, {"type", "room"}, {"room", {{"roomid", ""}}}}));
    CHECK(is_leave_of(only_frame(fx[0], 1), t.bob.sid));
    CHECK_FALSE(t.c.subs[1].contains(room_subject));
    CHECK(t.c.subs[0].contains(room_subject));
    // A bye ends bob's session: its subject goes too.
    t.c.run(1, t.c.node[1].text(2, {{"type", "bye"}, {"bye", json::object()}}));
    CHECK_FALSE(t.c.subs[1].contains(cluster::session_subject(t.bob.sid)));
}

TEST_CASE("hub cluster: session, user, room and call messages and control cross nodes",
          "[signaling][hub][cluster]") {
    TwoNodeRoom t;
    SECTION("to a session of the other node") {
        const auto fx =
            t.c.run(0, t.c.node[0].text(1, HubHarness::message_to(
                                               {{"type", "session"}, {"sessionid", t.bob.sid}},
                                               {{"text", "hi"}})));
        CHECK(frames(fx[0], 1).empty());
        CHECK(only_frame(fx[1], 2) ==
              json{{"type", "message"},
                   {"message",
                    {{"sender",
                      {{"type", "session"}, {"sessionid", t.alice.sid}, {"userid", "alice"}}},
                     {"data", {{"text", "hi"}}}}}});
    }
    SECTION("control to a session of the other node, from a holder of control") {
        const auto fx =
            t.c.run(1, t.c.node[1].text(2, HubHarness::message_to(
                                               {{"type", "session"}, {"sessionid", t.alice.sid}},
                                               {{"action", "mute"}}, "control")));
        const json f = only_frame(fx[0], 1);
        CHECK(f["type"] == "control");
        CHECK(f["control"]["sender"]["sessionid"] == t.bob.sid);
    }
    SECTION("to a user whose sessions are on both nodes") {
        const Client bob2 = t.c.connect(0, 3, "bob");
        const auto fx =
            t.c.run(0, t.c.node[0].text(1, HubHarness::message_to(
                                               {{"type", "user"}, {"userid", "bob"}}, {{"n", 1}})));
        CHECK(only_frame(fx[0], 3)["message"]["sender"]["type"] == "user");
        CHECK(only_frame(fx[1], 2)["message"]["sender"]["type"] == "user");
        CHECK(only_frame(fx[1], 2)["message"]["sender"]["sessionid"] == t.alice.sid);
        CHECK(bob2.sid != t.bob.sid);
    }
    SECTION("to the room: every member but the sender, once") {
        const auto fx =
            t.c.run(1, t.c.node[1].text(2, HubHarness::message_to({{"type", "room"}}, {{"n", 2}})));
        CHECK(frames(fx[1], 2).empty());
        CHECK(only_frame(fx[0], 1)["message"]["sender"]["type"] == "room");
    }
    SECTION("to the call: only members in the call") {
        const auto fx =
            t.c.run(1, t.c.node[1].text(2, HubHarness::message_to({{"type", "call"}}, {{"n", 3}})));
        CHECK(frames(fx[0], 1).empty());
    }
    SECTION("an id of this node that does not exist goes nowhere") {
        std::string gone = t.alice.sid;
        gone[0] = gone[0] == 'A' ? 'B' : 'A';  // breaks the tag: not an id of this cluster
        const auto fx = t.c.run(
            0, t.c.node[0].text(1, HubHarness::message_to(
                                       {{"type", "session"}, {"sessionid", gone}}, {{"n", 4}})));
        CHECK(fx[0].sends.empty());
        CHECK(fx[1].sends.empty());
        // Only the joins crossed before (alice's and bob's room session ids claimed on every
        // node; bob's two join frames and "joined" to node 1, the member list back to node 2):
        // nothing more.
        CHECK(t.c.messages == 6);
    }
}

TEST_CASE("hub cluster: a backend request to one node reaches the room's members on both, once",
          "[signaling][hub][cluster]") {
    TwoNodeRoom t;
    const auto fx =
        t.c.run(0, t.c.node[0].post("r1", json::parse(R"({"type":"update","update":{"userids":[],)"
                                                      R"("properties":{"name":"New"}}})")));
    REQUIRE(fx[0].answers.size() == 1);
    CHECK(fx[0].answers[0].status == 200);
    const json props =
        json::parse(R"({"type":"room","room":{"roomid":"r1","properties":{"name":"New"}}})");
    CHECK(only_frame(fx[0], 1) == props);
    CHECK(only_frame(fx[1], 2) == props);
    CHECK(fx[1].answers.empty());
    SECTION("a disinvite on node 1 ends bob's session on node 2; alice hears him leave") {
        const auto d = t.c.run(0, t.c.node[0].post("r1", json::parse(R"({"type":"disinvite",)"
                                                                     R"("disinvite":{"userids":)"
                                                                     R"(["bob"],"alluserids":)"
                                                                     R"(["alice"]}})")));
        CHECK(closes(d[1], 2));
        const auto to_alice = frames(d[0], 1);
        CHECK(std::count_if(to_alice.begin(), to_alice.end(),
                            [&](const json& f) { return is_leave_of(f, t.bob.sid); }) == 1);
    }
}

TEST_CASE("hub cluster: foreign, own and malformed bus messages change nothing",
          "[signaling][hub][cluster]") {
    TwoNodeRoom t;
    Hub& hub = *t.c.node[0].hub;
    const std::string room = cluster::room_subject("nc", "r1");
    CHECK(hub.on_cluster_message(room, "not json", 0, t.c.node[0].now).empty());
    CHECK(hub.on_cluster_message(room, R"({"v":1,"origin":2,"type":"room"})", 0, t.c.node[0].now)
              .empty());
    // An event claiming to come from this node (NATS echo) is not applied twice.
    const std::string own = cluster::write_event(
        cluster::Event{1, cluster::RoomFrame{"nc", "r1", "", false, "", {}, R"({"x":1})"}});
    CHECK(hub.on_cluster_message(room, own, 0, t.c.node[0].now).empty());
    // An unknown backend or room.
    const std::string other = cluster::write_event(
        cluster::Event{2, cluster::RoomFrame{"nope", "r1", "", false, "", {}, R"({"x":1})"}});
    CHECK(hub.on_cluster_message(room, other, 0, t.c.node[0].now).empty());
    const std::string ok = cluster::write_event(
        cluster::Event{2, cluster::RoomFrame{"nc", "r1", "", false, "", {}, R"({"x":1})"}});
    CHECK(only_frame(hub.on_cluster_message(room, ok, 0, t.c.node[0].now), 1) == json{{"x", 1}});
}

TEST_CASE("hub cluster: an event from another shard acts as the same event from NATS",
          "[signaling][hub][cluster]") {
    TwoNodeRoom t;
    Hub& hub = *t.c.node[0].hub;
    const std::string room = cluster::room_subject("nc", "r1");
    const cluster::Event ok{2, cluster::RoomFrame{"nc", "r1", "", false, "", {}, R"({"x":1})"}};
    CHECK(only_frame(hub.on_cluster_event(room, ok, t.c.node[0].now), 1) == json{{"x", 1}});
    const cluster::Event own{1, cluster::RoomFrame{"nc", "r1", "", false, "", {}, R"({"x":1})"}};
    CHECK(hub.on_cluster_event(room, own, t.c.node[0].now).empty());
}

TEST_CASE("hub cluster: without NATS (or with nats://loopback) nothing is published",
          "[signaling][hub][cluster]") {
    for (const auto& nats :
         {std::vector<std::string>{}, std::vector<std::string>{"nats://loopback"}}) {
        HubHarness h{true, 1, nats};
        Effects all = h.advance(1);
        const Client a = h.connect(1, "alice");
        all.merge(h.join(a, "r1", "rs-a"));
        all.merge(h.text(1, HubHarness::message_to({{"type", "user"}, {"userid", "bob"}}, 1)));
        all.merge(h.post("r1", json::parse(R"({"type":"update","update":{"properties":{}}})")));
        CHECK(all.cluster_interest.empty());
        CHECK(all.cluster_publishes.empty());
    }
}

TEST_CASE("hub cluster: one socket per Talk session across nodes (room_session_reconnected)",
          "[signaling][hub][cluster]") {
    TwoNodeRoom t;
    // Bob's Talk session reconnects through node 1 with a new signaling session: his session on
    // node 2 goes with bye room_session_reconnected, and the backend is not told.
    const Client bob2 = t.c.connect(0, 3, "bob");
    const auto fx = t.c.run(0, t.c.node[0].join(bob2, "r1", "rs-b"));
    bool bye = false;
    for (const json& f : frames(fx[1], 2)) {
        bye = bye || (f["type"] == "bye" && f["bye"]["reason"] == "room_session_reconnected");
    }
    CHECK(bye);
    CHECK(fx[1].calls.empty());
    // A room session id nobody else holds kicks nobody.
    const Client carol = t.c.connect(1, 4, "carol");
    const auto quiet = t.c.run(1, t.c.node[1].join(carol, "r1", "rs-c"));
    for (const json& f : frames(quiet[0], 1)) {
        CHECK(f["type"] != "bye");
    }
}

TEST_CASE("hub cluster: transient data crosses nodes, and a joiner on a node new to the room "
          "gets it whole",
          "[signaling][hub][cluster]") {
    Cluster c;
    const Client alice = c.connect(0, 1, "alice");
    const Client bob = c.connect(1, 2, "bob");
    c.run(0, c.node[0].join(alice, "r1", "rs-a"));
    const json set_k = {{"type", "transient"},
                        {"transient", {{"type", "set"}, {"key", "k"}, {"value", 1}}}};
    c.run(0, c.node[0].text(1, set_k));
    // Bob joins on node 2, which had nobody in r1: node 1 answers with its data.
    const auto joined = c.run(1, c.node[1].join(bob, "r1", "rs-b"));
    bool initial = false;
    for (const json& f : frames(joined[1], 2)) {
        initial = initial || f == json::parse(R"({"type":"transient","transient":)"
                                              R"({"type":"initial","data":{"k":1}}})");
    }
    CHECK(initial);
    // A change on node 2 reaches alice on node 1, once.
    const json set_sd = {{"type", "transient"},
                         {"transient", {{"type", "set"}, {"key", "sd:" + bob.sid}, {"value", 2}}}};
    const auto changed = c.run(1, c.node[1].text(2, set_sd));
    const json to_alice = only_frame(changed[0], 1);
    CHECK(to_alice["transient"]["type"] == "set");
    CHECK(to_alice["transient"]["key"] == "sd:" + bob.sid);
    // Bob leaves: his sd: key goes on both nodes.
    const auto left =
        c.run(1, c.node[1].text(2, json{{"type", "room"}, {"room", {{"roomid", ""}}}}));
    bool removed = false;
    for (const json& f : frames(left[0], 1)) {
        removed = removed || (f["type"] == "transient" && f["transient"]["type"] == "remove" &&
                              f["transient"]["key"] == "sd:" + bob.sid);
    }
    CHECK(removed);
}

}  // namespace tern::sig::test
