// Chat messages, mentions and reactions as plain values (the chat_messages, chat_mentions and
// chat_reactions rows). A message's id counts per room from 1 and is given by the store when the
// message is posted, in commit order: a client that has seen id n has seen every message below
// n in that room (Talk's clients page and long-poll by id and rely on that).
#pragma once

#include "signaling/backend/store/actor.hpp"
#include "signaling/backend/store/room_records.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::sig::backend {

struct ChatEditMark {
    Actor actor;
    std::string actor_display_name;
    int64_t at_s = 0;
};

struct ChatMessage {
    RoomId room;
    int64_t id = 0;
    Actor actor;
    std::string actor_display_name;
    int64_t created_s = 0;
    std::string message;             // with {placeholders} for the parameters
    std::string message_parameters;  // JSON object text: placeholder -> rich object
    std::string system_message;      // "" for a comment, else Talk's key ("user_added", ...)
    std::string message_type;        // "comment", "system", "comment_deleted", ...
    std::optional<int64_t> parent;   // the message this one replies to (or, for a system
                                     // message about a message, that message)
    std::string reference_id;        // the client's own id for the message, for de-duplication
    bool silent = false;             // posted without notifying anyone
    std::optional<ChatEditMark> last_edit;  // who changed it last: an edit, or the deletion
    std::optional<int64_t> deleted_s;
};

/// Someone a message mentions: an actor, or everyone in the room.
struct ChatMention {
    std::optional<Actor> actor;  // nullopt: @all
    auto operator<=>(const ChatMention&) const = default;
};

struct NewChatMessage {
    RoomId room;
    Actor actor;
    std::string actor_display_name;
    int64_t created_s = 0;
    std::string message;
    std::string message_parameters = "{}";
    std::string system_message;
    std::string message_type = "comment";
    std::optional<int64_t> parent;
    std::string reference_id;
    bool silent = false;
    std::vector<ChatMention> mentions;  // counted for the mentioned participants' badges
};

/// A new text for a message; its mentions replace the old ones.
struct ChatEdit {
    RoomId room;
    int64_t id = 0;
    std::string message;
    std::string message_parameters = "{}";
    std::vector<ChatMention> mentions;
    ChatEditMark mark;
};

struct Reaction {
    RoomId room;
    int64_t message_id = 0;
    Actor actor;
    std::string actor_display_name;
    std::string reaction;  // one emoji
    int64_t created_s = 0;
};

/// What a participant has not read yet (Store::unread_counts says what counts).
struct UnreadCounts {
    int64_t messages = 0;         // others' messages above the read marker
    int64_t mentions = 0;         // of those, the ones mentioning the participant or @all
    int64_t direct_mentions = 0;  // of those, the ones naming the participant
};

}  // namespace tern::sig::backend
