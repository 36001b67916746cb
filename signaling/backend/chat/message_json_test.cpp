// Talk's message object: every field of a comment, a reply with its parent in full (and
// {id, deleted} when the parent is not there), an edited one with the lastEdit* fields, a
// deleted one reading "Message deleted by {actor}", a system message about it with the deleted
// message as parent, reactions, and the chat relay's data around it. Parsed back as JSON.
#include "signaling/backend/chat/message_json.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace tern::sig::backend;
using nlohmann::json;

namespace {

ChatMessage comment(int64_t id, const std::string& text) {
    ChatMessage m;
    m.room = RoomId{1};
    m.id = id;
    m.actor = Actor{ActorType::Users, "alice"};
    m.actor_display_name = "Alice";
    m.created_s = 1700000000;
    m.message = text;
    m.message_parameters = "{}";
    m.message_type = "comment";
    return m;
}

}  // namespace

TEST_CASE("message json: a comment has every field Talk sends", "[backend][chat]") {
    ChatMessage m = comment(7, "hi {mention-user1}");
    m.message_parameters = R"({"mention-user1":{"type":"user","id":"bob","name":"Bob"}})";
    m.reference_id = "ref";
    const json j = json::parse(message_json(m, "tok00000"));
    CHECK(j["id"] == 7);
    CHECK(j["token"] == "tok00000");
    CHECK(j["actorType"] == "users");
    CHECK(j["actorId"] == "alice");
    CHECK(j["actorDisplayName"] == "Alice");
    CHECK(j["timestamp"] == 1700000000);
    CHECK(j["message"] == "hi {mention-user1}");
    CHECK(j["messageParameters"]["mention-user1"]["id"] == "bob");
    CHECK(j["systemMessage"] == "");
    CHECK(j["messageType"] == "comment");
    CHECK(j["isReplyable"] == true);
    CHECK(j["referenceId"] == "ref");
    CHECK(j["expirationTimestamp"] == 0);
    CHECK(j["markdown"] == true);
    CHECK(j["reactions"] == json::object());
    CHECK_FALSE(j.contains("reactionsSelf"));
    CHECK_FALSE(j.contains("silent"));
    CHECK_FALSE(j.contains("parent"));
    CHECK_FALSE(j.contains("lastEditTimestamp"));
}

TEST_CASE("message json: replies, edits, reactions, silence", "[backend][chat]") {
    const ChatMessage parent = comment(3, "question");
    ChatMessage reply = comment(4, "answer");
    reply.parent = 3;
    reply.silent = true;
    reply.actor = Actor{ActorType::Guests, "g1"};
    reply.last_edit = ChatEditMark{Actor{ActorType::Guests, "g1"}, "Visitor", 1700000100};
    MessageExtras extras;
    extras.parent = &parent;
    extras.reactions = {{"👍", 2}, {"🎉", 1}};
    extras.reactions_self = {"👍"};
    const json j = json::parse(message_json(reply, "tok00000", extras));
    CHECK(j["actorType"] == "guests");
    CHECK(j["parent"]["id"] == 3);
    CHECK(j["parent"]["message"] == "question");
    CHECK_FALSE(j["parent"].contains("parent"));
    CHECK(j["reactions"]["👍"] == 2);
    CHECK(j["reactionsSelf"] == json::array({"👍"}));
    CHECK(j["silent"] == true);
    CHECK(j["lastEditActorType"] == "guests");
    CHECK(j["lastEditActorDisplayName"] == "Visitor");
    CHECK(j["lastEditTimestamp"] == 1700000100);

    const json orphan = json::parse(message_json(reply, "tok00000"));
    CHECK(orphan["parent"] == json({{"id", 3}, {"deleted", true}}));
}

TEST_CASE("message json: a deleted message and the system message about it", "[backend][chat]") {
    ChatMessage gone = comment(5, "");
    gone.message_type = "comment_deleted";
    gone.deleted_s = 1700000200;
    gone.last_edit = ChatEditMark{Actor{ActorType::Users, "bob"}, "Bob", 1700000200};
    const json j = json::parse(message_json(gone, "tok00000"));
    CHECK(j["message"] == "Message deleted by {actor}");
    CHECK(j["messageParameters"]["actor"]["id"] == "bob");
    CHECK(j["messageType"] == "comment_deleted");
    CHECK(j["isReplyable"] == false);
    CHECK_FALSE(j.contains("lastEditTimestamp"));

    ChatMessage note = comment(6, "{actor} deleted a message");
    note.message_type = "system";
    note.system_message = "message_deleted";
    note.parent = 5;
    MessageExtras extras;
    extras.parent = &gone;
    const json s = json::parse(message_json(note, "tok00000", extras));
    CHECK(s["markdown"] == false);
    CHECK(s["isReplyable"] == false);
    CHECK(s["parent"]["messageType"] == "comment_deleted");
    CHECK(s["parent"]["id"] == 5);
}

TEST_CASE("message json: the chat relay's data", "[backend][chat]") {
    const json j = json::parse(chat_relay_data(comment(9, "relayed \"quoted\""), "tok00000"));
    CHECK(j["type"] == "chat");
    CHECK(j["chat"]["refresh"] == true);
    CHECK(j["chat"]["comment"]["id"] == 9);
    CHECK(j["chat"]["comment"]["message"] == "relayed \"quoted\"");
}
