// message and control between sessions (signaling-protocol.md §3.6, §3.7), and a room's
// transient data (§3.9).
#include "signaling/api/event_messages.hpp"
#include "signaling/api/server_messages.hpp"
#include "signaling/hub/hub.hpp"

#include <simdjson.h>

namespace tern::sig {

namespace {

std::string_view recipient_type_name(api::RecipientType t) {
    switch (t) {
    case api::RecipientType::Session: return "session";
    case api::RecipientType::User: return "user";
    case api::RecipientType::Room: return "room";
    case api::RecipientType::Call: return "call";
    }
    return "session";
}

/// Whether a message's data is a nickChanged notice, which hide-displaynames holders must not
/// see. Most data is not: only frames mentioning it are parsed.
bool is_nick_changed(std::string_view data) {
    if (data.find("nickChanged") == std::string_view::npos) {
        return false;
    }
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element doc;
    std::string_view type;
    return parser.parse(data.data(), data.size()).get(doc) == simdjson::SUCCESS &&
           doc["type"].get(type) == simdjson::SUCCESS && type == "nickChanged";
}

constexpr std::string_view kHideDisplayNames = "hide-displaynames";

}  // namespace

void Hub::handle_message(Session& s, const std::string& request_id, const api::MessageRequest& m,
                         uint64_t now_us, Effects& fx) {
    // control from anyone but internal clients and holders of "control" is dropped unanswered.
    if (m.control && s.type != ClientType::Internal && !s.may("control")) {
        return;
    }
    const std::string_view type = recipient_type_name(m.recipient.type);
    switch (m.recipient.type) {
    case api::RecipientType::Session: {
        if (mcu_ && !m.control && intercept_for_sfu(s, request_id, m, now_us, fx)) {
            return;
        }
        // An unknown session, the sender itself or another backend's session: silently dropped.
        Session* to = find_session(m.recipient.session_id);
        if (to != nullptr && to != &s && to->backend == s.backend) {
            deliver_message({type, s.public_id, s.user_id}, *to, m, fx);
        } else if (to == nullptr && clustered_) {
            route_to_other_node(s, m, fx);
        }
        return;
    }
    case api::RecipientType::User: {
        if (m.recipient.user_id == s.user_id) {
            return;
        }
        if (clustered_) {
            publish_user_message(s, m, fx);
        }
        const auto it = by_user_.find(room_key(s.backend, m.recipient.user_id));
        if (it == by_user_.end()) {
            return;
        }
        const std::vector<std::string> ids = it->second;
        for (const std::string& id : ids) {
            if (Session* to = find_session(id); to != nullptr && to != &s) {
                deliver_message({type, s.public_id, s.user_id}, *to, m, fx);
            }
        }
        return;
    }
    case api::RecipientType::Room:
    case api::RecipientType::Call: {
        const Room* room = s.in_room() ? find_room(s.backend, s.room_id) : nullptr;
        if (room == nullptr) {
            return;
        }
        std::string out;
        api::write_message_delivery(out, m.control, {type, s.public_id, s.user_id}, m.data);
        deliver_to_room(*room, out, s.public_id, m.recipient.type == api::RecipientType::Call, fx,
                        is_nick_changed(m.data) ? kHideDisplayNames : std::string_view{});
        return;
    }
    }
}

void Hub::deliver_message(const MessageSender& from, Session& to, const api::MessageRequest& m,
                          Effects& fx) {
    if (to.may(kHideDisplayNames) && is_nick_changed(m.data)) {
        return;
    }
    std::string out;
    if (to.type == ClientType::Virtual) {
        // A phone caller's session lives in its internal client, which knows it by its own id.
        Session* owner = find_session(to.owner);
        if (owner == nullptr || owner->public_id == from.public_id) {
            return;
        }
        const api::MessageRecipientEcho echo{"session", to.virtual_id};
        api::write_message_delivery(out, m.control, {from.type, from.public_id, from.user_id},
                                    m.data, &echo);
        send_to_session(*owner, std::move(out), fx);
        return;
    }
    api::write_message_delivery(out, m.control, {from.type, from.public_id, from.user_id}, m.data);
    send_to_session(to, std::move(out), fx);
}

// ---- transient data -----------------------------------------------------------------------------

void Hub::handle_transient(Session& s, const std::string& id, const api::TransientRequest& t,
                           uint64_t now_us, Effects& fx) {
    auto fail = [&](api::ErrorCode code, std::string_view message) {
        std::string out;
        api::write_error(out, id, code, message);
        send_to_session(s, std::move(out), fx);
    };
    Room* room = s.in_room() ? find_room(s.backend, s.room_id) : nullptr;
    if (room == nullptr) {
        fail(api::ErrorCode::NotInRoom, "Not in a room.");
        return;
    }
    if (t.op == api::TransientOp::Other) {
        fail(api::ErrorCode::Ignored, "Unsupported transient type.");
        return;
    }
    const bool allowed = s.type == ClientType::Internal || s.may("transient-data");
    // "sd:<id>" is session <id>'s own data: nobody else writes it.
    const bool foreign_sd =
        t.key.starts_with("sd:") && std::string_view{t.key}.substr(3) != s.public_id;
    if (!allowed || foreign_sd) {
        fail(api::ErrorCode::NotAllowed, "Not allowed to update transient data.");
        return;
    }
    if (t.op == api::TransientOp::Remove || t.value == "null") {
        remove_transient(*room, t.key, fx);
        publish_transient(*room, t.key, {}, 0, fx);
        return;
    }
    const uint64_t ttl_us = t.ttl_ns ? *t.ttl_ns / 1000 : 0;
    set_transient(*room, t.key, t.value, ttl_us, now_us, fx);
    publish_transient(*room, t.key, t.value, ttl_us, fx);
}

void Hub::set_transient(Room& room, const std::string& key, api::RawJson value, uint64_t ttl_us,
                        uint64_t now_us, Effects& fx) {
    // Each node tells its own members; the change crosses as a TransientChange.
    const ReachScope reach{reach_, Reach::Local};
    auto [it, fresh] = room.transient.try_emplace(key);
    TransientEntry& e = it->second;
    e.expires_us = ttl_us == 0 ? 0 : now_us + ttl_us;
    if (e.expires_us != 0) {
        timers_.push(Timer{e.expires_us, TimerKind::Transient, 0, room.key, key});
    }
    if (!fresh && e.value == value) {
        return;  // unchanged: only the ttl moves
    }
    std::string out;
    api::write_transient_set(out, key, value,
                             fresh ? std::string_view{} : std::string_view{e.value});
    e.value = std::move(value);
    deliver_to_room(room, out, {}, false, fx);
}

void Hub::remove_transient(Room& room, std::string_view key, Effects& fx) {
    const ReachScope reach{reach_, Reach::Local};
    const auto it = room.transient.find(key);
    if (it == room.transient.end()) {
        return;
    }
    std::string out;
    api::write_transient_remove(out, key, it->second.value);
    room.transient.erase(it);
    deliver_to_room(room, out, {}, false, fx);
}

}  // namespace tern::sig
