// Rooms v4 and participants over the API: each endpoint, and bad input for each with a clear
// OCS error and nothing stored (checked by listing afterwards).
#include "signaling/backend/rest/rest_test_support.hpp"

using namespace tern::sig::backend;
using namespace tern::sig::backend::rest;

namespace {

std::string room_path(const std::string& token, const std::string& tail = {}) {
    return std::string(kRoomApi) + "/" + token + tail;
}

}  // namespace

TEST_CASE("rest rooms: create, list, get", "[rest]") {
    RestFixture f;
    const RestReply made = f.call("POST", std::string(kRoomApi), "roomType=2&roomName=Team");
    REQUIRE(made.status == 201);
    const auto room = RestFixture::data(made);
    CHECK(room["type"] == 2);
    CHECK(room["name"] == "Team");
    CHECK(room["displayName"] == "Team");
    CHECK(room["participantType"] == 1);
    CHECK(room["actorId"] == "alice");
    CHECK(room["token"].get<std::string>().size() == 8);
    CHECK(room["lastMessage"]["systemMessage"] == "conversation_created");
    CHECK(room["canDeleteConversation"] == true);
    const std::string token = room["token"];

    const RestReply list = f.call("GET", std::string(kRoomApi));
    CHECK(list.status == 200);
    REQUIRE(RestFixture::data(list).size() == 1);
    CHECK(RestFixture::data(list)[0]["token"] == token);
    CHECK(f.call("GET", room_path(token)).status == 200);
    CHECK(f.call("GET", room_path(token), {}, f.bob).status == 404);
    CHECK(f.room_count(f.bob) == 0);
}

TEST_CASE("rest rooms: one-to-one is made once, with the other's name", "[rest]") {
    RestFixture f;
    const RestReply first = f.call("POST", std::string(kRoomApi), "roomType=1&invite=bob");
    CHECK(first.status == 201);
    CHECK(RestFixture::data(first)["name"] == "bob");
    CHECK(RestFixture::data(first)["displayName"] == "Bob");
    const RestReply again = f.call("POST", std::string(kRoomApi), "roomType=1&invite=alice", f.bob);
    CHECK(again.status == 200);
    CHECK(RestFixture::data(again)["token"] == RestFixture::data(first)["token"]);
    CHECK(RestFixture::data(again)["displayName"] == "Alice");
    const std::string token = RestFixture::data(first)["token"];
    CHECK(f.call("DELETE", room_path(token)).status == 400);
    CHECK(f.room_count() == 1);
}

TEST_CASE("rest rooms: bad creation input is refused and nothing is stored", "[rest]") {
    RestFixture f;
    struct Case {
        const char* body;
        int status;
    };
    for (const Case& c :
         {Case{"", 400}, Case{"roomType=x", 400}, Case{"roomType=5", 400}, Case{"roomType=2", 400},
          Case{"roomType=2&roomName=", 400}, Case{"roomType=2&roomName=%01bad", 400},
          Case{"roomType=1", 400}, Case{"roomType=1&invite=nobody", 404},
          Case{"roomType=1&invite=alice", 400},
          Case{"roomType=2&roomName=T&invite=bob&source=groups", 400},
          Case{"roomType=2&roomName=T&invite=nobody", 404}}) {
        INFO(c.body);
        const RestReply r = f.call("POST", std::string(kRoomApi), c.body);
        CHECK(r.status == c.status);
        CHECK(RestFixture::ocs(r)["meta"]["status"] == "failure");
    }
    CHECK(f.room_count() == 0);
    CHECK(f.room_count(f.bob) == 0);
}

TEST_CASE("rest rooms: rename, describe, delete with their errors", "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    CHECK(f.call("PUT", room_path(token), "roomName=Renamed").status == 200);
    CHECK(RestFixture::data(f.call("GET", room_path(token)))["name"] == "Renamed");
    CHECK(f.call("PUT", room_path(token), "").status == 400);
    CHECK(f.call("PUT", room_path(token), "roomName=").status == 400);
    CHECK(f.call("PUT", room_path(token), "roomName=" + std::string(300, 'x')).status == 400);
    CHECK(f.call("PUT", room_path(token), "roomName=ByBob", f.bob).status == 403);
    CHECK(f.call("PUT", room_path(token), "roomName=ByCarol", f.carol).status == 404);
    CHECK(RestFixture::data(f.call("GET", room_path(token)))["name"] == "Renamed");

    CHECK(f.call("PUT", room_path(token, "/description"), "description=About").status == 200);
    CHECK(f.call("PUT", room_path(token, "/description"), "").status == 400);
    CHECK(RestFixture::data(f.call("GET", room_path(token)))["description"] == "About");

    CHECK(f.call("DELETE", room_path(token), {}, f.bob).status == 403);
    CHECK(f.room_count(f.bob) == 1);
    CHECK(f.call("DELETE", room_path(token)).status == 200);
    CHECK(f.room_count() == 0);
    CHECK(f.room_count(f.bob) == 0);
    CHECK(f.call("DELETE", room_path(token)).status == 404);
}

TEST_CASE("rest rooms: public, password, lobby, read-only", "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    CHECK(f.call("POST", room_path(token, "/public"), {}, f.bob).status == 403);
    CHECK(f.call("POST", room_path(token, "/public")).status == 200);
    CHECK(RestFixture::data(f.call("GET", room_path(token)))["type"] == 3);
    CHECK(f.call("PUT", room_path(token, "/password"), "").status == 400);
    CHECK(f.call("PUT", room_path(token, "/password"), "password=secret-pw").status == 200);
    CHECK(RestFixture::data(f.call("GET", room_path(token)))["hasPassword"] == true);
    CHECK(f.call("DELETE", room_path(token, "/public")).status == 200);
    CHECK(RestFixture::data(f.call("GET", room_path(token)))["type"] == 2);
    CHECK(f.call("PUT", room_path(token, "/password"), "password=x").status == 400);

    CHECK(f.call("PUT", room_path(token, "/webinar/lobby"), "state=3").status == 400);
    CHECK(f.call("PUT", room_path(token, "/webinar/lobby"), "state=1&timer=x").status == 400);
    CHECK(f.call("PUT", room_path(token, "/webinar/lobby"), "").status == 400);
    CHECK(f.call("PUT", room_path(token, "/webinar/lobby"), "state=1", f.bob).status == 403);
    CHECK(RestFixture::data(f.call("GET", room_path(token)))["lobbyState"] == 0);
    const RestReply lobby = f.call("PUT", room_path(token, "/webinar/lobby"), "state=1");
    CHECK(lobby.status == 200);
    CHECK(RestFixture::data(lobby)["lobbyState"] == 1);
    // The lobby keeps bob out of the chat: 412.
    CHECK(f.call("GET", std::string(kChatApi) + token + "?lookIntoFuture=0", {}, f.bob).status ==
          412);
    CHECK(f.call("PUT", room_path(token, "/webinar/lobby"), "state=0").status == 200);

    CHECK(f.call("PUT", room_path(token, "/read-only"), "state=2").status == 400);
    CHECK(f.call("PUT", room_path(token, "/read-only"), "state=1").status == 200);
    CHECK(RestFixture::data(f.call("GET", room_path(token)))["readOnly"] == 1);
    CHECK(f.call("POST", std::string(kChatApi) + token, "message=hi").status == 403);
}

TEST_CASE("rest participants: list, add, remove, moderators, leave", "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    auto people = RestFixture::data(f.call("GET", room_path(token, "/participants")));
    REQUIRE(people.size() == 2);
    CHECK(people[1]["actorId"] == "bob");
    CHECK(people[1]["participantType"] == 3);
    const int64_t bob_id = people[1]["attendeeId"];

    CHECK(f.call("POST", room_path(token, "/participants"), "").status == 400);
    CHECK(f.call("POST", room_path(token, "/participants"), "newParticipant=nobody").status == 404);
    CHECK(f.call("POST", room_path(token, "/participants"), "newParticipant=carol&source=emails")
              .status == 400);
    CHECK(f.call("POST", room_path(token, "/participants"), "newParticipant=carol", f.bob).status ==
          403);
    CHECK(f.call("GET", room_path(token, "/participants")).status == 200);
    CHECK(RestFixture::data(f.call("GET", room_path(token, "/participants"))).size() == 2);

    CHECK(f.call("POST", room_path(token, "/moderators"), "attendeeId=x").status == 400);
    CHECK(f.call("POST", room_path(token, "/moderators"), "attendeeId=" + std::to_string(bob_id))
              .status == 200);
    people = RestFixture::data(f.call("GET", room_path(token, "/participants")));
    CHECK(people[1]["participantType"] == 2);
    CHECK(f.call("DELETE", room_path(token, "/moderators"), "attendeeId=" + std::to_string(bob_id))
              .status == 200);

    CHECK(f.call("DELETE", room_path(token, "/participants"), "").status == 400);
    CHECK(f.call("DELETE", room_path(token, "/participants"), "attendeeId=999999").status == 404);
    CHECK(f.room_count(f.bob) == 1);
    CHECK(
        f.call("DELETE", room_path(token, "/participants"), "attendeeId=" + std::to_string(bob_id))
            .status == 200);
    CHECK(f.room_count(f.bob) == 0);

    CHECK(f.call("POST", room_path(token, "/participants"), "newParticipant=carol").status == 200);
    CHECK(f.call("DELETE", room_path(token, "/participants/self"), {}, f.carol).status == 200);
    CHECK(f.room_count(f.carol) == 0);
}

TEST_CASE("rest participants: joining as active participant gives a session", "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    const RestReply joined = f.call("POST", room_path(token, "/participants/active"), {}, f.bob);
    CHECK(joined.status == 200);
    const std::string session = RestFixture::data(joined)["sessionId"];
    CHECK(session.size() == 43);
    auto people = RestFixture::data(f.call("GET", room_path(token, "/participants")));
    CHECK(people[1]["sessionIds"][0] == session);
    CHECK(f.call("POST", room_path(token, "/participants/active"), {}, f.carol).status == 404);
    CHECK(f.call("DELETE", room_path(token, "/participants/active"), {}, f.bob).status == 200);
    people = RestFixture::data(f.call("GET", room_path(token, "/participants")));
    CHECK(people[1]["sessionIds"].empty());
}

TEST_CASE("rest participants: a public room takes users by its link and password", "[rest]") {
    RestFixture f;
    const RestReply made = f.call("POST", std::string(kRoomApi), "roomType=3&roomName=Open");
    const std::string token = RestFixture::data(made)["token"];
    CHECK(f.call("PUT", room_path(token, "/password"), "password=open-sesame").status == 200);
    CHECK(f.call("POST", room_path(token, "/participants/active"), "password=wrong", f.carol)
              .status == 403);
    CHECK(f.room_count(f.carol) == 0);
    const RestReply joined =
        f.call("POST", room_path(token, "/participants/active"), "password=open-sesame", f.carol);
    CHECK(joined.status == 200);
    CHECK(RestFixture::data(joined)["participantType"] == 5);
    CHECK(f.room_count(f.carol) == 1);
}

TEST_CASE("rest rooms: note to self", "[rest]") {
    RestFixture f;
    const RestReply first = f.call("GET", std::string(kRoomApi) + "/note-to-self");
    CHECK(first.status == 200);
    CHECK(RestFixture::data(first)["type"] == 6);
    const RestReply again = f.call("GET", std::string(kRoomApi) + "/note-to-self");
    CHECK(RestFixture::data(again)["token"] == RestFixture::data(first)["token"]);
    CHECK(f.room_count() == 1);
}
