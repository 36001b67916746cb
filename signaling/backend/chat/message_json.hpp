// A chat message as Talk's clients read it: the message object of GET /chat/{token} (and of a
// post's 201), which the signaling server's chat relay carries too. One writer for both, so a
// message looks the same whichever way it reached a client.
//
// Fields as Talk sends them (sip-chat-push notes §4): id, token, actorType, actorId,
// actorDisplayName, timestamp, message, messageParameters, systemMessage, messageType,
// isReplyable, referenceId, expirationTimestamp, markdown, reactions, reactionsSelf, silent,
// the lastEdit* fields of an edited message, and parent (the message replied to, or the one a
// system message is about, in full; {"id":N,"deleted":true} when the caller has none). A
// deleted message reads "Message deleted by {actor}", with the one who deleted it, so a
// message_deleted system message hands clients the message to show instead.
#pragma once

#include "signaling/api/json_writer.hpp"
#include "signaling/backend/store/chat_records.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sig::backend {

/// What goes with a message beyond its row: looked up by the caller (the HTTP layer reads the
/// parents and reactions of a page in as few queries as it can).
struct MessageExtras {
    std::map<std::string, int64_t> reactions;  // emoji -> count
    std::vector<std::string> reactions_self;   // the reader's own reactions
    const ChatMessage* parent = nullptr;       // borrowed; the message replied to, when found
    /// Borrowed; the parent's reactions: a reaction's system message carries its message's new
    /// reactions, which Talk's clients apply (nullptr: written without).
    const MessageExtras* parent_extras = nullptr;
};

void write_message(api::JsonWriter& w, const ChatMessage& m, std::string_view token,
                   const MessageExtras& extras = {});
std::string message_json(const ChatMessage& m, std::string_view token,
                         const MessageExtras& extras = {});

/// The `data` of the signaling room message that relays new messages to clients with the
/// chat-relay feature: {"type":"chat","chat":{"refresh":true,"comment":{...}}}. Clients
/// without the feature see refresh and poll.
std::string chat_relay_data(const ChatMessage& m, std::string_view token,
                            const MessageExtras& extras = {});

}  // namespace tern::sig::backend
