#include "controlplane/proxy/proxy_requests.hpp"

#include <catch2/catch.hpp>

using namespace tern::cp;
using nlohmann::json;

TEST_CASE("proxy requests: hello with a token or a resume id", "[proxy]") {
    auto h = parse_hello(json::parse(R"({"type":"hello","hello":{"version":"1.0","token":"T"}})"));
    REQUIRE(h);
    CHECK(h->token == "T");
    CHECK(h->resume_id.empty());
    h = parse_hello(json::parse(R"({"hello":{"version":"1.0","resumeid":"R","token":"T"}})"));
    REQUIRE(h);
    CHECK(h->resume_id == "R");
    CHECK(h->token.empty());
    CHECK(parse_hello(json::parse(R"({"hello":{"version":"2.0"}})")).error().message ==
          "hello needs version 1.0");
    CHECK(parse_hello(json::parse(R"({"hello":"x"})")).error().code == "bad_request");
    // A field of the wrong type is a refusal, not an exception.
    auto bad = parse_hello(json::parse(R"({"hello":{"version":"1.0","token":5}})"));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == "bad_request");
    CHECK(bad.error().message.rfind("malformed message: ", 0) == 0);
}

TEST_CASE("proxy requests: commands", "[proxy]") {
    auto c = parse_command(json::parse(
        R"({"type":"create-publisher","sid":"s","streamType":"screen","publisherSettings":{"bitrate":300000,"mediatypes":4,"videocodec":"vp9"}})"));
    REQUIRE(c);
    const auto& p = std::get<CreatePublisher>(*c);
    CHECK(p.sid == "s");
    CHECK(p.stream_type == "screen");
    CHECK(p.bitrate == 300000);
    CHECK(p.media_types == 4);
    CHECK(p.video_codec == "vp9");
    // Older signaling servers put bitrate and mediatypes beside the command.
    c = parse_command(json::parse(R"({"type":"create-publisher","bitrate":1000,"mediatypes":3})"));
    REQUIRE(c);
    CHECK(std::get<CreatePublisher>(*c).stream_type == "video");
    CHECK(std::get<CreatePublisher>(*c).bitrate == 1000);
    CHECK(std::get<CreatePublisher>(*c).media_types == 3);

    c = parse_command(
        json::parse(R"({"type":"create-subscriber","publisherId":"P","streamType":"video"})"));
    REQUIRE(c);
    CHECK(std::get<CreateSubscriber>(*c).publisher_id == "P");
    CHECK(
        parse_command(
            json::parse(R"({"type":"create-subscriber","publisherId":"P","remoteUrl":"wss://x"})"))
            .error()
            .code == "unsupported_subscriber");
    c = parse_command(json::parse(R"({"type":"delete-subscriber","clientId":"C"})"));
    REQUIRE(c);
    CHECK(std::get<DeleteClient>(*c).client_id == "C");
    c = parse_command(json::parse(R"({"type":"get-publisher-streams","clientId":"C"})"));
    REQUIRE(c);
    CHECK(std::get<GetPublisherStreams>(*c).client_id == "C");
    CHECK(parse_command(json::parse(R"({"type":"publish-remote"})")).error().code ==
          "unsupported_subscriber");
    auto unknown = parse_command(json::parse(R"({"type":"reboot"})"));
    CHECK(unknown.error().code == "bad_request");
    CHECK(unknown.error().message == "unknown command 'reboot'");
    CHECK(parse_command(json::parse(R"({"type":"create-publisher","bitrate":"fast"})"))
              .error()
              .code == "bad_request");
}

TEST_CASE("proxy requests: payloads", "[proxy]") {
    auto payload = [](const char* text) {
        const json p = json::parse(text);
        auto h = parse_payload_header(p);
        REQUIRE(h);
        return parse_payload(*h, p);
    };
    auto p = payload(R"({"type":"offer","clientId":"C","payload":{"type":"offer","sdp":"v=0"}})");
    REQUIRE(p);
    CHECK(std::get<PublisherOffer>(*p).client_id == "C");
    CHECK(std::get<PublisherOffer>(*p).sdp == "v=0");
    p = payload(R"({"type":"sendoffer","clientId":"C"})");
    REQUIRE(p);
    CHECK(std::get<RequestOffer>(*p).client_id == "C");
    p = payload(R"({"type":"answer","clientId":"C","payload":{"sdp":"v=0"}})");
    REQUIRE(p);
    CHECK(std::get<SubscriberAnswer>(*p).sdp == "v=0");

    // A candidate comes in three shapes.
    for (
        const char* text :
        {R"({"type":"candidate","clientId":"C","payload":{"candidate":{"candidate":"candidate:1","sdpMid":"0"}}})",
         R"({"type":"candidate","clientId":"C","payload":{"candidate":"candidate:1"}})",
         R"({"type":"candidate","clientId":"C","payload":{"candidate":"candidate:1","sdpMLineIndex":0}})"}) {
        p = payload(text);
        REQUIRE(p);
        CHECK(std::get<Candidate>(*p).line == "candidate:1");
    }
    p = payload(R"({"type":"candidate","clientId":"C","payload":{"candidate":{"sdpMid":"0"}}})");
    REQUIRE(p);
    CHECK(std::get<Candidate>(*p).line.empty());
    p = payload(R"({"type":"endOfCandidates","clientId":"C"})");
    REQUIRE(p);
    CHECK(std::holds_alternative<EndOfCandidates>(*p));

    p = payload(R"({"type":"selectStream","clientId":"C","payload":{"substream":2,"temporal":1}})");
    REQUIRE(p);
    CHECK(std::get<SelectStream>(*p).substream == 2);
    CHECK(std::get<SelectStream>(*p).temporal == 1);
    CHECK(std::get<SelectStream>(*p).video);
    p = payload(
        R"({"type":"selectStream","clientId":"C","payload":{"substream":"high","video":false}})");
    REQUIRE(p);
    CHECK_FALSE(std::get<SelectStream>(*p).substream);
    CHECK_FALSE(std::get<SelectStream>(*p).temporal);
    CHECK_FALSE(std::get<SelectStream>(*p).video);

    CHECK(payload(R"({"type":"dance","clientId":"C"})").error().code == "unsupported_payload");
    CHECK(payload(R"({"type":"offer","clientId":"C","payload":{"sdp":7}})").error().code ==
          "bad_request");
    CHECK(parse_payload_header(json::parse(R"({"type":"offer","clientId":7})")).error().code ==
          "bad_request");
}
