// The system message each change of a room or its chat leaves in the chat, as Talk writes them:
// message type "system", Talk's key in system_message (clients act on it: a user_added makes
// them reload the participant list, a reaction updates the counts of its parent), and an
// English text with {placeholders} whose rich objects are in message_parameters (clients show
// the text; Talk translates it on the server, tern does not yet).
//
// Messages about another message (an edit, a deletion, a reaction) carry that message as
// their parent: clients apply the change to it and do not show the system message itself.
#pragma once

#include "signaling/backend/store/chat_records.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::sig::backend {

enum class SystemMessage : uint8_t {
    ConversationCreated,
    ConversationRenamed,
    DescriptionSet,
    DescriptionRemoved,
    UserAdded,
    UserRemoved,
    GuestsAllowed,     // made public
    GuestsDisallowed,  // made private
    PasswordSet,
    PasswordRemoved,
    ModeratorPromoted,
    ModeratorDemoted,
    GuestModeratorPromoted,
    GuestModeratorDemoted,
    LobbyNone,
    LobbyNonModerators,
    LobbyTimerReached,
    ReadOnly,
    ReadOnlyOff,
    CallStarted,
    CallJoined,
    CallLeft,
    CallEnded,
    CallEndedEveryone,
    MessageEdited,
    MessageDeleted,
    Reaction,
    ReactionRevoked,
    HistoryCleared,
};

/// Who a system message is by or about: an actor with the name to show.
struct NamedActor {
    Actor actor;
    std::string display_name;
};

/// Talk's key: "conversation_created", "user_added", ...
std::string_view system_message_key(SystemMessage kind) noexcept;

/// The rich object for an actor: {"type":"user","id":"alice","name":"Alice"}; guests are
/// {"type":"guest","id":"guest/<id>",...} as in Talk.
std::string rich_actor(const NamedActor& who);

/// The message `kind` leaves, by `actor` at `now_s`. `subject` is the participant it is about
/// (user_added, moderator_promoted, ...), `about` the message it is about (edits, deletions,
/// reactions; becomes the parent).
NewChatMessage make_system_message(RoomId room, SystemMessage kind, const NamedActor& actor,
                                   int64_t now_s, const std::optional<NamedActor>& subject = {},
                                   std::optional<int64_t> about = {});

}  // namespace tern::sig::backend
