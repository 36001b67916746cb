#include "signaling/backend/rest/room_json.hpp"

#include "signaling/backend/chat/message_json.hpp"
#include "signaling/backend/rooms/permissions.hpp"
#include "signaling/backend/rooms/room_policy.hpp"

namespace tern::sig::backend::rest {

void write_room(api::JsonWriter& w, const Room& room, const Participant& self, const RoomView& view,
                int64_t now_s) {
    const bool moderator = is_moderator(self.type);
    const bool one_to_one = room.type == RoomType::OneToOne;
    const bool may_start = room.call_started_s ? check_join_call(room, self, now_s).has_value()
                                               : check_start_call(room, self, now_s).has_value();
    w.begin_object();
    w.field("id", room.id.value).field("token", room.token);
    w.field("type", static_cast<int>(room.type));
    w.field("name", view.name).field("displayName", view.display_name);
    w.field("description", room.description);
    w.field("participantType", static_cast<int>(self.type));
    w.field("attendeeId", self.id);
    w.field("attendeePin", self.pin.value_or(""));
    w.field("actorType", to_string(self.actor.type)).field("actorId", self.actor.id);
    w.field("permissions", effective_permissions(room, self));
    w.field("attendeePermissions", self.permissions);
    w.field("callPermissions", 0);
    w.field("defaultPermissions", room.default_permissions);
    w.field("participantFlags", self.in_call);
    w.field("readOnly", room.read_only ? 1 : 0);
    w.field("listable", 0);
    w.field("messageExpiration", 0);
    w.field("lastPing", 0);
    w.field("sessionId", self.session_id.value_or("0"));
    w.field("hasPassword", !room.password_hash.empty());
    w.field("hasCall", room.call_started_s.has_value());
    w.field("callFlag", room.call_flags);
    w.field("callStartTime", room.call_started_s.value_or(0));
    w.field("callRecording", 0);
    w.field("canStartCall", may_start);
    w.field("canDeleteConversation", moderator && !one_to_one);
    w.field("canLeaveConversation", room.type != RoomType::NoteToSelf);
    w.field("lastActivity", room.last_activity_s);
    w.field("isFavorite", false);
    w.field("notificationLevel", one_to_one ? 1 : 2);
    w.field("notificationCalls", 1);
    w.field("lobbyState", static_cast<int>(room.lobby));
    w.field("lobbyTimer", room.lobby_timer_s.value_or(0));
    w.field("sipEnabled", static_cast<int>(room.sip));
    w.field("canEnableSIP", false);
    w.field("unreadMessages", view.unread.messages);
    w.field("unreadMention", view.unread.mentions > 0);
    w.field("unreadMentionDirect", view.unread.direct_mentions > 0);
    w.field("lastReadMessage", self.last_read_message);
    w.field("lastCommonReadMessage", view.last_common_read);
    w.key("lastMessage");
    if (view.last_message) {
        write_message(w, *view.last_message, room.token);
    } else {
        w.begin_array().end_array();
    }
    w.field("objectType", "").field("objectId", "");
    w.field("breakoutRoomMode", 0).field("breakoutRoomStatus", 0);
    w.field("avatarVersion", "").field("isCustomAvatar", false);
    w.field("recordingConsent", 0).field("mentionPermissions", 0);
    w.field("isArchived", false);
    w.end_object();
}

void write_participant(api::JsonWriter& w, const Room& room, const Participant& p) {
    w.begin_object();
    w.field("roomToken", room.token);
    w.field("attendeeId", p.id);
    w.field("actorType", to_string(p.actor.type)).field("actorId", p.actor.id);
    w.field("displayName", p.display_name);
    w.field("participantType", static_cast<int>(p.type));
    w.field("permissions", effective_permissions(room, p));
    w.field("attendeePermissions", p.permissions);
    w.field("attendeePin", p.pin.value_or(""));
    w.field("inCall", p.in_call);
    w.field("lastPing", 0);
    w.key("sessionIds").begin_array();
    if (p.session_id) {
        w.value(*p.session_id);
    }
    w.end_array();
    w.end_object();
}

}  // namespace tern::sig::backend::rest
