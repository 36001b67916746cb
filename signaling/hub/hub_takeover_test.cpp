// Resume on another node (hub_takeover.cpp): two hubs on a fake bus with a fake JetStream. What is
// published on a stream subject gets the next sequence number, is kept, and reaches every node
// subscribed to it (the publisher too, as the stream's republication does); the session bucket
// is a map. A "killed" node gets nothing more and its Effects are thrown away.
#include "signaling/cluster/cluster_event_codec.hpp"
#include "signaling/cluster/cluster_subjects.hpp"
#include "signaling/cluster/session_record_codec.hpp"
#include "signaling/cluster/session_store.hpp"
#include "signaling/hub/hub_test_harness.hpp"

#include <array>
#include <map>
#include <set>

namespace tern::sig::test {

namespace {

const std::vector<std::string> kNats = {"nats://127.0.0.1:4222"};

struct StoreBus {
    std::array<HubHarness, 2> node{HubHarness{true, 1, kNats}, HubHarness{true, 2, kNats}};
    std::array<std::set<std::string>, 2> subs;
    std::array<bool, 2> alive{true, true};
    std::map<std::string, std::string> kv;
    std::vector<cluster::StreamMessage> stream;
    std::vector<std::pair<std::size_t, cluster::ReplayRequest>> replays;  // not yet answered
    bool defer_replays = false;
    uint64_t backend_posts[2] = {0, 0};

    std::array<Effects, 2> run(std::size_t from, Effects fx) {
        std::array<Effects, 2> out;
        carry(from, std::move(fx), out);
        return out;
    }

    void deliver(std::size_t to, const std::string& subject, const std::string& payload,
                 uint64_t seq, std::array<Effects, 2>& out) {
        if (alive[to] && subs[to].contains(subject)) {
            carry(to, node[to].hub->on_cluster_message(subject, payload, seq, node[to].now), out);
        }
    }

    void carry(std::size_t from, Effects fx, std::array<Effects, 2>& out) {
        if (!alive[from]) {
            return;
        }
        for (const cluster::Interest& i : fx.cluster_interest) {
            if (i.on) {
                subs[from].insert(i.subject);
            } else {
                subs[from].erase(i.subject);
            }
        }
        for (const cluster::StoreOp& op : fx.cluster_store) {
            if (op.erase) {
                kv.erase(op.key);
            } else {
                kv[op.key] = op.value;
            }
        }
        backend_posts[from] += call_bodies(fx).size();
        auto publishes = std::move(fx.cluster_publishes);
        auto loads = std::move(fx.cluster_loads);
        auto replay_requests = std::move(fx.cluster_replays);
        fx.cluster_interest.clear();
        fx.cluster_store.clear();
        out[from].merge(std::move(fx));
        for (const cluster::Publish& p : publishes) {
            const std::string payload = cluster::write_event(*p.event);  // as NATS carries it
            REQUIRE(cluster::parse_event(payload));
            if (cluster::stream_subject(p.subject)) {
                const uint64_t seq = stream.size() + 1;
                stream.push_back({seq, p.subject, payload});
                deliver(0, p.subject, payload, seq, out);
                deliver(1, p.subject, payload, seq, out);
            } else {
                deliver(1 - from, p.subject, payload, 0, out);
            }
        }
        for (const cluster::LoadSession& l : loads) {
            cluster::LoadedSession found;
            if (const auto it = kv.find(l.key); it != kv.end()) {
                found.record = it->second;
                if (auto r = cluster::parse_record(found.record)) {
                    found.mark = kv[cluster::node_key(r->owner)];
                }
            }
            carry(from, node[from].hub->on_session_loaded(l.conn, found, node[from].now), out);
        }
        for (cluster::ReplayRequest& r : replay_requests) {
            replays.emplace_back(from, std::move(r));
        }
        if (!defer_replays) {
            answer_replays(out);
        }
    }

    void answer_replays(std::array<Effects, 2>& out) {
        auto pending = std::move(replays);
        replays.clear();
        for (auto& [n, r] : pending) {
            std::vector<cluster::StreamMessage> found;
            for (const cluster::StreamMessage& m : stream) {
                if (m.seq > r.after_seq && std::find(r.subjects.begin(), r.subjects.end(),
                                                     m.subject) != r.subjects.end()) {
                    found.push_back(m);
                }
            }
            carry(n, node[n].hub->on_session_replay(r.session, std::move(found), node[n].now), out);
        }
    }

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
        return Client{c, reply["hello"]["sessionid"], reply["hello"]["resumeid"], user};
    }

    std::array<Effects, 2> resume(std::size_t n, ConnId c, const std::string& rid) {
        run(n, node[n].open(c));
        return run(n, node[n].text(c, {{"id", "r"},
                                       {"type", "hello"},
                                       {"hello", {{"version", "1.0"}, {"resumeid", rid}}}}));
    }

    [[nodiscard]] cluster::SessionRecord record_of(const Client& c) {
        const auto it = kv.find(cluster::record_key(c.rid));
        REQUIRE(it != kv.end());
        auto r = cluster::parse_record(it->second);
        REQUIRE(r);
        return *r;
    }
};

/// The `key` values of the data of messages to `conn` from `sender`, in order.
std::vector<int> data_values(const Effects& fx, ConnId conn, const std::string& sender,
                             const std::string& key) {
    std::vector<int> out;
    for (const json& f : frames(fx, conn)) {
        if (f["type"] == "message" && f["message"]["sender"]["sessionid"] == sender &&
            f["message"]["data"].contains(key)) {
            out.push_back(f["message"]["data"][key].get<int>());
        }
    }
    return out;
}

bool has_leave_of(const Effects& fx, ConnId conn, const std::string& sid) {
    for (const json& f : frames(fx, conn)) {
        if (f["type"] == "event" && f["event"]["type"] == "leave") {
            for (const json& id : f["event"]["leave"]) {
                if (id == sid) {
                    return true;
                }
            }
        }
    }
    return false;
}

json to_session(const std::string& sid, const json& data) {
    return HubHarness::message_to({{"type", "session"}, {"sessionid", sid}}, data);
}

json to_room(const json& data) {
    return HubHarness::message_to({{"type", "room"}}, data);
}

/// Alice on node 1 and bob on node 2, both in r1.
struct Pair {
    StoreBus b;
    Client alice = b.connect(0, 1, "alice");
    Client bob = b.connect(1, 2, "bob");
    Pair() {
        b.run(0, b.node[0].join(alice, "r1", "rs-a"));
        b.run(1, b.node[1].join(bob, "r1", "rs-b"));
    }
};

}  // namespace

TEST_CASE("hub takeover: the record follows the session and goes with it",
          "[signaling][hub][cluster]") {
    StoreBus b;
    const Client alice = b.connect(0, 1, "alice");
    auto r = b.record_of(alice);
    CHECK(r.public_id == alice.sid);
    CHECK(r.owner == 1);
    CHECK(r.user_id == "alice");
    CHECK(r.user == R"({"displayname":"alice"})");
    CHECK(r.room.empty());
    CHECK(r.detached_us == 0);
    b.run(0, b.node[0].join(alice, "r1", "rs-a", json::array({"publish-audio"})));
    r = b.record_of(alice);
    CHECK(r.room == "r1");
    CHECK(r.room_session == "rs-a");
    REQUIRE(r.permissions);
    CHECK(*r.permissions == std::vector<std::string>{"publish-audio"});
    b.run(0, b.node[0].close(1));
    CHECK(b.record_of(alice).detached_us == b.node[0].now);
    b.run(0, b.node[0].advance(kResumeWindowUs + 1));
    CHECK_FALSE(b.kv.contains(cluster::record_key(alice.rid)));
    // Node 1's mark: its sign of life.
    auto mark = cluster::parse_node_mark(b.kv[cluster::node_key(1)]);
    REQUIRE(mark);
    CHECK(mark->at_us == b.node[0].now);
}

TEST_CASE("hub takeover: no store traffic outside a cluster", "[signaling][hub][cluster]") {
    HubHarness h;
    h.open(1);
    const Effects hello = h.text(1, HubHarness::hello_v1("alice"));
    REQUIRE(hello.calls.size() == 1);
    const Effects r = h.reply(hello.calls[0].call,
                              {{"type", "auth"}, {"auth", {{"version", "1.0"}, {"userid", "a"}}}});
    CHECK(r.cluster_store.empty());
    CHECK(h.advance(2'000'000).cluster_store.empty());
    // An unknown resume id is simply unknown.
    h.open(2);
    const json reply = only_frame(
        h.text(2, {{"type", "hello"}, {"hello", {{"version", "1.0"}, {"resumeid", "x"}}}}), 2);
    CHECK(reply["error"]["code"] == "no_such_session");
}

TEST_CASE("hub takeover: after its node dies a client resumes on another, every message once",
          "[signaling][hub][cluster]") {
    Pair t;
    // Seen before the node dies: never again.
    auto live = t.b.run(1, t.b.node[1].text(2, to_session(t.alice.sid, {{"seen", 0}})));
    CHECK(data_values(live[0], 1, t.bob.sid, "seen") == std::vector<int>{0});
    t.b.alive[0] = false;  // SIGKILL: no close, no detach, nothing written any more

    for (int n = 1; n <= 4; ++n) {
        const json data = {{"queued", n}};
        t.b.run(1, t.b.node[1].text(2, n % 2 != 0 ? to_session(t.alice.sid, data) : to_room(data)));
    }
    const auto fx = t.b.resume(1, 10, t.alice.rid);
    const auto hello = frames(fx[1], 10);
    REQUIRE_FALSE(hello.empty());
    CHECK(hello[0]["type"] == "hello");
    CHECK(hello[0]["hello"]["sessionid"] == t.alice.sid);
    CHECK(hello[0]["hello"]["resumeid"] == t.alice.rid);
    CHECK(data_values(fx[1], 10, t.bob.sid, "queued") == std::vector<int>{1, 2, 3, 4});
    CHECK(data_values(fx[1], 10, t.bob.sid, "seen").empty());
    CHECK_FALSE(has_leave_of(fx[1], 2, t.alice.sid));
    CHECK(frames(fx[1], 2).empty());  // bob: no leave, no join
    CHECK(t.b.record_of(t.alice).owner == 2);
    CHECK(t.b.node[1].hub->room_for_test(0, "r1")->has(t.alice.sid));

    // Now both on node 2: messages are local both ways, once.
    auto after = t.b.run(1, t.b.node[1].text(2, to_session(t.alice.sid, {{"live", 1}})));
    CHECK(data_values(after[1], 10, t.bob.sid, "live") == std::vector<int>{1});
    after = t.b.run(1, t.b.node[1].text(10, to_room({{"back", 1}})));
    CHECK(data_values(after[1], 2, t.alice.sid, "back") == std::vector<int>{1});
}

TEST_CASE("hub takeover: the client detached first: what its node queued is replayed",
          "[signaling][hub][cluster]") {
    Pair t;
    const Client carol = t.b.connect(0, 3, "carol");  // a member on alice's node
    t.b.run(0, t.b.node[0].join(carol, "r1", "rs-c"));
    t.b.run(0, t.b.node[0].text(3, to_room({{"before", 1}})));  // alice has it
    t.b.run(0, t.b.node[0].close(1));
    t.b.run(1, t.b.node[1].text(2, to_session(t.alice.sid, {{"queued", 1}})));  // queued on node 1
    t.b.run(0, t.b.node[0].text(3, to_room({{"queued", 2}})));                  // queued too
    t.b.alive[0] = false;
    t.b.run(1, t.b.node[1].text(2, to_room({{"queued", 3}})));
    const auto fx = t.b.resume(1, 10, t.alice.rid);
    std::vector<int> got = data_values(fx[1], 10, t.bob.sid, "queued");
    const std::vector<int> from_carol = data_values(fx[1], 10, carol.sid, "queued");
    CHECK(got == std::vector<int>{1, 3});
    CHECK(from_carol == std::vector<int>{2});
    CHECK(data_values(fx[1], 10, carol.sid, "before").empty());
    // In stream order: bob's 1, carol's 2, bob's 3.
    std::vector<std::string> order;
    for (const json& f : frames(fx[1], 10)) {
        if (f["type"] == "message") {
            order.push_back(f["message"]["sender"]["sessionid"]);
        }
    }
    CHECK(order == std::vector<std::string>{t.bob.sid, carol.sid, t.bob.sid});
}

TEST_CASE("hub takeover: live frames during the replay come after it, once",
          "[signaling][hub][cluster]") {
    Pair t;
    t.b.alive[0] = false;
    t.b.run(1, t.b.node[1].text(2, to_session(t.alice.sid, {{"n", 1}})));
    t.b.defer_replays = true;
    auto fx = t.b.resume(1, 10, t.alice.rid);
    REQUIRE(frames(fx[1], 10).size() == 1);  // the hello only
    // Bob, on the same node, talks to alice while her replay is on its way.
    fx = t.b.run(1, t.b.node[1].text(2, to_room({{"n", 2}})));
    CHECK(frames(fx[1], 10).empty());
    std::array<Effects, 2> out;
    t.b.answer_replays(out);
    CHECK(data_values(out[1], 10, t.bob.sid, "n") == std::vector<int>{1, 2});
}

TEST_CASE("hub takeover: a resume elsewhere while the owner lives moves the session quietly",
          "[signaling][hub][cluster]") {
    Pair t;
    const auto fx = t.b.resume(1, 10, t.alice.rid);
    CHECK(frames(fx[1], 10)[0]["hello"]["sessionid"] == t.alice.sid);
    // Node 1 closes alice's old socket as the reference does, and tells no one.
    const auto old = frames(fx[0], 1);
    REQUIRE(old.size() == 1);
    CHECK(old[0]["type"] == "bye");
    CHECK(old[0]["bye"]["reason"] == "session_resumed");
    CHECK(closes(fx[0], 1));
    CHECK(t.b.node[0].hub->session_for_test(t.alice.sid) == nullptr);
    CHECK(t.b.node[0].hub->room_for_test(0, "r1") == nullptr);
    CHECK(t.b.backend_posts[0] == 0);
    CHECK_FALSE(has_leave_of(fx[1], 2, t.alice.sid));
    CHECK(t.b.record_of(t.alice).owner == 2);
    CHECK(t.b.node[1].hub->session_for_test(t.alice.sid) != nullptr);
    // A member left on node 1 still reaches alice, whose id names node 1.
    const Client carol = t.b.connect(0, 3, "carol");
    const auto msg = t.b.run(0, t.b.node[0].text(3, to_session(t.alice.sid, {{"hi", 1}})));
    CHECK(data_values(msg[1], 10, carol.sid, "hi") == std::vector<int>{1});
    // Node 1's old connection closing afterwards changes nothing.
    const auto closed = t.b.run(0, t.b.node[0].close(1));
    CHECK(closed[1].sends.empty());
}

TEST_CASE("hub takeover: expired, foreign or unknown records are no_such_session",
          "[signaling][hub][cluster]") {
    SECTION("detached longer than the resume window") {
        Pair t;
        t.b.run(0, t.b.node[0].close(1));
        t.b.alive[0] = false;
        t.b.node[1].now += kResumeWindowUs + 1;
        const auto fx = t.b.resume(1, 10, t.alice.rid);
        CHECK(only_frame(fx[1], 10)["error"]["code"] == "no_such_session");
        CHECK_FALSE(t.b.kv.contains(cluster::record_key(t.alice.rid)));
    }
    SECTION("the record names another session") {
        Pair t;
        t.b.alive[0] = false;
        t.b.kv[cluster::record_key(t.alice.rid)] = t.b.kv[cluster::record_key(t.bob.rid)];
        const auto fx = t.b.resume(1, 10, t.alice.rid);
        CHECK(only_frame(fx[1], 10)["error"]["code"] == "no_such_session");
    }
    SECTION("a garbled record") {
        Pair t;
        t.b.alive[0] = false;
        t.b.kv[cluster::record_key(t.alice.rid)] = "{\"v\":1}";
        const auto fx = t.b.resume(1, 10, t.alice.rid);
        CHECK(only_frame(fx[1], 10)["error"]["code"] == "no_such_session");
    }
    SECTION("ended with a bye") {
        Pair t;
        t.b.run(0, t.b.node[0].text(1, {{"id", "b"}, {"type", "bye"}, {"bye", json::object()}}));
        const auto fx = t.b.resume(1, 10, t.alice.rid);
        CHECK(only_frame(fx[1], 10)["error"]["code"] == "no_such_session");
    }
}

}  // namespace tern::sig::test
