// Mentions in a chat message, as Talk's clients write them: @alice, @"user with space",
// @"guest/<id>" for a guest, @all for everyone in the room. Each mention of a participant of the
// room becomes a placeholder ({mention-user1}, {mention-guest1}, {mention-call1}) with its
// rich object in messageParameters, which is how Talk sends mentions to clients, and a
// ChatMention that counts for the mentioned participant's unread badge. Anything that names
// nobody in the room stays as it was written.
//
// An @ counts only at the start or after a character that cannot be part of a name (so
// "mail@example.com" mentions nobody). A bare name is taken as long as it goes ([A-Za-z0-9],
// '_', '.', '-', '@', '\''), then shortened by trailing '.', '-' and '\'' until it names
// someone ("@alice." at the end of a sentence); user names compare without regard to case.
#pragma once

#include "signaling/backend/store/chat_records.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sig::backend {

struct ParsedMessage {
    std::string message;             // with placeholders
    std::string message_parameters;  // JSON object: placeholder -> rich object
    std::vector<ChatMention> mentions;
};

/// The room an @all refers to (its rich object is Talk's "call" type).
struct MentionRoom {
    std::string token;
    std::string name;
    bool one_to_one = false;
};

/// `extra_parameters` (placeholder -> rich object JSON) go into message_parameters beside the
/// mentions: the {file} of a shared file with a caption.
ParsedMessage parse_mentions(std::string_view text, const std::vector<Participant>& participants,
                             const MentionRoom& room,
                             const std::map<std::string, std::string>& extra_parameters = {});

}  // namespace tern::sig::backend
