#include "signaling/cluster/session_record_codec.hpp"
#include "signaling/cluster/session_store.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace tern::sig::cluster {

namespace {

SessionRecord full_record() {
    SessionRecord r;
    r.public_id = "pub-1";
    r.type = RecordClient::Client;
    r.backend = "nc";
    r.version = api::HelloVersion::V2;
    r.user_id = "alice";
    r.user = R"({"displayname":"Alice \"A\""})";
    r.features = {"chat-relay", "encryption"};
    r.room = "r1";
    r.room_session = "nc1";
    r.permissions = std::vector<std::string>{"publish-audio"};
    r.in_call = 7;
    r.flags = 3;
    r.owner = 2;
    r.created_us = 1'700'000'000'000'000;
    r.detached_us = 1'700'000'000'500'000;
    r.as_of_seq = 41;
    r.replayed_seq = 40;
    return r;
}

std::string record_error(std::string_view payload) {
    auto r = parse_record(payload);
    REQUIRE_FALSE(r);
    return r.error().message;
}

}  // namespace

TEST_CASE("session record: every member survives write and parse", "[signaling][cluster]") {
    const SessionRecord r = full_record();
    const std::string wire = write_record(r);
    INFO(wire);
    auto back = parse_record(wire);
    REQUIRE(back);
    CHECK(back->public_id == r.public_id);
    CHECK(back->type == r.type);
    CHECK(back->backend == r.backend);
    CHECK(back->version == r.version);
    CHECK(back->user_id == r.user_id);
    CHECK(back->user == R"({"displayname":"Alice \"A\""})");
    CHECK(back->features == r.features);
    CHECK(back->room == r.room);
    CHECK(back->room_session == r.room_session);
    REQUIRE(back->permissions);
    CHECK(*back->permissions == *r.permissions);
    CHECK(back->in_call == 7);
    CHECK(back->flags == 3);
    CHECK(back->owner == 2);
    CHECK(back->created_us == r.created_us);
    CHECK(back->detached_us == r.detached_us);
    CHECK(back->as_of_seq == 41);
    CHECK(back->replayed_seq == 40);
    CHECK(write_record(*back) == wire);
}

TEST_CASE("session record: a guest in no room keeps its defaults", "[signaling][cluster]") {
    SessionRecord r;
    r.public_id = "p";
    r.backend = "nc";
    r.type = RecordClient::Internal;
    auto back = parse_record(write_record(r));
    REQUIRE(back);
    CHECK(back->type == RecordClient::Internal);
    CHECK(back->version == api::HelloVersion::V1);
    CHECK(back->user_id.empty());
    CHECK(back->user.empty());
    CHECK(back->room.empty());
    CHECK_FALSE(back->permissions);
    CHECK(back->detached_us == 0);
    // An empty permission list is not "none sent yet".
    r.permissions = std::vector<std::string>{};
    back = parse_record(write_record(r));
    REQUIRE(back);
    REQUIRE(back->permissions);
    CHECK(back->permissions->empty());
}

TEST_CASE("session record: malformed values are errors", "[signaling][cluster]") {
    CHECK(record_error("") == "not a JSON object");
    CHECK(record_error("[]") == "not a JSON object");
    CHECK(record_error("{\"v\":1") == "not a JSON object");
    CHECK(record_error(R"({"v":2,"session":"p"})") == "unsupported version");
    CHECK(record_error(R"({"v":1,"type":"client","backend":"nc","hello":1})") ==
          "session is missing");
    CHECK(record_error(R"({"v":1,"session":"p","type":"client","hello":1})") ==
          "backend is missing");
    CHECK(record_error(R"({"v":1,"session":"p","type":"bot","backend":"nc","hello":1})") ==
          "type must be \"client\" or \"internal\"");
    CHECK(record_error(R"({"v":1,"session":"p","type":"client","backend":"nc"})") ==
          "hello must be 1 or 2");
    CHECK(record_error(R"({"v":1,"session":"p","type":"client","backend":"nc","hello":3})")
              .starts_with("hello must be"));
    CHECK(record_error(R"({"v":1,"session":7,"type":"client","backend":"nc","hello":1})") ==
          "session must be a string");
    CHECK(record_error(
              R"({"v":1,"session":"p","type":"client","backend":"nc","hello":1,"owner":65536})")
              .starts_with("owner must be"));
    CHECK(
        record_error(R"({"v":1,"session":"p","type":"client","backend":"nc","hello":1,"asof":-1})")
            .starts_with("asof must be"));
    CHECK(record_error(
              R"({"v":1,"session":"p","type":"client","backend":"nc","hello":1,"features":[1]})") ==
          "features must be an array of strings");
    CHECK(record_error(
              R"({"v":1,"session":"p","type":"client","backend":"nc","hello":1,"userdata":"x"})") ==
          "userdata must be an object");
    CHECK(
        record_error(
            R"({"v":1,"session":"p","type":"client","backend":"nc","hello":1,"roomsession":"x"})") ==
        "roomsession without room");
    CHECK(record_error(
              R"({"v":1,"session":"p","type":"client","backend":"nc","hello":1,"incall":"x"})") ==
          "incall must be an integer");
    CHECK(record_error(std::string(kMaxRecordBytes + 1, ' ')) == "value too large");
}

TEST_CASE("node mark: write, parse, malformed", "[signaling][cluster]") {
    const NodeMark m{3, 1234, 1'700'000'000'000'000};
    auto back = parse_node_mark(write_node_mark(m));
    REQUIRE(back);
    CHECK(back->node == 3);
    CHECK(back->seq == 1234);
    CHECK(back->at_us == m.at_us);
    CHECK_FALSE(parse_node_mark("{}"));
    CHECK_FALSE(parse_node_mark(R"({"v":1,"node":70000})"));
    CHECK_FALSE(parse_node_mark(R"({"v":1,"node":1,"seq":"x"})"));
}

TEST_CASE("session store: keys hide the resume id", "[signaling][cluster]") {
    const std::string k = record_key("resume-abc");
    CHECK(k.starts_with("session."));
    CHECK(k.size() == std::string("session.").size() + 32);
    CHECK(k.find("resume") == std::string::npos);
    CHECK(k == record_key("resume-abc"));
    CHECK(k != record_key("resume-abd"));
    CHECK(node_key(7) == "node.7");
    CHECK(stream_subject("session.x"));
    CHECK(stream_subject("room.x"));
    CHECK(stream_subject("user.x"));
    CHECK_FALSE(stream_subject("backend.room.x"));
}

}  // namespace tern::sig::cluster
