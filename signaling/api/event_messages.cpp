#include "signaling/api/event_messages.hpp"

#include "signaling/api/json_writer.hpp"

namespace tern::sig::api {

namespace {

/// Opens {"type":"event","event":{"target":T,"type":X, and leaves the event object open.
JsonWriter& begin_event(JsonWriter& w, std::string_view target, std::string_view type) {
    w.begin_object().field("type", "event").key("event").begin_object();
    return w.field("target", target).field("type", type);
}

void end_event(JsonWriter& w) {
    w.end_object().end_object();
}

}  // namespace

void write_join_event(std::string& out, std::span<const JoinEntry> joined) {
    JsonWriter w{out};
    begin_event(w, "room", "join").key("join").begin_array();
    for (const JoinEntry& j : joined) {
        w.begin_object().field("sessionid", j.session_id).field("userid", j.user_id);
        if (!j.user.empty()) {
            w.raw_field("user", j.user);
        }
        if (!j.room_session_id.empty()) {
            w.field("roomsessionid", j.room_session_id);
        }
        if (!j.features.empty()) {
            w.key("features").begin_array();
            for (const std::string& f : j.features) {
                w.value(f);
            }
            w.end_array();
        }
        w.end_object();
    }
    w.end_array();
    end_event(w);
}

void write_leave_event(std::string& out, std::span<const std::string_view> session_ids) {
    JsonWriter w{out};
    begin_event(w, "room", "leave").key("leave").begin_array();
    for (std::string_view id : session_ids) {
        w.value(id);
    }
    w.end_array();
    end_event(w);
}

void write_room_message_event(std::string& out, std::string_view room_id, std::string_view data) {
    JsonWriter w{out};
    begin_event(w, "room", "message").key("message").begin_object();
    w.field("roomid", room_id).raw_field("data", data).end_object();
    end_event(w);
}

void write_switchto_event(std::string& out, std::string_view room_id, std::string_view details) {
    JsonWriter w{out};
    begin_event(w, "room", "switchto").key("switchto").begin_object().field("roomid", room_id);
    if (!details.empty()) {
        w.raw_field("details", details);
    }
    w.end_object();
    end_event(w);
}

void write_room_delete_event(std::string& out) {
    JsonWriter w{out};
    begin_event(w, "room", "delete");
    end_event(w);
}

void write_roomlist_invite(std::string& out, std::string_view room_id,
                           std::string_view properties) {
    JsonWriter w{out};
    begin_event(w, "roomlist", "invite").key("invite").begin_object().field("roomid", room_id);
    w.raw_field("properties", properties.empty() ? std::string_view{"{}"} : properties)
        .end_object();
    end_event(w);
}

void write_roomlist_update(std::string& out, std::string_view room_id,
                           std::string_view properties) {
    JsonWriter w{out};
    begin_event(w, "roomlist", "update").key("update").begin_object().field("roomid", room_id);
    if (!properties.empty()) {
        w.raw_field("properties", properties);
    }
    w.end_object();
    end_event(w);
}

void write_roomlist_disinvite(std::string& out, std::string_view room_id, std::string_view reason) {
    JsonWriter w{out};
    begin_event(w, "roomlist", "disinvite").key("disinvite").begin_object();
    w.field("roomid", room_id).field("reason", reason).end_object();
    end_event(w);
}

void write_participants_update(std::string& out, std::string_view room_id, std::string_view users) {
    JsonWriter w{out};
    begin_event(w, "participants", "update").key("update").begin_object();
    w.field("roomid", room_id)
        .raw_field("users", users.empty() ? std::string_view{"[]"} : users)
        .end_object();
    end_event(w);
}

void write_participants_update_all(std::string& out, std::string_view room_id, int in_call) {
    JsonWriter w{out};
    begin_event(w, "participants", "update").key("update").begin_object();
    w.field("roomid", room_id).field("incall", in_call).field("all", true).end_object();
    end_event(w);
}

void write_participants_flags(std::string& out, std::string_view room_id,
                              std::string_view session_id, uint32_t flags) {
    JsonWriter w{out};
    begin_event(w, "participants", "flags").key("flags").begin_object();
    w.field("roomid", room_id).field("sessionid", session_id).field("flags", flags).end_object();
    end_event(w);
}

void write_message_delivery(std::string& out, bool control, const MessageSender& sender,
                            std::string_view data, const MessageRecipientEcho* recipient) {
    const std::string_view type = control ? "control" : "message";
    JsonWriter w{out};
    w.begin_object().field("type", type).key(type).begin_object();
    w.key("sender").begin_object().field("type", sender.type).field("sessionid", sender.session_id);
    if (!sender.user_id.empty()) {
        w.field("userid", sender.user_id);
    }
    w.end_object();
    if (recipient != nullptr) {
        w.key("recipient").begin_object().field("type", recipient->type);
        w.field("sessionid", recipient->session_id).end_object();
    }
    w.raw_field("data", data).end_object().end_object();
}

void write_transient_set(std::string& out, std::string_view key, std::string_view value,
                         std::string_view old_value) {
    JsonWriter w{out};
    w.begin_object().field("type", "transient").key("transient").begin_object();
    w.field("type", "set").field("key", key).raw_field("value", value);
    if (!old_value.empty()) {
        w.raw_field("oldvalue", old_value);
    }
    w.end_object().end_object();
}

void write_transient_remove(std::string& out, std::string_view key, std::string_view old_value) {
    JsonWriter w{out};
    w.begin_object().field("type", "transient").key("transient").begin_object();
    w.field("type", "remove").field("key", key);
    if (!old_value.empty()) {
        w.raw_field("oldvalue", old_value);
    }
    w.end_object().end_object();
}

void write_transient_initial(std::string& out,
                             std::span<const std::pair<std::string_view, std::string_view>> data) {
    JsonWriter w{out};
    w.begin_object().field("type", "transient").key("transient").begin_object();
    w.field("type", "initial").key("data").begin_object();
    for (const auto& [k, v] : data) {
        w.raw_field(k, v);
    }
    w.end_object().end_object().end_object();
}

void write_dialout_request(std::string& out, std::string_view id, std::string_view room_id,
                           std::string_view backend_url, std::string_view number,
                           std::string_view options) {
    JsonWriter w{out};
    w.begin_object().field("id", id).field("type", "internal").key("internal").begin_object();
    w.field("type", "dialout").key("dialout").begin_object();
    w.field("roomid", room_id).field("backend", backend_url).key("request").begin_object();
    w.field("number", number);
    if (!options.empty()) {
        w.raw_field("options", options);
    }
    w.end_object().end_object().end_object().end_object();
}

}  // namespace tern::sig::api
