// The hub's event and delivery frames: shapes the reference server writes and Talk reads.
#include "signaling/api/event_messages.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <nlohmann/json.hpp>
#include <vector>

using namespace tern::sig::api;
using nlohmann::json;

TEST_CASE("event messages: join lists sessions, optional members only when set",
          "[signaling][api]") {
    const std::vector<std::string> features{"chat-relay"};
    const std::array<JoinEntry, 2> joined{
        JoinEntry{"S", "alice", R"({"displayname":"Alice"})", "nc1", features},
        JoinEntry{"V", "", "", "", {}},
    };
    std::string out;
    write_join_event(out, joined);
    CHECK(json::parse(out) ==
          json::parse(R"({"type":"event","event":{"target":"room","type":"join","join":[)"
                      R"({"sessionid":"S","userid":"alice","user":{"displayname":"Alice"},)"
                      R"("roomsessionid":"nc1","features":["chat-relay"]},)"
                      R"({"sessionid":"V","userid":""}]}})"));
}

TEST_CASE("event messages: leave, room message, switchto, delete", "[signaling][api]") {
    std::string leave;
    const std::array<std::string_view, 1> ids{"S"};
    write_leave_event(leave, ids);
    CHECK(
        json::parse(leave) ==
        json::parse(R"({"type":"event","event":{"target":"room","type":"leave","leave":["S"]}})"));

    std::string msg;
    write_room_message_event(msg, "r1", R"({"type":"chat","chat":{"refresh":true}})");
    CHECK(json::parse(msg)["event"]["message"] ==
          json::parse(R"({"roomid":"r1","data":{"type":"chat","chat":{"refresh":true}}})"));

    std::string sw;
    write_switchto_event(sw, "r2", R"({"x":1})");
    CHECK(json::parse(sw) ==
          json::parse(R"({"type":"event","event":{"target":"room","type":"switchto",)"
                      R"("switchto":{"roomid":"r2","details":{"x":1}}}})"));
    std::string sw2;
    write_switchto_event(sw2, "r2", "");
    CHECK_FALSE(json::parse(sw2)["event"]["switchto"].contains("details"));

    std::string del;
    write_room_delete_event(del);
    CHECK(json::parse(del) ==
          json::parse(R"({"type":"event","event":{"target":"room","type":"delete"}})"));
}

TEST_CASE("event messages: roomlist invite, update, disinvite", "[signaling][api]") {
    std::string inv;
    write_roomlist_invite(inv, "r1", "");
    CHECK(json::parse(inv) ==
          json::parse(R"({"type":"event","event":{"target":"roomlist","type":"invite",)"
                      R"("invite":{"roomid":"r1","properties":{}}}})"));
    std::string upd;
    write_roomlist_update(upd, "r1", R"({"name":"New"})");
    CHECK(json::parse(upd)["event"]["update"] ==
          json::parse(R"({"roomid":"r1","properties":{"name":"New"}})"));
    std::string dis;
    write_roomlist_disinvite(dis, "r1", "deleted");
    CHECK(
        json::parse(dis)["event"] ==
        json::parse(
            R"({"target":"roomlist","type":"disinvite","disinvite":{"roomid":"r1","reason":"deleted"}})"));
}

TEST_CASE("event messages: participants update, all form, flags", "[signaling][api]") {
    std::string u;
    write_participants_update(u, "r1", R"([{"sessionId":"S","inCall":7}])");
    CHECK(json::parse(u) ==
          json::parse(R"({"type":"event","event":{"target":"participants","type":"update",)"
                      R"("update":{"roomid":"r1","users":[{"sessionId":"S","inCall":7}]}}})"));
    std::string all;
    write_participants_update_all(all, "r1", 0);
    CHECK(json::parse(all)["event"]["update"] ==
          json::parse(R"({"roomid":"r1","incall":0,"all":true})"));
    std::string fl;
    write_participants_flags(fl, "r1", "V", 5);
    CHECK(
        json::parse(fl)["event"] ==
        json::parse(
            R"({"target":"participants","type":"flags","flags":{"roomid":"r1","sessionid":"V","flags":5}})"));
}

TEST_CASE("event messages: message and control deliveries", "[signaling][api]") {
    std::string m;
    write_message_delivery(m, false, {"session", "S", "alice"}, R"({"type":"nickChanged"})");
    CHECK(json::parse(m) ==
          json::parse(R"({"type":"message","message":{"sender":{"type":"session","sessionid":"S",)"
                      R"("userid":"alice"},"data":{"type":"nickChanged"}}})"));
    std::string c;
    const MessageRecipientEcho echo{"session", "v1"};
    write_message_delivery(c, true, {"room", "S", ""}, R"({"action":"forceMute"})", &echo);
    CHECK(
        json::parse(c) ==
        json::parse(
            R"({"type":"control","control":{"sender":{"type":"room","sessionid":"S"},)"
            R"("recipient":{"type":"session","sessionid":"v1"},"data":{"action":"forceMute"}}})"));
}

TEST_CASE("event messages: transient set, remove, initial", "[signaling][api]") {
    std::string s;
    write_transient_set(s, "k", "1", "");
    CHECK(json::parse(s) ==
          json::parse(R"({"type":"transient","transient":{"type":"set","key":"k","value":1}})"));
    std::string s2;
    write_transient_set(s2, "k", "2", "1");
    CHECK(json::parse(s2)["transient"]["oldvalue"] == 1);
    std::string r;
    write_transient_remove(r, "k", "2");
    CHECK(json::parse(r) ==
          json::parse(
              R"({"type":"transient","transient":{"type":"remove","key":"k","oldvalue":2}})"));
    std::string i;
    const std::array<std::pair<std::string_view, std::string_view>, 2> data{
        {{"k", "1"}, {"x", R"({"a":[]})"}}};
    write_transient_initial(i, data);
    CHECK(
        json::parse(i) ==
        json::parse(
            R"({"type":"transient","transient":{"type":"initial","data":{"k":1,"x":{"a":[]}}}})"));
}

TEST_CASE("event messages: dial-out request to an internal client", "[signaling][api]") {
    std::string d;
    write_dialout_request(d, "q1", "123", "https://nc.test/", "+4930123", R"({"actorId":"a"})");
    CHECK(
        json::parse(d) ==
        json::parse(R"({"id":"q1","type":"internal","internal":{"type":"dialout","dialout":{)"
                    R"("roomid":"123","backend":"https://nc.test/","request":{"number":"+4930123",)"
                    R"("options":{"actorId":"a"}}}}})"));
}
