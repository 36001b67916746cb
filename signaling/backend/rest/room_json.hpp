// Talk's conversation object (rooms v4) and participant object as the REST API writes them,
// from the store's rows and what the caller looked up about them. Fields and their meaning are
// Talk's (nextcloud/spreed docs/conversation.md and docs/participant.md); tern writes the ones
// it keeps, and for the features it does not have (favourites, notifications, breakout rooms,
// recording, avatars, message expiry) the value Talk gives when they are off.
#pragma once

#include "signaling/api/json_writer.hpp"
#include "signaling/backend/store/chat_records.hpp"
#include "signaling/backend/store/room_records.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace tern::sig::backend::rest {

/// What the conversation object needs beyond the room and the caller's participant row.
struct RoomView {
    std::string display_name;  // one-to-one: the other user's display name; else the name
    std::string name;          // one-to-one: the other user's id; else the name
    UnreadCounts unread;
    int64_t last_common_read = 0;
    std::optional<ChatMessage> last_message;
};

void write_room(api::JsonWriter& w, const Room& room, const Participant& self, const RoomView& view,
                int64_t now_s);

void write_participant(api::JsonWriter& w, const Room& room, const Participant& p);

}  // namespace tern::sig::backend::rest
