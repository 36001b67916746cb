#include "signaling/backend/chat/message_json.hpp"

#include "signaling/backend/rooms/system_message.hpp"

namespace tern::sig::backend {

namespace {

bool replyable(const ChatMessage& m) {
    return !m.deleted_s && (m.message_type == "comment" || m.message_type == "voice-message");
}

/// The fields every message has; `with_parent` adds the parent (a parent's own is left out,
/// as in Talk).
void write_fields(api::JsonWriter& w, const ChatMessage& m, std::string_view token,
                  const MessageExtras& extras, bool with_parent) {
    w.field("id", m.id)
        .field("token", token)
        .field("actorType", to_string(m.actor.type))
        .field("actorId", m.actor.id)
        .field("actorDisplayName", m.actor_display_name)
        .field("timestamp", m.created_s);
    if (m.deleted_s && m.last_edit) {
        w.field("message", "Message deleted by {actor}")
            .key("messageParameters")
            .begin_object()
            .raw_field("actor",
                       rich_actor(NamedActor{m.last_edit->actor, m.last_edit->actor_display_name}))
            .end_object();
    } else {
        w.field("message", m.message)
            .raw_field("messageParameters",
                       m.message_parameters.empty() ? "{}" : m.message_parameters);
    }
    w.field("systemMessage", m.system_message)
        .field("messageType", m.message_type)
        .field("isReplyable", replyable(m))
        .field("referenceId", m.reference_id)
        .field("expirationTimestamp", int64_t{0})
        .field("markdown", m.message_type != "system");
    w.key("reactions").begin_object();
    for (const auto& [emoji, count] : extras.reactions) {
        w.field(emoji, count);
    }
    w.end_object();
    if (!extras.reactions_self.empty()) {
        w.key("reactionsSelf").begin_array();
        for (const std::string& r : extras.reactions_self) {
            w.value(r);
        }
        w.end_array();
    }
    if (m.silent) {
        w.field("silent", true);
    }
    if (m.last_edit && !m.deleted_s) {
        w.field("lastEditActorType", to_string(m.last_edit->actor.type))
            .field("lastEditActorId", m.last_edit->actor.id)
            .field("lastEditActorDisplayName", m.last_edit->actor_display_name)
            .field("lastEditTimestamp", m.last_edit->at_s);
    }
    if (!with_parent || !m.parent) {
        return;
    }
    w.key("parent");
    if (extras.parent == nullptr) {  // gone with its room's history, or never read
        w.begin_object().field("id", *m.parent).field("deleted", true).end_object();
        return;
    }
    w.begin_object();
    write_fields(w, *extras.parent, token,
                 extras.parent_extras != nullptr ? *extras.parent_extras : MessageExtras{}, false);
    w.end_object();
}

}  // namespace

void write_message(api::JsonWriter& w, const ChatMessage& m, std::string_view token,
                   const MessageExtras& extras) {
    w.begin_object();
    write_fields(w, m, token, extras, true);
    w.end_object();
}

std::string message_json(const ChatMessage& m, std::string_view token,
                         const MessageExtras& extras) {
    std::string out;
    api::JsonWriter w(out);
    write_message(w, m, token, extras);
    return out;
}

std::string chat_relay_data(const ChatMessage& m, std::string_view token,
                            const MessageExtras& extras) {
    std::string out;
    api::JsonWriter w(out);
    w.begin_object().field("type", "chat").key("chat").begin_object().field("refresh", true);
    w.key("comment");
    write_message(w, m, token, extras);
    w.end_object().end_object();
    return out;
}

}  // namespace tern::sig::backend
