// The frames the hub writes besides replies (server_messages.hpp): room, roomlist and
// participants events, message and control deliveries, transient data. Each function appends one
// complete JSON object to `out` with JsonWriter, no document tree; payloads that came in as JSON
// (user data, properties, message data, transient values) are spliced in as they came.
// Shapes follow the reference server (signaling-protocol.md §3.5–§3.9).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace tern::sig::api {

// ---- room events --------------------------------------------------------------------------------

/// One session in a room/join event.
struct JoinEntry {
    std::string_view session_id;
    std::string_view user_id;               // always written, "" for anonymous and virtual sessions
    std::string_view user;                  // raw JSON object, omitted when empty
    std::string_view room_session_id;       // omitted when empty (virtual sessions have none)
    std::span<const std::string> features;  // omitted when empty
};
/// {"type":"event","event":{"target":"room","type":"join","join":[...]}}
void write_join_event(std::string& out, std::span<const JoinEntry> joined);

/// {"type":"event","event":{"target":"room","type":"leave","leave":[ids]}}
void write_leave_event(std::string& out, std::span<const std::string_view> session_ids);

/// {"type":"event","event":{"target":"room","type":"message","message":{"roomid","data"}}}
void write_room_message_event(std::string& out, std::string_view room_id, std::string_view data);

/// {"type":"event","event":{"target":"room","type":"switchto","switchto":{"roomid","details"?}}}
void write_switchto_event(std::string& out, std::string_view room_id, std::string_view details);

/// {"type":"event","event":{"target":"room","type":"delete"}}: internal clients only.
void write_room_delete_event(std::string& out);

// ---- roomlist events ---------------------------------------------------------------------------

/// {"type":"event","event":{"target":"roomlist","type":"invite","invite":{"roomid","properties"}}}
/// (an object, as the reference server sends it, not the array its document shows).
void write_roomlist_invite(std::string& out, std::string_view room_id, std::string_view properties);
/// ... "type":"update","update":{"roomid","properties"?}
void write_roomlist_update(std::string& out, std::string_view room_id, std::string_view properties);
/// ... "type":"disinvite","disinvite":{"roomid","reason"} with reason "disinvited" or "deleted".
void write_roomlist_disinvite(std::string& out, std::string_view room_id, std::string_view reason);

// ---- participants events ------------------------------------------------------------------------

/// {"type":"event","event":{"target":"participants","type":"update","update":{"roomid","users":[...]}}}
/// `users` is the array already written (the hub maps Talk's session ids while writing it).
void write_participants_update(std::string& out, std::string_view room_id, std::string_view users);
/// The "all" form: ... "update":{"roomid","incall":N,"all":true}
void write_participants_update_all(std::string& out, std::string_view room_id, int in_call);
/// ... "target":"participants","type":"flags","flags":{"roomid","sessionid","flags"}
void write_participants_flags(std::string& out, std::string_view room_id,
                              std::string_view session_id, uint32_t flags);

// ---- message and control ------------------------------------------------------------------------

struct MessageSender {
    std::string_view type;  // the recipient type the sender used: session, user, room, call
    std::string_view session_id;
    std::string_view user_id;  // omitted when empty
};

/// Set only when delivering to a virtual session's internal client: the client's own id for it.
struct MessageRecipientEcho {
    std::string_view type;  // "session"
    std::string_view session_id;
};

/// {"type":"message","message":{"sender":{...},"recipient"?:{...},"data":...}}, or the same
/// under "control".
void write_message_delivery(std::string& out, bool control, const MessageSender& sender,
                            std::string_view data, const MessageRecipientEcho* recipient = nullptr);

// ---- transient data ---------------------------------------------------------------------------

/// {"type":"transient","transient":{"type":"set","key","value","oldvalue"?}}
void write_transient_set(std::string& out, std::string_view key, std::string_view value,
                         std::string_view old_value);
/// {"type":"transient","transient":{"type":"remove","key","oldvalue"?}}
void write_transient_remove(std::string& out, std::string_view key, std::string_view old_value);
/// {"type":"transient","transient":{"type":"initial","data":{key:value,...}}}
void write_transient_initial(std::string& out,
                             std::span<const std::pair<std::string_view, std::string_view>> data);

// ---- dial-out ---------------------------------------------------------------------------------

/// The request to an internal client: {"id","type":"internal","internal":{"type":"dialout",
/// "dialout":{"roomid","backend","request":{"number","options"?}}}}
void write_dialout_request(std::string& out, std::string_view id, std::string_view room_id,
                           std::string_view backend_url, std::string_view number,
                           std::string_view options);

}  // namespace tern::sig::api
