// POST /api/v1/room/{id} bodies: every type of signaling-protocol.md §5 with the bodies of
// checklist items 25–34, the participant writer, and malformed bodies (HTTP 400, never a crash).
#include "signaling/api/backend_room_request_parser.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace tern::sig::api;
using nlohmann::json;

namespace {

template <class T>
T body_as(std::string_view body) {
    auto r = parse_backend_room_request(body);
    INFO(body);
    if (!r) {
        FAIL(r.error().message);
    }
    REQUIRE(std::holds_alternative<T>(*r));
    return std::get<T>(*r);
}

RoomRequestError error_of(std::string_view body) {
    auto r = parse_backend_room_request(body);
    INFO(body);
    REQUIRE_FALSE(r);
    CHECK_FALSE(r.error().message.empty());
    return r.error();
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("backend room request: invite, disinvite, update, delete", "[signaling][api]") {
    const auto inv = body_as<RoomInvite>(
        R"({"type":"invite","invite":{"userids":["bob"],"alluserids":["alice","bob"],"properties":{}}})");
    CHECK(inv.user_ids == Strings{"bob"});
    CHECK(inv.all_user_ids == Strings{"alice", "bob"});
    CHECK(inv.properties == "{}");

    const auto dis = body_as<RoomDisinvite>(
        R"({"type":"disinvite","disinvite":{"userids":["bob"],"sessionids":["nc2","0"],"alluserids":["alice"]}})");
    CHECK(dis.user_ids == Strings{"bob"});
    CHECK(dis.session_ids == Strings{"nc2", "0"});  // "0" is skipped by the hub, not here
    CHECK(dis.all_user_ids == Strings{"alice"});
    CHECK(dis.properties.empty());

    const auto upd = body_as<RoomUpdate>(
        R"({"type":"update","update":{"userids":["alice"],"properties":{"name":"New"}}})");
    CHECK(upd.user_ids == Strings{"alice"});
    CHECK(json::parse(upd.properties) == json{{"name", "New"}});

    CHECK(body_as<RoomDelete>(R"({"type":"delete","delete":{"userids":["alice"]}})").user_ids ==
          Strings{"alice"});
    // PHP writes null for an unset list.
    CHECK(body_as<RoomDelete>(R"({"type":"delete","delete":{"userids":null}})").user_ids.empty());
}

TEST_CASE("backend room request: incall with changed users, and the all form", "[signaling][api]") {
    const auto in = body_as<RoomInCall>(
        R"({"type":"incall","incall":{"incall":7,"changed":[{"sessionId":"nc1","inCall":7,"participantType":3}],)"
        R"("users":[{"sessionId":"nc1","inCall":7},{"sessionId":"nc2","inCall":false,"lastPing":1700000000}]}})");
    CHECK(in.in_call == 7);
    CHECK_FALSE(in.all);
    REQUIRE(in.changed.size() == 1);
    CHECK(in.changed[0].nc_session_id == "nc1");
    CHECK(in.changed[0].in_call == 7);
    CHECK_FALSE(in.changed[0].permissions);
    CHECK(json::parse(in.changed[0].object) ==
          json::parse(R"({"sessionId":"nc1","inCall":7,"participantType":3})"));
    REQUIRE(in.users.size() == 2);
    CHECK(in.users[1].in_call == 0);  // a bool inCall (older Talk)

    const auto all = body_as<RoomInCall>(R"({"type":"incall","incall":{"incall":0,"all":true}})");
    CHECK(all.all);
    CHECK(all.in_call == 0);
    CHECK(all.users.empty());
    CHECK(body_as<RoomInCall>(
              R"({"type":"incall","incall":{"changed":[{"sessionId":"x","inCall":true}]}})")
              .changed[0]
              .in_call == 1);
}

TEST_CASE("backend room request: participants carry permissions", "[signaling][api]") {
    const auto p = body_as<RoomParticipants>(
        R"({"type":"participants","participants":{"changed":[{"sessionId":"nc1","permissions":["publish-audio"]}],)"
        R"("users":[{"sessionId":"nc1","permissions":["publish-audio"]}]}})");
    REQUIRE(p.changed.size() == 1);
    REQUIRE(p.changed[0].permissions);
    CHECK(*p.changed[0].permissions == Strings{"publish-audio"});
    CHECK_FALSE(p.changed[0].in_call);
    CHECK(p.users.size() == 1);
    const auto empty = body_as<RoomParticipants>(
        R"({"type":"participants","participants":{"changed":[{"sessionId":"a","permissions":[]}]}})");
    REQUIRE(empty.changed[0].permissions);
    CHECK(empty.changed[0].permissions->empty());
}

TEST_CASE("backend room request: message, switchto both forms, dialout", "[signaling][api]") {
    const auto m = body_as<RoomMessage>(
        R"({"type":"message","message":{"data":{"type":"chat","chat":{"refresh":true,"comment":{"id":1}}}}})");
    CHECK(json::parse(m.data) ==
          json::parse(R"({"type":"chat","chat":{"refresh":true,"comment":{"id":1}}})"));

    const auto map = body_as<RoomSwitchTo>(
        R"({"type":"switchto","switchto":{"roomid":"r2","sessions":{"nc1":{"x":1},"nc2":null}}})");
    CHECK(map.room_id == "r2");
    REQUIRE(map.sessions.size() == 2);
    CHECK(map.sessions[0].first == "nc1");
    CHECK(json::parse(map.sessions[0].second) == json{{"x", 1}});
    CHECK(map.sessions[1].first == "nc2");
    CHECK(map.sessions[1].second.empty());

    const auto list = body_as<RoomSwitchTo>(
        R"({"type":"switchto","switchto":{"roomid":"t","sessions":["nc1","nc3"]}})");
    REQUIRE(list.sessions.size() == 2);
    CHECK(list.sessions[1].first == "nc3");
    CHECK(list.sessions[1].second.empty());

    const auto d = body_as<RoomDialout>(
        R"({"type":"dialout","dialout":{"number":"+4912345","options":{"attendeeId":5,"actorType":"phones","actorId":"p1"}}})");
    CHECK(d.number == "+4912345");
    CHECK(json::parse(d.options)["actorId"] == "p1");
    // Checklist 34: a bad number is the dial-out handler's invalid_number, so it parses.
    CHECK(body_as<RoomDialout>(R"({"type":"dialout","dialout":{"number":"123"}})").number == "123");
    CHECK(body_as<RoomDialout>(R"({"type":"dialout","dialout":{}})").number.empty());
}

TEST_CASE("backend room request: transient and unknown types are unknown_type",
          "[signaling][api]") {
    CHECK(error_of(R"({"type":"transient","transient":{"action":"set","key":"k","value":1}})")
              .unknown_type);
    CHECK(error_of(R"({"type":"foo","foo":{}})").unknown_type);
    CHECK(error_of(R"({"type":"foo"})").unknown_type);
}

TEST_CASE("backend room request: malformed bodies are 400s with a message", "[signaling][api]") {
    for (const char* body : {
             "",
             "text",
             "[1]",
             "{",
             R"({"invite":{}})",
             R"({"type":1})",
             R"({"type":""})",
             R"({"type":"invite"})",
             R"({"type":"invite","invite":[]})",
             R"({"type":"invite","invite":{"userids":"bob"}})",
             R"({"type":"invite","invite":{"userids":[1]}})",
             R"({"type":"update","update":{"properties":"x"}})",
             R"({"type":"incall","incall":{"incall":"7"}})",
             R"({"type":"incall","incall":{"incall":1e20}})",
             R"({"type":"incall","incall":{"all":1}})",
             R"({"type":"incall","incall":{"users":{}}})",
             R"({"type":"incall","incall":{"users":[1]}})",
             R"({"type":"participants","participants":{"changed":[{"sessionId":5}]}})",
             R"({"type":"participants","participants":{"changed":[{"permissions":"all"}]}})",
             R"({"type":"participants","participants":{"users":[{"inCall":"yes"}]}})",
             R"({"type":"message","message":{}})",
             R"({"type":"message","message":{"data":null}})",
             R"({"type":"switchto","switchto":{"sessions":["a"]}})",
             R"({"type":"switchto","switchto":{"roomid":"r","sessions":[1]}})",
             R"({"type":"switchto","switchto":{"roomid":"r","sessions":{"a":1}}})",
             R"({"type":"switchto","switchto":{"roomid":"r","sessions":"a"}})",
             R"({"type":"dialout","dialout":{"number":49}})",
             R"({"type":"dialout","dialout":{"options":[]}})",
         }) {
        CHECK_FALSE(error_of(body).unknown_type);
    }
}

TEST_CASE("write_participant: sessionId rewritten in place, permissions dropped, order kept",
          "[signaling][api]") {
    const auto p = body_as<RoomParticipants>(
        R"({"type":"participants","participants":{"users":[{"inCall":7,"sessionId":"nc1","permissions":["control"],)"
        R"("lastPing":1700000000,"participantPermissions":254,"actorId":"alice","nested":{"sessionId":"keep"}}]}})");
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    write_participant(w, p.users[0], "S-pub");
    write_participant(w, Participant{"nc9", 3, std::nullopt, R"({"inCall":3})"}, "S-9");
    w.end_array();
    CHECK(w.complete());
    CHECK(out ==
          R"([{"inCall":7,"sessionId":"S-pub","lastPing":1700000000,"participantPermissions":254,)"
          R"("actorId":"alice","nested":{"sessionId":"keep"}},{"inCall":3,"sessionId":"S-9"}])");
    CHECK(json::parse(out).size() == 2);
}
