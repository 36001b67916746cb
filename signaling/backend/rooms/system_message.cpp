#include "signaling/backend/rooms/system_message.hpp"

#include "signaling/api/json_writer.hpp"

#include <array>

namespace tern::sig::backend {

namespace {

struct Entry {
    SystemMessage kind;
    std::string_view key;
    std::string_view text;  // {actor} is who did it, {user} whom it is about
};

constexpr std::array kEntries{
    Entry{SystemMessage::ConversationCreated, "conversation_created",
          "{actor} created the conversation"},
    Entry{SystemMessage::ConversationRenamed, "conversation_renamed",
          "{actor} renamed the conversation"},
    Entry{SystemMessage::DescriptionSet, "description_set", "{actor} set the description"},
    Entry{SystemMessage::DescriptionRemoved, "description_removed",
          "{actor} removed the description"},
    Entry{SystemMessage::UserAdded, "user_added", "{actor} added {user}"},
    Entry{SystemMessage::UserRemoved, "user_removed", "{actor} removed {user}"},
    Entry{SystemMessage::GuestsAllowed, "guests_allowed", "{actor} allowed guests"},
    Entry{SystemMessage::GuestsDisallowed, "guests_disallowed", "{actor} disallowed guests"},
    Entry{SystemMessage::PasswordSet, "password_set", "{actor} set a password"},
    Entry{SystemMessage::PasswordRemoved, "password_removed", "{actor} removed the password"},
    Entry{SystemMessage::ModeratorPromoted, "moderator_promoted",
          "{actor} promoted {user} to moderator"},
    Entry{SystemMessage::ModeratorDemoted, "moderator_demoted",
          "{actor} demoted {user} from moderator"},
    Entry{SystemMessage::GuestModeratorPromoted, "guest_moderator_promoted",
          "{actor} promoted {user} to moderator"},
    Entry{SystemMessage::GuestModeratorDemoted, "guest_moderator_demoted",
          "{actor} demoted {user} from moderator"},
    Entry{SystemMessage::LobbyNone, "lobby_none", "{actor} opened the conversation to everyone"},
    Entry{SystemMessage::LobbyNonModerators, "lobby_non_moderators",
          "{actor} restricted the conversation to moderators"},
    Entry{SystemMessage::LobbyTimerReached, "lobby_timer_reached",
          "The conversation is now open to everyone"},
    Entry{SystemMessage::ReadOnly, "read_only", "{actor} locked the conversation"},
    Entry{SystemMessage::ReadOnlyOff, "read_only_off", "{actor} unlocked the conversation"},
    Entry{SystemMessage::CallStarted, "call_started", "{actor} started a call"},
    Entry{SystemMessage::CallJoined, "call_joined", "{actor} joined the call"},
    Entry{SystemMessage::CallLeft, "call_left", "{actor} left the call"},
    Entry{SystemMessage::CallEnded, "call_ended", "The call ended"},
    Entry{SystemMessage::CallEndedEveryone, "call_ended_everyone",
          "{actor} ended the call with everyone"},
    Entry{SystemMessage::MessageEdited, "message_edited", "{actor} edited a message"},
    Entry{SystemMessage::MessageDeleted, "message_deleted", "{actor} deleted a message"},
    // Talk's text for a reaction is the emoji itself: Chat::react puts it in.
    Entry{SystemMessage::Reaction, "reaction", "{actor} reacted to a message"},
    Entry{SystemMessage::ReactionRevoked, "reaction_revoked", "{actor} deleted a reaction"},
    Entry{SystemMessage::HistoryCleared, "history_cleared", "{actor} cleared the history"},
};

const Entry& entry(SystemMessage kind) {
    for (const Entry& e : kEntries) {
        if (e.kind == kind) {
            return e;
        }
    }
    return kEntries.front();  // every enumerator has an entry (system_message_test.cpp)
}

bool guest_like(ActorType type) {
    return type != ActorType::Users && type != ActorType::DeletedUsers;
}

}  // namespace

std::string_view system_message_key(SystemMessage kind) noexcept {
    return entry(kind).key;
}

std::string rich_actor(const NamedActor& who) {
    std::string out;
    api::JsonWriter w(out);
    w.begin_object();
    if (guest_like(who.actor.type)) {
        w.field("type", "guest").field("id", "guest/" + who.actor.id);
    } else {
        w.field("type", "user").field("id", who.actor.id);
    }
    w.field("name", who.display_name.empty() ? who.actor.id : who.display_name);
    w.end_object();
    return out;
}

NewChatMessage make_system_message(RoomId room, SystemMessage kind, const NamedActor& actor,
                                   int64_t now_s, const std::optional<NamedActor>& subject,
                                   std::optional<int64_t> about) {
    const Entry& e = entry(kind);
    NewChatMessage m;
    m.room = room;
    m.actor = actor.actor;
    m.actor_display_name = actor.display_name;
    m.created_s = now_s;
    m.message = std::string(e.text);
    m.system_message = std::string(e.key);
    m.message_type = "system";
    m.parent = about;
    std::string params;
    api::JsonWriter w(params);
    w.begin_object().raw_field("actor", rich_actor(actor));
    if (subject) {
        w.raw_field("user", rich_actor(*subject));
    }
    w.end_object();
    m.message_parameters = std::move(params);
    return m;
}

}  // namespace tern::sig::backend
