// The backend endpoint's request parser: the four request types as a signaling server writes
// them (signaling/backend_api/backend_requests.hpp writes the same), and malformed bodies.
#include "signaling/backend/rest/backend_call_parser.hpp"
#include "signaling/backend_api/backend_requests.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig;
using namespace tern::sig::backend::rest;

TEST_CASE("backend call parser: reads what the signaling side writes", "[rest]") {
    api::BackendAuthRequest auth{R"({"userid":"alice","ticket":"1:ab"})"};
    auto a = parse_backend_call(write_backend_request(auth));
    REQUIRE(a);
    const auto& ac = std::get<BackendAuthCall>(*a);
    CHECK(ac.user_id == "alice");
    CHECK(ac.ticket == "1:ab");

    api::BackendRoomRequest room;
    room.room_id = "abcdefgh";
    room.user_id = "alice";
    room.session_id = "s1";
    room.leave = true;
    room.in_call = 3;
    auto r = parse_backend_call(write_backend_request(room));
    REQUIRE(r);
    const auto& rc = std::get<api::BackendRoomRequest>(*r);
    CHECK(rc.room_id == "abcdefgh");
    CHECK(rc.user_id == "alice");
    CHECK(rc.session_id == "s1");
    CHECK(rc.leave);

    api::BackendPingRequest ping{"abcdefgh", {{"s1", "alice"}, {"s2", ""}}};
    auto p = parse_backend_call(write_backend_request(ping));
    REQUIRE(p);
    CHECK(std::get<api::BackendPingRequest>(*p).entries.size() == 2);

    api::BackendSessionRequest session;
    session.room_id = "abcdefgh";
    session.add = false;
    session.session_id = "v1";
    auto s = parse_backend_call(write_backend_request(session));
    REQUIRE(s);
    CHECK_FALSE(std::get<api::BackendSessionRequest>(*s).add);
}

TEST_CASE("backend call parser: malformed bodies are errors", "[rest]") {
    for (const char* bad : {
             "",
             "[]",
             "{\"type\":1}",
             "{\"type\":\"nope\"}",
             "{\"type\":\"auth\"}",
             "{\"type\":\"auth\",\"auth\":{\"params\":[]}}",
             "{\"type\":\"auth\",\"auth\":{\"params\":{\"userid\":5}}}",
             "{\"type\":\"room\",\"room\":{\"roomid\":1}}",
             "{\"type\":\"room\",\"room\":{\"roomid\":\"a\",\"action\":\"dance\"}}",
             "{\"type\":\"ping\",\"ping\":{\"entries\":{}}}",
             "{\"type\":\"ping\",\"ping\":{\"entries\":[1]}}",
             "{\"type\":\"session\",\"session\":{\"action\":\"move\"}}",
         }) {
        INFO(bad);
        CHECK_FALSE(parse_backend_call(bad));
    }
}
