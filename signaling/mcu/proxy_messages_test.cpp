#include "signaling/mcu/proxy_messages.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace tern::sig::mcu;
using nlohmann::json;

TEST_CASE("proxy messages: hello with a token or a resume id", "[signaling][mcu]") {
    auto h = json::parse(write_hello_token("1", "a.b.c"));
    CHECK(h ==
          json::parse(R"({"id":"1","type":"hello","hello":{"version":"1.0","token":"a.b.c"}})"));
    auto r = json::parse(write_hello_resume("2", "S"));
    CHECK(r ==
          json::parse(R"({"id":"2","type":"hello","hello":{"version":"1.0","resumeid":"S"}})"));
}

TEST_CASE("proxy messages: commands in the shapes tern's proxy reads", "[signaling][mcu]") {
    CreatePublisherCommand c{"sid1", "video", {1000, 3, "opus", "vp8,vp9", "", ""}};
    auto j = json::parse(write_create_publisher("5", c));
    CHECK(j["id"] == "5");
    CHECK(j["type"] == "command");
    CHECK(j["command"] ==
          json::parse(R"({"type":"create-publisher","sid":"sid1","streamType":"video",
        "publisherSettings":{"bitrate":1000,"mediatypes":3,"audiocodec":"opus","videocodec":"vp8,vp9"}})"));
    auto empty = json::parse(write_create_publisher("6", CreatePublisherCommand{"", "screen", {}}));
    CHECK(
        empty["command"] ==
        json::parse(R"({"type":"create-publisher","streamType":"screen","publisherSettings":{}})"));

    auto s = json::parse(write_create_subscriber("7", {"video", "pub-1"}));
    CHECK(
        s["command"] ==
        json::parse(R"({"type":"create-subscriber","streamType":"video","publisherId":"pub-1"})"));
    CHECK(json::parse(write_delete_client("8", true, "c"))["command"] ==
          json::parse(R"({"type":"delete-publisher","clientId":"c"})"));
    CHECK(json::parse(write_delete_client("9", false, "c"))["command"] ==
          json::parse(R"({"type":"delete-subscriber","clientId":"c"})"));
    CHECK(json::parse(write_bye()) == json::parse(R"({"type":"bye","bye":{}})"));
}

TEST_CASE("proxy messages: payloads carry clientId, sid and the inner object", "[signaling][mcu]") {
    auto o =
        json::parse(write_payload("3", {"offer", "c1", "s1", sdp_payload("offer", "v=0\r\n")}));
    CHECK(o ==
          json::parse(
              R"({"id":"3","type":"payload","payload":{"type":"offer","clientId":"c1","sid":"s1",
        "payload":{"type":"offer","sdp":"v=0\r\n"}}})"));
    auto c = json::parse(write_payload(
        "4", {"candidate", "c1", "", candidate_payload(R"({"candidate":"x","sdpMid":"0"})")}));
    CHECK(
        c["payload"] ==
        json::parse(
            R"({"type":"candidate","clientId":"c1","payload":{"candidate":{"candidate":"x","sdpMid":"0"}}})"));
    auto r = json::parse(write_payload("5", {"requestoffer", "c2", "", ""}));
    CHECK_FALSE(r["payload"].contains("payload"));
    CHECK_FALSE(r["payload"].contains("sid"));
}

TEST_CASE("proxy messages: hello reply and command replies", "[signaling][mcu]") {
    auto h =
        parse_proxy_message(R"({"id":"1","type":"hello","hello":{"version":"1.0","sessionid":"S",
        "server":{"version":"tern-1.0","features":["remote-streams"],"country":"DE"}}})");
    REQUIRE(h);
    CHECK(h->id == "1");
    const auto& hello = std::get<HelloReply>(h->body);
    CHECK(hello.session_id == "S");
    CHECK(hello.server_version == "tern-1.0");
    CHECK(hello.country == "DE");
    CHECK(hello.features == std::vector<std::string>{"remote-streams"});

    auto c = parse_proxy_message(
        R"({"id":"2","type":"command","command":{"id":"c1","sid":"9","bitrate":1048576}})");
    REQUIRE(c);
    const auto& reply = std::get<CommandReply>(c->body);
    CHECK(reply.client_id == "c1");
    CHECK(reply.sid == "9");
    CHECK(reply.bitrate == 1048576U);
    auto numeric_id = parse_proxy_message(R"({"id":12,"type":"command","command":{"id":"c1"}})");
    REQUIRE(numeric_id);
    CHECK(numeric_id->id == "12");
}

TEST_CASE("proxy messages: payload replies and proxy-initiated offers and candidates",
          "[signaling][mcu]") {
    auto a =
        parse_proxy_message(R"({"id":"3","type":"payload","payload":{"type":"offer","clientId":"c1",
        "payload":{"type":"answer","sdp":"v=0"}}})");
    REQUIRE(a);
    const auto& ans = std::get<ProxyPayload>(a->body);
    CHECK(ans.type == "offer");
    CHECK(ans.sdp_type == "answer");
    CHECK(ans.sdp == "v=0");

    auto o = parse_proxy_message(R"({"type":"payload","payload":{"type":"offer","clientId":"c2",
        "payload":{"offer":{"type":"offer","sdp":"v=1"}}}})");
    REQUIRE(o);
    CHECK(o->id.empty());
    CHECK(std::get<ProxyPayload>(o->body).sdp == "v=1");

    auto c = parse_proxy_message(R"({"type":"payload","payload":{"type":"candidate","clientId":"c2",
        "payload":{"candidate":{"candidate":"candidate:1","sdpMid":"0","sdpMLineIndex":0}}}})");
    REQUIRE(c);
    CHECK(json::parse(std::get<ProxyPayload>(c->body).candidate) ==
          json::parse(R"({"candidate":"candidate:1","sdpMid":"0","sdpMLineIndex":0})"));

    auto ack = parse_proxy_message(
        R"({"id":"4","type":"payload","payload":{"type":"answer","clientId":"c2"}})");
    REQUIRE(ack);
    CHECK(std::get<ProxyPayload>(ack->body).sdp.empty());
}

TEST_CASE("proxy messages: events, errors and bye", "[signaling][mcu]") {
    auto l = parse_proxy_message(
        R"({"type":"event","event":{"type":"update-load","load":77,"bandwidth":{"incoming":1.5}}})");
    REQUIRE(l);
    CHECK(std::get<ProxyEvent>(l->body).load == 77U);
    auto f = parse_proxy_message(R"({"type":"event","event":{"type":"update-load","load":12.7}})");
    REQUIRE(f);
    CHECK(std::get<ProxyEvent>(f->body).load == 12U);
    auto pc = parse_proxy_message(
        R"({"type":"event","event":{"type":"publisher-closed","clientId":"c1"}})");
    REQUIRE(pc);
    CHECK(std::get<ProxyEvent>(pc->body).client_id == "c1");
    auto e = parse_proxy_message(
        R"({"id":"7","type":"error","error":{"code":"unknown_client","message":"no"}})");
    REQUIRE(e);
    CHECK(e->id == "7");
    CHECK(std::get<ProxyError>(e->body).code == "unknown_client");
    auto b = parse_proxy_message(R"({"type":"bye","bye":{"reason":"session_expired"}})");
    REQUIRE(b);
    CHECK(std::get<ProxyBye>(b->body).reason == "session_expired");
}

TEST_CASE("proxy messages: malformed frames are errors, with the id when readable",
          "[signaling][mcu]") {
    for (const char* bad :
         {"", "{", "[]", "42", R"({"type":"hello"})", R"({"type":"nope","nope":{}})",
          R"({"type":"hello","hello":{"version":"1.0"}})",
          R"({"type":"hello","hello":{"sessionid":5}})", R"({"type":"command","command":{"id":1}})",
          R"({"type":"event","event":{"load":1}})",
          R"({"type":"event","event":{"type":"update-load","load":-1}})",
          R"({"type":"payload","payload":{"clientId":"c"}})",
          R"({"type":"payload","payload":{"type":"offer","payload":"x"}})",
          R"({"type":"error","error":{"code":[]}})", R"({"type":5})"}) {
        INFO(bad);
        CHECK_FALSE(parse_proxy_message(bad));
    }
    auto e = parse_proxy_message(R"({"id":"9","type":"command","command":{"id":false}})");
    REQUIRE_FALSE(e);
    CHECK(e.error().id == "9");
    CHECK_FALSE(parse_proxy_message(std::string(kMaxProxyFrame + 1, ' ')));
}
