// The SFU through the hub (signaling-protocol.md §3.6) with [mcu] configured: client messages
// become proxy frames, the proxy's frames (fed as a proxy sends them) become Talk frames.
#include "signaling/hub/hub_test_harness.hpp"

namespace tern::sig::test {

namespace {

const std::string kOffer =
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n";

class McuHarness : public HubHarness {
public:
    McuHarness() {
        cfg.mcu.type = McuType::Proxy;
        cfg.mcu.urls = {"ws://sfu.test:9090"};
        HubOptions opts;
        opts.random = [n = uint64_t{0x1234}]() mutable {
            return n = n * 6364136223846793005ULL + 1442695040888963407ULL;
        };
        opts.mcu_token = [](int64_t) { return Result<std::string, std::string>{"tok"}; };
        hub = std::make_unique<Hub>(cfg, std::move(opts));
    }

    /// The proxy connection: open on the first tick, hello, hello reply.
    void connect_proxy() {
        const Effects t = advance(250'000);
        REQUIRE(t.proxy_opens.size() == 1);
        CHECK(t.proxy_opens[0].url == "ws://sfu.test:9090/proxy");
        const Effects o = hub->on_proxy_open(0, now);
        const json hello = proxy_frame(o);
        CHECK(hello["hello"]["token"] == "tok");
        const Effects r = proxy({{"id", hello["id"]},
                                 {"type", "hello"},
                                 {"hello", {{"version", "1.0"}, {"sessionid", "PS"}}}});
        CHECK(r.empty());
    }

    Effects proxy(const json& j) { return hub->on_proxy_frame(0, j.dump(), now); }

    static json proxy_frame(const Effects& fx, std::size_t i = 0) {
        REQUIRE(fx.proxy_frames.size() > i);
        return json::parse(fx.proxy_frames[i].text);
    }

    static json media(const std::string& to, const std::string& type, const json& payload,
                      const std::string& room_type = "video") {
        return message_to({{"type", "session"}, {"sessionid", to}}, {{"to", to},
                                                                     {"type", type},
                                                                     {"roomType", room_type},
                                                                     {"sid", "s1"},
                                                                     {"payload", payload}});
    }

    void in_call(const std::string& rsid) {
        post("room1",
             {{"type", "incall"},
              {"incall", {{"incall", 7}, {"changed", {{{"sessionId", rsid}, {"inCall", 7}}}}}}});
    }
};

}  // namespace

TEST_CASE("hub mcu: mcu and simulcast are announced only with [mcu]", "[signaling][hub][mcu]") {
    McuHarness h;
    const json w = only_frame(h.open(1), 1);
    const auto f = w["welcome"]["features"];
    CHECK(std::find(f.begin(), f.end(), "mcu") != f.end());
    CHECK(std::find(f.begin(), f.end(), "simulcast") != f.end());
    HubHarness plain;
    const auto g = only_frame(plain.open(1), 1)["welcome"]["features"];
    CHECK(std::find(g.begin(), g.end(), "mcu") == g.end());
}

TEST_CASE("hub mcu: a publisher's offer goes to the proxy; its answer comes back from self",
          "[signaling][hub][mcu]") {
    McuHarness h;
    h.connect_proxy();
    const Client a = h.connect(1, "alice");
    h.join(a, "room1", "rs-a");
    const Effects off =
        h.text(1, McuHarness::media(a.sid, "offer", {{"type", "offer"}, {"sdp", kOffer}}));
    CHECK(off.sends.empty());
    const json create = McuHarness::proxy_frame(off);
    CHECK(create["command"] ==
          json{{"type", "create-publisher"},
               {"sid", "s1"},
               {"streamType", "video"},
               {"publisherSettings", {{"bitrate", 1048576}, {"mediatypes", 3}}}});
    const Effects created = h.proxy({{"id", create["id"]},
                                     {"type", "command"},
                                     {"command", {{"id", "pub-a"}, {"bitrate", 1048576}}}});
    const json payload = McuHarness::proxy_frame(created);
    CHECK(payload["payload"]["type"] == "offer");
    CHECK(payload["payload"]["clientId"] == "pub-a");
    CHECK(payload["payload"]["payload"]["sdp"] == kOffer);
    const Effects answered =
        h.proxy({{"id", payload["id"]},
                 {"type", "payload"},
                 {"payload",
                  {{"type", "offer"},
                   {"clientId", "pub-a"},
                   {"payload", {{"type", "answer"}, {"sdp", "v=0 answer"}}}}}});
    CHECK(only_frame(answered, 1) ==
          json{{"type", "message"},
               {"message",
                {{"sender", {{"type", "session"}, {"sessionid", a.sid}, {"userid", "alice"}}},
                 {"data",
                  {{"to", a.sid},
                   {"from", a.sid},
                   {"type", "answer"},
                   {"roomType", "video"},
                   {"sid", "s1"},
                   {"payload", {{"type", "answer"}, {"sdp", "v=0 answer"}}}}}}}});

    SECTION("an invalid SDP is invalid_sdp, nothing reaches the proxy") {
        json bad = McuHarness::media(a.sid, "offer", {{"type", "offer"}, {"sdp", "nonsense"}});
        bad["id"] = "x";
        const Effects e = h.text(1, bad);
        CHECK(e.proxy_frames.empty());
        const json err = only_frame(e, 1);
        CHECK(err["id"] == "x");
        CHECK(err["error"]["code"] == "invalid_sdp");
    }
    SECTION("leaving the room deletes the publisher") {
        const Effects left = h.text(1, {{"type", "room"}, {"room", {{"roomid", ""}}}});
        bool deleted = false;
        for (std::size_t i = 0; i < left.proxy_frames.size(); ++i) {
            deleted |= McuHarness::proxy_frame(left, i)["command"] ==
                       json{{"type", "delete-publisher"}, {"clientId", "pub-a"}};
        }
        CHECK(deleted);
    }
    SECTION(
        "requestoffer needs both sessions in the call, then the offer comes from the publisher") {
        const Client b = h.connect(2, "bob");
        h.join(b, "room1", "rs-b");
        json ro = McuHarness::media(a.sid, "requestoffer", json::object());
        ro["id"] = "r1";
        const json refused = only_frame(h.text(2, ro), 2);
        CHECK(refused["error"]["code"] == "not_allowed");
        CHECK(refused["error"]["message"] == "Not allowed to request offer.");
        h.in_call("rs-a");
        h.in_call("rs-b");
        const Effects sub = h.text(2, ro);
        const json create_sub = McuHarness::proxy_frame(sub);
        CHECK(create_sub["command"] == json{{"type", "create-subscriber"},
                                            {"streamType", "video"},
                                            {"publisherId", "pub-a"}});
        const Effects sub_created =
            h.proxy({{"id", create_sub["id"]},
                     {"type", "command"},
                     {"command", {{"id", "sub-b"}, {"sid", "proxy-sid-b"}}}});
        const json req = McuHarness::proxy_frame(sub_created);
        CHECK(req["payload"]["type"] == "requestoffer");
        const Effects offered = h.proxy({{"id", req["id"]},
                                         {"type", "payload"},
                                         {"payload",
                                          {{"type", "requestoffer"},
                                           {"clientId", "sub-b"},
                                           {"payload", {{"type", "offer"}, {"sdp", "v=0 sub"}}}}}});
        const json offer = only_frame(offered, 2);
        CHECK(offer["message"]["sender"] == json{{"type", "session"}, {"sessionid", a.sid}});
        // The offer carries the subscriber's sid from the proxy, as the reference's does (Talk
        // answers with it).
        CHECK(offer["message"]["data"] ==
              json{{"to", b.sid},
                   {"from", a.sid},
                   {"type", "offer"},
                   {"roomType", "video"},
                   {"sid", "proxy-sid-b"},
                   {"payload", {{"type", "offer"}, {"sdp", "v=0 sub"}}}});
        // A candidate the SFU trickles for the subscriber, from the publisher.
        const Effects cand =
            h.proxy({{"type", "payload"},
                     {"payload",
                      {{"type", "candidate"},
                       {"clientId", "sub-b"},
                       {"payload",
                        {{"candidate",
                          {{"candidate", "candidate:1 1 UDP 1 192.0.2.9 4000 typ host"},
                           {"sdpMid", "0"},
                           {"sdpMLineIndex", 0}}}}}}}});
        const json c = only_frame(cand, 2);
        CHECK(c["message"]["data"]["from"] == a.sid);
        CHECK(c["message"]["data"]["payload"]["candidate"]["sdpMid"] == "0");
        // Talk's selectStream (substream and temporal) reaches Bob's subscriber unchanged.
        const Effects sel = h.text(
            2, McuHarness::media(a.sid, "selectStream", {{"substream", 2}, {"temporal", 2}}));
        const json layer = McuHarness::proxy_frame(sel);
        CHECK(layer["payload"]["type"] == "selectStream");
        CHECK(layer["payload"]["clientId"] == "sub-b");
        CHECK(layer["payload"]["payload"] == json{{"substream", 2}, {"temporal", 2}});
        // requestoffer again (Talk after a failed connection): the running subscriber is asked,
        // not a new one made, and its new offer reaches Bob from the publisher.
        const json again = McuHarness::proxy_frame(h.text(2, ro));
        CHECK(again["payload"]["type"] == "requestoffer");
        CHECK(again["payload"]["clientId"] == "sub-b");
        const Effects reoffered =
            h.proxy({{"id", again["id"]},
                     {"type", "payload"},
                     {"payload",
                      {{"type", "requestoffer"},
                       {"clientId", "sub-b"},
                       {"payload", {{"type", "offer"}, {"sdp", "v=0 re"}}}}}});
        const json reoffer = only_frame(reoffered, 2);
        CHECK(reoffer["message"]["data"]["payload"]["sdp"] == "v=0 re");
        CHECK(reoffer["message"]["data"]["sid"] == "proxy-sid-b");
        // Bob's answer goes to his subscriber; a proxy error is processing_failed for him.
        json ans = McuHarness::media(a.sid, "answer", {{"type", "answer"}, {"sdp", "v=0 b"}});
        ans["id"] = "a1";
        const Effects sent = h.text(2, ans);
        const json fwd = McuHarness::proxy_frame(sent);
        CHECK(fwd["payload"]["type"] == "answer");
        CHECK(fwd["payload"]["clientId"] == "sub-b");
        const Effects failed = h.proxy({{"id", fwd["id"]},
                                        {"type", "error"},
                                        {"error", {{"code", "bad_request"}, {"message", "no"}}}});
        const json err = only_frame(failed, 2);
        CHECK(err["id"] == "a1");
        CHECK(err["error"]["code"] == "processing_failed");
        // Bob leaves the call: his subscriber is deleted.
        h.post("room1", {{"type", "incall"},
                         {"incall",
                          {{"incall", 0}, {"changed", {{{"sessionId", "rs-b"}, {"inCall", 0}}}}}}});
        // (the frames of that POST are checked through the client count)
    }
}

TEST_CASE("hub mcu: answer without a subscriber is client_not_found; no proxy too",
          "[signaling][hub][mcu]") {
    McuHarness h;
    const Client a = h.connect(1, "alice");
    h.join(a, "room1", "rs-a");
    json off = McuHarness::media(a.sid, "offer", {{"type", "offer"}, {"sdp", kOffer}});
    off["id"] = "o";
    const json e1 = only_frame(h.text(1, off), 1);
    CHECK(e1["error"]["code"] == "client_not_found");
    json ans = McuHarness::media("nobody", "answer", {{"type", "answer"}, {"sdp", "v=0"}});
    const json e2 = only_frame(h.text(1, ans), 1);
    CHECK(e2["error"]["code"] == "client_not_found");
}

}  // namespace tern::sig::test
