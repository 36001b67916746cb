#include "signaling/mcu/mcu_client.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

using namespace tern;
using namespace tern::sig::mcu;
using nlohmann::json;

namespace {

constexpr uint64_t kSec = 1'000'000;
constexpr uint64_t kT0 = 1'800'000'000 * kSec;

McuClient make_client(std::size_t proxies) {
    McuClientOptions o;
    for (std::size_t i = 0; i < proxies; ++i) {
        o.urls.push_back("ws://proxy" + std::to_string(i) + ":9090/");
    }
    return McuClient(std::move(o), [](int64_t now_s) {
        return Result<std::string, std::string>{"token-" + std::to_string(now_s)};
    });
}

json frame(const McuEffects& fx, std::size_t i = 0) {
    REQUIRE(fx.frames.size() > i);
    return json::parse(fx.frames[i].text);
}

std::string id_of(const McuEffects& fx, std::size_t i = 0) {
    return frame(fx, i)["id"].get<std::string>();
}

/// Connects proxy p: open, hello, hello reply with session `session`, then an update-load.
void connect_proxy(McuClient& c, ProxyIndex p, const std::string& session, uint64_t load,
                   uint64_t now) {
    auto open = c.on_open(p, now);
    const json hello = frame(open);
    REQUIRE(hello["type"] == "hello");
    auto ready = c.on_frame(p,
                            json{{"id", hello["id"]},
                                 {"type", "hello"},
                                 {"hello", {{"version", "1.0"}, {"sessionid", session}}}}
                                .dump(),
                            now);
    CHECK(ready.empty());
    c.on_frame(p,
               json{{"type", "event"}, {"event", {{"type", "update-load"}, {"load", load}}}}.dump(),
               now);
    REQUIRE(c.link_state(p) == LinkState::Ready);
}

std::string command_reply(const std::string& id, const std::string& client_id,
                          uint64_t bitrate = 1048576, const std::string& sid = "") {
    json c{{"id", client_id}, {"bitrate", bitrate}};
    if (!sid.empty()) {
        c["sid"] = sid;
    }
    return json{{"id", id}, {"type", "command"}, {"command", c}}.dump();
}

std::string sdp_reply(const std::string& id, const std::string& type, const std::string& client_id,
                      const std::string& sdp_type, const std::string& sdp) {
    return json{{"id", id},
                {"type", "payload"},
                {"payload",
                 {{"type", type},
                  {"clientId", client_id},
                  {"payload", {{"type", sdp_type}, {"sdp", sdp}}}}}}
        .dump();
}

template <class T>
const T& only_result(const McuEffects& fx) {
    REQUIRE(fx.results.size() == 1);
    REQUIRE(std::holds_alternative<T>(fx.results[0]));
    return std::get<T>(fx.results[0]);
}

const StreamRef kAlice{"alice", "alice", "video", "sid-a"};
const StreamRef kBobOfAlice{"bob", "alice", "video", "sid-b"};

/// Alice publishes on a connected single proxy; returns the publisher's clientId "pub-a".
void publish_alice(McuClient& c, uint64_t now) {
    auto fx = c.publish(kAlice, PublisherSettings{1000, 3, "", "vp8", "", ""}, "v=offer", now);
    const json create = frame(fx);
    REQUIRE(create["command"]["type"] == "create-publisher");
    auto created =
        c.on_frame(0, command_reply(create["id"].get<std::string>(), "pub-a", 1000), now);
    auto answer =
        c.on_frame(0, sdp_reply(id_of(created), "offer", "pub-a", "answer", "v=answer"), now);
    only_result<PublisherAnswer>(answer);
}

}  // namespace

TEST_CASE("mcu client: start opens every proxy's /proxy; hello carries a fresh token",
          "[signaling][mcu]") {
    McuClient c = make_client(2);
    auto fx = c.start(kT0);
    REQUIRE(fx.opens.size() == 2);
    CHECK(fx.opens[0].url == "ws://proxy0:9090/proxy");
    CHECK(fx.opens[1].proxy == 1);
    auto open = c.on_open(0, kT0 + 5 * kSec);
    const json hello = frame(open);
    CHECK(hello["hello"]["token"] == "token-1800000005");
    CHECK(hello["hello"]["version"] == "1.0");
    CHECK(c.link_state(0) == LinkState::Hello);
}

TEST_CASE("mcu client: the proxy endpoint is \"proxy\" relative to [mcu] url, as the reference's",
          "[signaling][mcu]") {
    // The reference resolves "proxy" against the URL (Go's url.Parse, RFC 3986 §5.2), so an
    // operator may name the server or the endpoint itself (tools/tern up prints .../proxy).
    const std::vector<std::pair<std::string, std::string>> cases{
        {"ws://h:9090", "ws://h:9090/proxy"},
        {"ws://h:9090/", "ws://h:9090/proxy"},
        {"ws://h:9090/proxy", "ws://h:9090/proxy"},
        {"wss://h/sfu/", "wss://h/sfu/proxy"},
        {"wss://h/sfu/proxy?x=1#f", "wss://h/sfu/proxy"},
        {"ws://[::1]:9090", "ws://[::1]:9090/proxy"},
    };
    for (const auto& [configured, dialled] : cases) {
        McuClientOptions o;
        o.urls.push_back(configured);
        McuClient c(std::move(o), [](int64_t) { return Result<std::string, std::string>{"t"}; });
        auto fx = c.start(kT0);
        REQUIRE(fx.opens.size() == 1);
        CHECK(fx.opens[0].url == dialled);
    }
}

TEST_CASE("mcu client: hello, create-publisher, offer, answer", "[signaling][mcu]") {
    McuClient c = make_client(1);
    c.start(kT0);
    connect_proxy(c, 0, "S0", 0, kT0);
    CHECK(c.proxy_session(0) == "S0");

    auto fx = c.publish(kAlice, PublisherSettings{1000, 3, "opus", "vp8", "", ""}, "v=offer", kT0);
    const json create = frame(fx);
    CHECK(create["command"] ==
          json::parse(R"({"type":"create-publisher","sid":"sid-a","streamType":"video",
        "publisherSettings":{"bitrate":1000,"mediatypes":3,"audiocodec":"opus","videocodec":"vp8"}})"));
    CHECK(fx.results.empty());

    // A candidate before the publisher exists waits for it.
    CHECK(c.candidate(kAlice, R"({"candidate":"candidate:1","sdpMid":"0"})", kT0).frames.empty());

    auto created =
        c.on_frame(0, command_reply(create["id"].get<std::string>(), "pub-a", 1000), kT0);
    REQUIRE(created.frames.size() == 2);
    const json offer = frame(created, 0);
    CHECK(offer["payload"] == json::parse(R"({"type":"offer","clientId":"pub-a","sid":"sid-a",
        "payload":{"type":"offer","sdp":"v=offer"}})"));
    const json cand = frame(created, 1);
    CHECK(cand["payload"]["type"] == "candidate");
    CHECK(cand["payload"]["payload"]["candidate"]["candidate"] == "candidate:1");
    CHECK(c.client_id(kAlice) == "pub-a");

    auto answered = c.on_frame(
        0, sdp_reply(offer["id"].get<std::string>(), "offer", "pub-a", "answer", "v=answer"), kT0);
    const auto& a = only_result<PublisherAnswer>(answered);
    CHECK(a.ref == kAlice);
    CHECK(a.client_id == "pub-a");
    CHECK(a.bitrate == 1000);
    CHECK(a.sdp == "v=answer");

    // Renegotiation: the same publisher gets the new offer directly.
    auto again = c.publish(kAlice, {}, "v=offer2", kT0);
    CHECK(frame(again)["type"] == "payload");
    CHECK(frame(again)["payload"]["payload"]["sdp"] == "v=offer2");
    CHECK(c.clients() == 1);
}

TEST_CASE("mcu client: requestoffer, create-subscriber, proxy offer, client answer",
          "[signaling][mcu]") {
    McuClient c = make_client(1);
    c.start(kT0);
    connect_proxy(c, 0, "S0", 0, kT0);

    // No publisher yet: client_not_found.
    CHECK(only_result<McuFailed>(c.request_offer(kBobOfAlice, kT0)).failure ==
          McuFailure::ClientNotFound);

    publish_alice(c, kT0);
    auto fx = c.request_offer(kBobOfAlice, kT0);
    const json create = frame(fx);
    CHECK(
        create["command"] ==
        json::parse(R"({"type":"create-subscriber","streamType":"video","publisherId":"pub-a"})"));
    auto created =
        c.on_frame(0, command_reply(create["id"].get<std::string>(), "sub-b", 0, "77"), kT0);
    const json req = frame(created);
    CHECK(req["payload"]["type"] == "requestoffer");
    CHECK(req["payload"]["clientId"] == "sub-b");

    auto offered = c.on_frame(
        0, sdp_reply(req["id"].get<std::string>(), "requestoffer", "sub-b", "offer", "v=sfu-offer"),
        kT0);
    const auto& o = only_result<SubscriberOffer>(offered);
    // As the reference's offers: the subscriber's sid is the proxy's (create-subscriber's "sid"),
    // which the Talk client answers with.
    CHECK(o.ref == StreamRef{"bob", "alice", "video", "77"});
    CHECK(o.sdp == "v=sfu-offer");

    auto ans = c.answer(kBobOfAlice, "v=bob-answer", kT0);
    const json a = frame(ans);
    CHECK(a["payload"]["type"] == "answer");
    CHECK(a["payload"]["payload"] == json::parse(R"({"type":"answer","sdp":"v=bob-answer"})"));
    // The proxy's empty acknowledgement is no result.
    CHECK(c.on_frame(0,
                     json{{"id", a["id"]},
                          {"type", "payload"},
                          {"payload", {{"type", "answer"}, {"clientId", "sub-b"}}}}
                         .dump(),
                     kT0)
              .results.empty());

    auto sel = c.select_stream(kBobOfAlice, R"({"substream":0,"temporal":1})", kT0);
    CHECK(frame(sel)["payload"]["payload"] == json::parse(R"({"substream":0,"temporal":1})"));

    // A second requestoffer renegotiates the running subscriber.
    auto re = c.request_offer(kBobOfAlice, kT0);
    CHECK(frame(re)["payload"]["type"] == "requestoffer");
    CHECK(c.clients() == 2);
}

TEST_CASE("mcu client: candidates both ways are routed by session and clientId",
          "[signaling][mcu]") {
    McuClient c = make_client(1);
    c.start(kT0);
    connect_proxy(c, 0, "S0", 0, kT0);
    publish_alice(c, kT0);
    auto fx = c.request_offer(kBobOfAlice, kT0);
    auto created = c.on_frame(0, command_reply(id_of(fx), "sub-b"), kT0);
    c.on_frame(0, sdp_reply(id_of(created), "requestoffer", "sub-b", "offer", "v=o"), kT0);

    // Client → SFU: to self goes to the publisher, to the publisher's session to the subscriber.
    CHECK(frame(c.candidate(kAlice, R"({"candidate":"a"})", kT0))["payload"]["clientId"] ==
          "pub-a");
    CHECK(frame(c.candidate(kBobOfAlice, R"({"candidate":"b"})", kT0))["payload"]["clientId"] ==
          "sub-b");
    CHECK(only_result<McuFailed>(c.candidate({"carol", "alice", "video", ""}, "{}", kT0)).failure ==
          McuFailure::ClientNotFound);

    // SFU → client: by clientId back to the Talk session and the publisher it is about.
    auto from_sfu = [&](const std::string& client) {
        return c.on_frame(
            0,
            json{{"type", "payload"},
                 {"payload",
                  {{"type", "candidate"},
                   {"clientId", client},
                   {"payload", {{"candidate", {{"candidate", "candidate:9"}, {"sdpMid", "0"}}}}}}}}
                .dump(),
            kT0);
    };
    auto bob_fx = from_sfu("sub-b");
    const auto& to_bob = only_result<SfuCandidate>(bob_fx);
    CHECK(to_bob.ref.session == "bob");
    CHECK(to_bob.ref.publisher == "alice");
    CHECK(json::parse(to_bob.candidate)["candidate"] == "candidate:9");
    CHECK(only_result<SfuCandidate>(from_sfu("pub-a")).ref.session == "alice");
    CHECK(from_sfu("unknown").results.empty());

    // A proxy-initiated offer for the subscriber (renegotiation on the SFU's side).
    auto upd = c.on_frame(0, R"({"type":"payload","payload":{"type":"offer","clientId":"sub-b",
        "payload":{"offer":{"type":"offer","sdp":"v=new"}}}})",
                          kT0);
    CHECK(only_result<SubscriberOffer>(upd).sdp == "v=new");
    // Without a sid from the proxy, the client's own; subscriber-sid-updated replaces it for
    // later offers and candidates. A publisher keeps the sid of its client's offer.
    CHECK(only_result<SubscriberOffer>(upd).ref.sid == "sid-b");
    c.on_frame(0, R"({"type":"event","event":{"type":"subscriber-sid-updated","clientId":"sub-b",
        "sid":"88"}})",
               kT0);
    CHECK(only_result<SfuCandidate>(from_sfu("sub-b")).ref.sid == "88");
    CHECK(only_result<SfuCandidate>(from_sfu("pub-a")).ref.sid == "sid-a");
}

TEST_CASE("mcu client: a new publisher goes to the least-loaded ready proxy", "[signaling][mcu]") {
    McuClient c = make_client(3);
    c.start(kT0);
    connect_proxy(c, 0, "S0", 500, kT0);
    connect_proxy(c, 1, "S1", 100, kT0);
    // Proxy 2 never says hello: not a candidate.
    auto fx = c.publish(kAlice, {}, "v=o", kT0);
    REQUIRE(fx.frames.size() == 1);
    CHECK(fx.frames[0].proxy == 1);
    c.on_frame(1, command_reply(id_of(fx), "pub-a", 1024 * 1024), kT0);
    CHECK(c.load(1) == 100 + 1024);  // counted until the next update-load

    fx = c.publish({"carol", "carol", "video", ""}, {}, "v=o", kT0);
    CHECK(fx.frames[0].proxy == 0);

    // A subscriber goes where its publisher is.
    auto sub = c.request_offer(kBobOfAlice, kT0);
    CHECK(sub.frames[0].proxy == 1);

    // shutdown-scheduled: no new publishers there.
    c.on_frame(0, R"({"type":"event","event":{"type":"shutdown-scheduled"}})", kT0);
    c.on_frame(1, R"({"type":"event","event":{"type":"update-load","load":9999}})", kT0);
    CHECK(c.publish({"dave", "dave", "screen", ""}, {}, "v=o", kT0).frames[0].proxy == 1);
}

TEST_CASE("mcu client: no proxy connected fails the publish", "[signaling][mcu]") {
    McuClient c = make_client(1);
    c.start(kT0);
    auto fx = c.publish(kAlice, {}, "v=o", kT0);
    const auto& f = only_result<McuFailed>(fx);
    CHECK(f.failure == McuFailure::NoProxy);
    CHECK(f.request == McuRequest::Publish);
    CHECK(f.ref == kAlice);
}

TEST_CASE("mcu client: proxy drop, then resume within a minute keeps the clients",
          "[signaling][mcu]") {
    McuClient c = make_client(1);
    c.start(kT0);
    connect_proxy(c, 0, "S0", 0, kT0);
    publish_alice(c, kT0);

    // An offer in flight when the connection drops fails as connection_lost.
    auto offer = c.publish(kAlice, {}, "v=o2", kT0);
    REQUIRE(offer.frames.size() == 1);
    auto dropped = c.on_closed(0, kT0 + kSec);
    CHECK(only_result<McuFailed>(dropped).failure == McuFailure::ConnectionLost);
    CHECK(c.link_state(0) == LinkState::Idle);
    CHECK(c.pending() == 0);

    // Reconnect after the delay, hello with the resume id.
    CHECK(c.tick(kT0 + kSec + 500'000).opens.empty());
    auto reopen = c.tick(kT0 + 2 * kSec);
    REQUIRE(reopen.opens.size() == 1);
    auto open = c.on_open(0, kT0 + 3 * kSec);
    const json hello = frame(open);
    CHECK(hello["hello"]["resumeid"] == "S0");
    CHECK_FALSE(hello["hello"].contains("token"));
    auto resumed = c.on_frame(0,
                              json{{"id", hello["id"]},
                                   {"type", "hello"},
                                   {"hello", {{"version", "1.0"}, {"sessionid", "S0"}}}}
                                  .dump(),
                              kT0 + 3 * kSec);
    CHECK(resumed.results.empty());
    CHECK(c.link_state(0) == LinkState::Ready);
    CHECK(c.client_id(kAlice) == "pub-a");
}

TEST_CASE("mcu client: a resume the proxy refuses starts over and closes the streams",
          "[signaling][mcu]") {
    McuClient c = make_client(1);
    c.start(kT0);
    connect_proxy(c, 0, "S0", 0, kT0);
    publish_alice(c, kT0);
    c.on_closed(0, kT0);
    auto open = c.on_open(0, kT0 + 2 * kSec);
    auto refused = c.on_frame(0,
                              json{{"id", id_of(open)},
                                   {"type", "error"},
                                   {"error", {{"code", "no_such_session"}, {"message", "expired"}}}}
                                  .dump(),
                              kT0 + 2 * kSec);
    const auto& closed = only_result<StreamClosed>(refused);
    CHECK(closed.ref == kAlice);
    CHECK(closed.publisher);
    CHECK(frame(refused)["hello"]["token"] == "token-1800000002");
    CHECK(c.clients() == 0);
}

TEST_CASE("mcu client: after the resume window the session is given up", "[signaling][mcu]") {
    McuClient c = make_client(1);
    c.start(kT0);
    connect_proxy(c, 0, "S0", 0, kT0);
    publish_alice(c, kT0);
    c.on_closed(0, kT0);
    c.tick(kT0 + 2 * kSec);          // reconnect attempt...
    c.on_closed(0, kT0 + 3 * kSec);  // ...which fails
    auto late = c.tick(kT0 + 61 * kSec);
    CHECK(only_result<StreamClosed>(late).ref == kAlice);
    CHECK(c.proxy_session(0).empty());
    REQUIRE(late.opens.size() == 1);
    auto open = c.on_open(0, kT0 + 62 * kSec);
    CHECK(frame(open)["hello"].contains("token"));
}

TEST_CASE("mcu client: requests time out after 2 s ([mcu] proxytimeout's default)",
          "[signaling][mcu]") {
    McuClient c = make_client(1);
    c.start(kT0);
    connect_proxy(c, 0, "S0", 0, kT0);
    auto fx = c.publish(kAlice, {}, "v=o", kT0);
    const std::string id = id_of(fx);
    CHECK(c.tick(kT0 + kSec).results.empty());
    auto expired = c.tick(kT0 + 2 * kSec);
    const auto& f = only_result<McuFailed>(expired);
    CHECK(f.failure == McuFailure::Timeout);
    CHECK(f.request == McuRequest::Publish);
    CHECK(c.clients() == 0);
    // A late reply means an orphan on the proxy: it is deleted again.
    auto late = c.on_frame(0, command_reply(id, "pub-late"), kT0 + 3 * kSec);
    CHECK(late.results.empty());
    CHECK(frame(late)["command"] ==
          json::parse(R"({"type":"delete-publisher","clientId":"pub-late"})"));

    // A hello without an answer closes the connection and retries.
    McuClient d = make_client(1);
    d.start(kT0);
    d.on_open(0, kT0);
    auto h = d.tick(kT0 + 2 * kSec);
    REQUIRE(h.closes.size() == 1);
    CHECK(d.link_state(0) == LinkState::Idle);
}

TEST_CASE("mcu client: proxy errors fail the request they answer", "[signaling][mcu]") {
    McuClient c = make_client(1);
    c.start(kT0);
    connect_proxy(c, 0, "S0", 0, kT0);
    auto fx = c.publish(kAlice, {}, "v=o", kT0);
    auto err = c.on_frame(0,
                          json{{"id", id_of(fx)},
                               {"type", "error"},
                               {"error", {{"code", "bad_request"}, {"message", "no"}}}}
                              .dump(),
                          kT0);
    const auto& f = only_result<McuFailed>(err);
    CHECK(f.failure == McuFailure::ProxyError);
    CHECK(f.code == "bad_request");
    CHECK(c.clients() == 0);

    publish_alice(c, kT0);
    auto offer = c.publish(kAlice, {}, "v=bad", kT0);
    auto bad = c.on_frame(0,
                          json{{"id", id_of(offer)},
                               {"type", "error"},
                               {"error", {{"code", "bad_request"}, {"message", "sdp"}}}}
                              .dump(),
                          kT0);
    CHECK(only_result<McuFailed>(bad).code == "bad_request");
    CHECK(c.client_id(kAlice) == "pub-a");  // a refused offer keeps the publisher

    // A reply we cannot parse still ends its request.
    auto offer2 = c.publish(kAlice, {}, "v=o3", kT0);
    auto garbled = c.on_frame(
        0, R"({"id":")" + id_of(offer2) + R"(","type":"payload","payload":{"clientId":1}})", kT0);
    CHECK(only_result<McuFailed>(garbled).code == "bad_reply");
    CHECK(c.pending() == 0);
    // Garbage without an id changes nothing.
    CHECK(c.on_frame(0, "not json", kT0).empty());
}

TEST_CASE("mcu client: closed events, unpublish and leaving sessions", "[signaling][mcu]") {
    McuClient c = make_client(1);
    c.start(kT0);
    connect_proxy(c, 0, "S0", 0, kT0);
    publish_alice(c, kT0);
    auto fx = c.request_offer(kBobOfAlice, kT0);
    c.on_frame(0, command_reply(id_of(fx), "sub-b"), kT0);

    auto closed = c.on_frame(
        0, R"({"type":"event","event":{"type":"subscriber-closed","clientId":"sub-b"}})", kT0);
    const auto& sc = only_result<StreamClosed>(closed);
    CHECK(sc.ref.session == "bob");
    CHECK_FALSE(sc.publisher);
    CHECK(c.client_id(kBobOfAlice).empty());

    auto del = c.unpublish("alice", "video", kT0);
    CHECK(frame(del)["command"] ==
          json::parse(R"({"type":"delete-publisher","clientId":"pub-a"})"));
    CHECK(c.clients() == 0);

    // Unpublished while being created: the late creation is deleted.
    auto again = c.publish(kAlice, {}, "v=o", kT0);
    c.unpublish("alice", "video", kT0);
    auto orphan = c.on_frame(0, command_reply(id_of(again), "pub-x"), kT0);
    CHECK(frame(orphan)["command"] ==
          json::parse(R"({"type":"delete-publisher","clientId":"pub-x"})"));

    // remove_session deletes the session's publishers and subscriptions.
    publish_alice(c, kT0);
    fx = c.request_offer(kBobOfAlice, kT0);
    c.on_frame(0, command_reply(id_of(fx), "sub-b2"), kT0);
    auto gone = c.remove_session("bob", kT0);
    CHECK(frame(gone)["command"] ==
          json::parse(R"({"type":"delete-subscriber","clientId":"sub-b2"})"));
    CHECK(c.clients() == 1);
    auto pub_closed = c.on_frame(
        0, R"({"type":"event","event":{"type":"publisher-closed","clientId":"pub-a"}})", kT0);
    CHECK(only_result<StreamClosed>(pub_closed).publisher);
    CHECK(c.clients() == 0);
}

TEST_CASE("mcu client: a bye from the proxy ends the session and reconnects", "[signaling][mcu]") {
    McuClient c = make_client(1);
    c.start(kT0);
    connect_proxy(c, 0, "S0", 0, kT0);
    publish_alice(c, kT0);
    auto bye = c.on_frame(0, R"({"type":"bye","bye":{"reason":"session_expired"}})", kT0);
    CHECK(only_result<StreamClosed>(bye).ref == kAlice);
    REQUIRE(bye.closes.size() == 1);
    CHECK(c.proxy_session(0).empty());
    auto re = c.tick(kT0 + 2 * kSec);
    CHECK(re.opens.size() == 1);
}

TEST_CASE("mcu client: requests for a client whose proxy is reconnecting fail at once",
          "[signaling][mcu]") {
    McuClient c = make_client(1);
    c.start(kT0);
    connect_proxy(c, 0, "S0", 0, kT0);
    publish_alice(c, kT0);
    c.on_closed(0, kT0);
    auto fx = c.candidate(kAlice, R"({"candidate":"a"})", kT0);
    CHECK(fx.frames.empty());
    CHECK(only_result<McuFailed>(fx).failure == McuFailure::ConnectionLost);
    CHECK(c.client_id(kAlice) == "pub-a");  // still resumable
}

TEST_CASE("mcu client: a subscriber to a publisher another shard's client created",
          "[signaling][mcu]") {
    auto directory = std::make_shared<PublisherDirectory>();
    auto make_shard = [&] {
        McuClientOptions o;
        o.urls = {"ws://proxy0:9090/", "ws://proxy1:9090/"};
        o.directory = directory;
        return McuClient(std::move(o), [](int64_t now_s) {
            return Result<std::string, std::string>{"token-" + std::to_string(now_s)};
        });
    };
    McuClient a = make_shard();
    McuClient b = make_shard();
    for (McuClient* c : {&a, &b}) {
        c->start(kT0);
        connect_proxy(*c, 0, "S0", 10, kT0);
        connect_proxy(*c, 1, "S1", 0, kT0);  // the least loaded: publishers go here
    }

    // Alice publishes on shard a (proxy 1); until the proxy created it, nobody finds it.
    auto fx = a.publish(kAlice, PublisherSettings{1000, 3, "", "vp8", "", ""}, "v=offer", kT0,
                        "room-scope");
    REQUIRE(fx.frames.at(0).proxy == 1);
    CHECK_FALSE(b.shared_publisher("alice", "video"));
    a.on_frame(1, command_reply(id_of(fx), "pub-a"), kT0);
    const auto entry = b.shared_publisher("alice", "video");
    REQUIRE(entry);
    CHECK(entry->proxy == 1);
    CHECK(entry->client_id == "pub-a");
    CHECK(entry->scope == "room-scope");

    // Bob on shard b subscribes: on b's own connection to the publisher's proxy.
    auto sub = b.request_offer(kBobOfAlice, kT0);
    REQUIRE(sub.frames.size() == 1);
    CHECK(sub.frames[0].proxy == 1);
    CHECK(
        frame(sub)["command"] ==
        json::parse(R"({"type":"create-subscriber","streamType":"video","publisherId":"pub-a"})"));
    auto created = b.on_frame(1, command_reply(id_of(sub), "sub-b", 0, "9"), kT0);
    CHECK(frame(created)["payload"]["type"] == "requestoffer");
    CHECK(b.client_id(kBobOfAlice) == "sub-b");

    // Alice stops publishing: gone from the directory; a new subscriber finds nothing.
    a.unpublish("alice", "video", kT0);
    CHECK_FALSE(b.shared_publisher("alice", "video"));
    const StreamRef carol{"carol", "alice", "video", "sid-c"};
    CHECK(only_result<McuFailed>(b.request_offer(carol, kT0)).failure ==
          McuFailure::ClientNotFound);
    CHECK(directory->size() == 0);
}

TEST_CASE("publisher directory: an erase of an older publisher keeps the newer one",
          "[signaling][mcu]") {
    PublisherDirectory d;
    d.put("alice", "video", {0, "pub-1", "r"});
    d.put("alice", "video", {1, "pub-2", "r"});  // republished, perhaps by another shard
    d.erase("alice", "video", "pub-1");
    REQUIRE(d.find("alice", "video"));
    CHECK(d.find("alice", "video")->client_id == "pub-2");
    d.erase("alice", "video", "pub-2");
    CHECK_FALSE(d.find("alice", "video"));
}
