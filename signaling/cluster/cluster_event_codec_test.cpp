#include "signaling/cluster/cluster_event_codec.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace tern::sig::cluster {

namespace {

Event round_trip(const Event& e) {
    const std::string wire = write_event(e);
    auto back = parse_event(wire);
    INFO(wire);
    REQUIRE(back);
    CHECK(back->origin == e.origin);
    return std::move(*back);
}

std::string error_of(std::string_view payload) {
    auto r = parse_event(payload);
    REQUIRE_FALSE(r);
    return r.error().message;
}

}  // namespace

TEST_CASE("cluster events: every type survives write and parse", "[signaling][cluster]") {
    SECTION("room frame with its recipient filter") {
        const Event e{3, RoomFrame{"nc", "room-1", "sid-x", true, "hide-displaynames",
                                   Holders::Only, R"({"type":"event","event":{"target":"room"}})"}};
        const auto r = std::get<RoomFrame>(round_trip(e).body);
        CHECK(r.backend == "nc");
        CHECK(r.room == "room-1");
        CHECK(r.except == "sid-x");
        CHECK(r.call_only);
        CHECK(r.permission == "hide-displaynames");
        CHECK(r.holders == Holders::Only);
        CHECK(r.frame == R"({"type":"event","event":{"target":"room"}})");
    }
    SECTION("room frame without a filter: defaults") {
        const auto r = std::get<RoomFrame>(
            round_trip(Event{1, RoomFrame{"", "r", "", false, "", Holders::Excluded, "x"}}).body);
        CHECK(r.backend.empty());
        CHECK(r.except.empty());
        CHECK_FALSE(r.call_only);
        CHECK(r.permission.empty());
        CHECK(r.holders == Holders::Excluded);
    }
    SECTION("session joined") {
        const auto j = std::get<SessionJoined>(
            round_trip(Event{65535, SessionJoined{"nc", "r", "sid", true}}).body);
        CHECK(j.session == "sid");
        CHECK(j.hides_names);
    }
    SECTION("session frame, with characters that need escaping") {
        const std::string frame = "{\"a\":\"\\\"quoted\\\" \\u00e9 \\n\"}";
        const auto f =
            std::get<SessionFrame>(round_trip(Event{2, SessionFrame{"sid", frame}}).body);
        CHECK(f.session == "sid");
        CHECK(f.frame == frame);
    }
    SECTION("message to a user, data kept as JSON") {
        const auto m = std::get<RemoteMessage>(
            round_trip(Event{2, RemoteMessage{"nc", true, api::RecipientType::User, "alice",
                                              "sid-a", "bob", R"({"type":"x","n":[1,2]})"}})
                .body);
        CHECK(m.control);
        CHECK(m.to_type == api::RecipientType::User);
        CHECK(m.to == "alice");
        CHECK(m.sender == "sid-a");
        CHECK(m.sender_user == "bob");
        CHECK(m.data == R"({"type":"x","n":[1,2]})");
    }
    SECTION("message from a guest to a session, string data") {
        const auto m = std::get<RemoteMessage>(
            round_trip(Event{2, RemoteMessage{"nc", false, api::RecipientType::Session, "sid-b",
                                              "sid-a", "", R"("hello")"}})
                .body);
        CHECK_FALSE(m.control);
        CHECK(m.to_type == api::RecipientType::Session);
        CHECK(m.sender_user.empty());
        CHECK(m.data == R"("hello")");
    }
    SECTION("backend request") {
        const auto b = std::get<BackendRoom>(
            round_trip(Event{9, BackendRoom{"nc", "r", R"({"type":"update","update":{}})"}}).body);
        CHECK(b.room == "r");
        CHECK(b.body == R"({"type":"update","update":{}})");
    }
    SECTION("session moved") {
        const auto m = std::get<SessionMoved>(round_trip(Event{2, SessionMoved{"sid", 2}}).body);
        CHECK(m.session == "sid");
        CHECK(m.to == 2);
    }
    SECTION("session detached") {
        const auto d = std::get<SessionDetached>(round_trip(Event{2, SessionDetached{"sid"}}).body);
        CHECK(d.session == "sid");
    }
    SECTION("transient change: a set with its ttl, a removal") {
        const auto set = std::get<TransientChange>(
            round_trip(Event{2, TransientChange{"nc", "r", "k", R"({"a":[1,2]})", 5'000'000}})
                .body);
        CHECK(set.key == "k");
        CHECK(set.value == R"({"a":[1,2]})");
        CHECK(set.ttl_us == 5'000'000);
        const auto removed = std::get<TransientChange>(
            round_trip(Event{2, TransientChange{"nc", "r", "k", "", 0}}).body);
        CHECK(removed.value.empty());
        CHECK(removed.ttl_us == 0);
    }
    SECTION("transient state for a joiner") {
        const auto t = std::get<TransientState>(
            round_trip(
                Event{2, TransientState{"nc", "r", "sid", {{"k1", "1", 0}, {"sd:x", R"("v")", 7}}}})
                .body);
        CHECK(t.session == "sid");
        REQUIRE(t.entries.size() == 2);
        CHECK(t.entries[0].key == "k1");
        CHECK(t.entries[0].value == "1");
        CHECK(t.entries[1].value == R"("v")");
        CHECK(t.entries[1].ttl_us == 7);
    }
    SECTION("room session claimed") {
        const auto c = std::get<RoomSessionClaimed>(
            round_trip(Event{2, RoomSessionClaimed{"nc", "talk-1", "sid"}}).body);
        CHECK(c.backend == "nc");
        CHECK(c.room_session == "talk-1");
        CHECK(c.session == "sid");
    }
}

TEST_CASE("cluster events: malformed payloads are errors", "[signaling][cluster]") {
    CHECK(error_of("") == "not a JSON object");
    CHECK(error_of("[1]") == "not a JSON object");
    CHECK(error_of("{\"v\":1,") == "not a JSON object");
    CHECK(error_of("\xff\xfe") == "not a JSON object");
    CHECK(error_of(R"({"origin":1,"type":"room"})") == "unsupported version");
    CHECK(error_of(R"({"v":2,"origin":1,"type":"room"})") == "unsupported version");
    CHECK(error_of(R"({"v":"1","origin":1,"type":"room"})") == "unsupported version");
    CHECK(error_of(R"({"v":1,"type":"room"})").starts_with("origin"));
    CHECK(error_of(R"({"v":1,"origin":65536,"type":"room"})").starts_with("origin"));
    CHECK(error_of(R"({"v":1,"origin":-1,"type":"room"})").starts_with("origin"));
    CHECK(error_of(R"({"v":1,"origin":1,"type":7})") == "type must be a string");
    CHECK(error_of(R"({"v":1,"origin":1})") == "unknown type \"\"");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"nope"})") == "unknown type \"nope\"");
    // Required members.
    CHECK(error_of(R"({"v":1,"origin":1,"type":"room","room":"r"})") == "frame is missing");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"room","frame":"f"})") == "room is missing");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"room","room":"r","frame":1})") ==
          "frame must be a string");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"room","room":"r","frame":"f","call":"yes"})") ==
          "call must be a boolean");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"room","room":"r","frame":"f","holders":"x"})") ==
          "holders must be \"only\" or \"excluded\"");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"joined","room":"r"})") == "session is missing");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"session","session":"s"})") == "frame is missing");
    CHECK(
        error_of(
            R"({"v":1,"origin":1,"type":"message","totype":"room","to":"t","sender":"s","data":1})") ==
        "totype must be \"session\" or \"user\"");
    CHECK(
        error_of(R"({"v":1,"origin":1,"type":"message","totype":"user","to":"t","sender":"s"})") ==
        "data is missing");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"message","totype":"user","to":"t","data":1})") ==
          "sender is missing");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"backend","room":"r"})") == "body is missing");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"moved","to":2})") == "session is missing");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"moved","session":"s"})").starts_with("to must"));
    CHECK(error_of(R"({"v":1,"origin":1,"type":"moved","session":"s","to":70000})")
              .starts_with("to must"));
    CHECK(error_of(R"({"v":1,"origin":1,"type":"detached"})") == "session is missing");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"transient","room":"r"})") == "key is missing");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"transient","room":"r","key":"k","ttl":-1})")
              .starts_with("ttl must"));
    CHECK(error_of(R"({"v":1,"origin":1,"type":"transientstate","room":"r","session":"s"})") ==
          "entries must be an array");
    CHECK(
        error_of(
            R"({"v":1,"origin":1,"type":"transientstate","room":"r","session":"s","entries":[1]})") ==
        "an entry must be an object");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"transientstate","room":"r","session":"s",)"
                   R"("entries":[{"key":"k"}]})") == "an entry's value is missing");
    CHECK(error_of(R"({"v":1,"origin":1,"type":"claimed","roomsession":"t"})") ==
          "session is missing");
    CHECK(error_of(std::string(kMaxEventBytes + 1, ' ')) == "payload too large");
}

TEST_CASE("cluster events: unknown members are ignored (newer nodes may add some)",
          "[signaling][cluster]") {
    auto r = parse_event(
        R"({"v":1,"origin":4,"type":"session","session":"s","frame":"f","later":{"x":1}})");
    REQUIRE(r);
    CHECK(std::get<SessionFrame>(r->body).frame == "f");
}

}  // namespace tern::sig::cluster
