// System messages: every kind has Talk's key, is of type "system" with the actor (and subject)
// as rich objects in valid JSON, and messages about a message carry it as their parent.
#include "signaling/backend/rooms/system_message.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace tern::sig::backend;

namespace {

const NamedActor kAlice{Actor{ActorType::Users, "alice"}, "Alice A."};
const NamedActor kGuest{Actor{ActorType::Guests, "abc"}, "Visitor \"V\""};

}  // namespace

TEST_CASE("system message: each kind has its own Talk key", "[backend][rooms]") {
    std::set<std::string_view> keys;
    const int last = static_cast<int>(SystemMessage::HistoryCleared);
    for (int k = 0; k <= last; ++k) {
        keys.insert(system_message_key(static_cast<SystemMessage>(k)));
    }
    CHECK(keys.size() == static_cast<std::size_t>(last + 1));
    CHECK(system_message_key(SystemMessage::ConversationCreated) == "conversation_created");
    CHECK(system_message_key(SystemMessage::UserAdded) == "user_added");
    CHECK(system_message_key(SystemMessage::CallStarted) == "call_started");
    CHECK(system_message_key(SystemMessage::CallEnded) == "call_ended");
    CHECK(system_message_key(SystemMessage::ModeratorPromoted) == "moderator_promoted");
    CHECK(system_message_key(SystemMessage::LobbyTimerReached) == "lobby_timer_reached");
    CHECK(system_message_key(SystemMessage::MessageDeleted) == "message_deleted");
    CHECK(system_message_key(SystemMessage::Reaction) == "reaction");
    CHECK(system_message_key(SystemMessage::ReadOnly) == "read_only");
}

TEST_CASE("system message: actor and subject as rich objects", "[backend][rooms]") {
    const NewChatMessage m =
        make_system_message(RoomId{7}, SystemMessage::UserAdded, kAlice, 1234, kGuest);
    CHECK(m.room == RoomId{7});
    CHECK(m.actor == kAlice.actor);
    CHECK(m.actor_display_name == "Alice A.");
    CHECK(m.created_s == 1234);
    CHECK(m.message_type == "system");
    CHECK(m.system_message == "user_added");
    CHECK(m.message == "{actor} added {user}");
    CHECK(m.message_parameters ==
          R"({"actor":{"type":"user","id":"alice","name":"Alice A."},)"
          R"("user":{"type":"guest","id":"guest/abc","name":"Visitor \"V\""}})");
    CHECK_FALSE(m.parent);
    CHECK(m.mentions.empty());
}

TEST_CASE("system message: about a message, with it as the parent", "[backend][rooms]") {
    const NewChatMessage m =
        make_system_message(RoomId{1}, SystemMessage::MessageDeleted, kAlice, 5, {}, 42);
    CHECK(m.parent == 42);
    CHECK(m.system_message == "message_deleted");
    CHECK(m.message_parameters == R"({"actor":{"type":"user","id":"alice","name":"Alice A."}})");
}

TEST_CASE("system message: a nameless actor shows its id", "[backend][rooms]") {
    CHECK(rich_actor(NamedActor{Actor{ActorType::Users, "bob"}, ""}) ==
          R"({"type":"user","id":"bob","name":"bob"})");
}
