// Nextcloud's POST /api/v1/room/{id} (signaling-protocol.md §5): invite, disinvite, update,
// delete, message (with the chat-relay rules), switchto, dial-out. incall and participants are in
// hub_participants.cpp. The edge has checked the checksum; the body is parsed here.
#include "common/overloaded.hpp"
#include "signaling/api/backend_room_request_parser.hpp"
#include "signaling/api/event_messages.hpp"
#include "signaling/api/json_writer.hpp"
#include "signaling/api/server_messages.hpp"
#include "signaling/cluster/cluster_subjects.hpp"
#include "signaling/hub/hub.hpp"

#include <simdjson.h>

#include <algorithm>

namespace tern::sig {

namespace {

std::string error_body(std::string_view code, std::string_view message) {
    std::string out;
    api::JsonWriter w{out};
    w.begin_object().field("type", "error").key("error").begin_object();
    w.field("code", code).field("message", message).end_object().end_object();
    return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

/// A chat notice split for chat-relay clients: the comments it carries, each as raw JSON.
struct ChatNotice {
    bool is_chat = false;
    std::vector<std::string> comments;
};

ChatNotice read_chat(std::string_view data) {
    ChatNotice n;
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element doc;
    std::string_view type;
    simdjson::dom::object chat;
    if (parser.parse(data.data(), data.size()).get(doc) != simdjson::SUCCESS ||
        doc["type"].get(type) != simdjson::SUCCESS || type != "chat" ||
        doc["chat"].get(chat) != simdjson::SUCCESS) {
        return n;
    }
    n.is_chat = true;
    simdjson::dom::element one;
    if (chat["comment"].get(one) == simdjson::SUCCESS && !one.is_null()) {
        n.comments.push_back(simdjson::to_string(one));
    }
    simdjson::dom::array many;
    if (chat["comments"].get(many) == simdjson::SUCCESS) {
        for (simdjson::dom::element c : many) {
            n.comments.push_back(simdjson::to_string(c));
        }
    }
    return n;
}

}  // namespace

Effects Hub::on_backend_post(const BackendPostRequest& req, uint64_t now_us) {
    Effects fx;
    if (req.backend >= cfg_.backends.size()) {
        fx.answer(req.http, 403, error_body("invalid_backend", "unknown backend"));
        return fx;
    }
    bool to_users = false;
    auto [status, answer] =
        apply_backend_post(req.backend, req.room_id, req.body, req.http, now_us, fx, &to_users);
    if (status != 0) {
        fx.answer(req.http, status, std::move(answer));
    }
    if (status == 200 && clustered_) {
        publish_backend_post(req.backend, req.room_id, req.body, to_users, fx);
    }
    return fx;
}

std::pair<int, std::string> Hub::apply_backend_post(std::size_t b, const std::string& room,
                                                    const std::string& raw, HttpId http,
                                                    uint64_t now_us, Effects& fx, bool* to_users) {
    auto body = api::parse_backend_room_request(raw);
    if (!body) {
        return {400, error_body("invalid_request", body.error().message)};
    }
    if (to_users != nullptr) {
        *to_users = std::holds_alternative<api::RoomInvite>(*body) ||
                    std::holds_alternative<api::RoomDisinvite>(*body) ||
                    std::holds_alternative<api::RoomUpdate>(*body) ||
                    std::holds_alternative<api::RoomDelete>(*body);
    }
    // Every node applies the request to its own sessions: what it causes for room members is
    // not published again (joins and leaves still are, see send_join_events and leave_room).
    const ReachScope reach{reach_, Reach::Local};
    int status = 200;
    std::string answer = "{}";
    std::visit(
        Overloaded{
            [&](const api::RoomInvite& r) { post_invite(b, room, r, fx); },
            [&](const api::RoomDisinvite& r) { post_disinvite(b, room, r, now_us, fx); },
            [&](const api::RoomUpdate& r) { post_update(b, room, r, fx); },
            [&](const api::RoomDelete& r) { post_delete(b, room, r, now_us, fx); },
            [&](const api::RoomInCall& r) { post_incall(b, room, r, now_us, fx); },
            [&](const api::RoomParticipants& r) { post_participants(b, room, r, now_us, fx); },
            [&](const api::RoomMessage& r) { post_message(b, room, r, fx); },
            [&](const api::RoomSwitchTo& r) { post_switchto(b, room, r, fx); },
            [&](const api::RoomDialout& r) {
                if (http != 0) {
                    std::tie(status, answer) = post_dialout(b, room, r, http, now_us, fx);
                }
            },
        },
        *body);
    return {status, std::move(answer)};
}

void Hub::send_to_users(std::size_t backend, const std::vector<std::string>& user_ids,
                        const std::string& frame, Effects& fx) {
    const auto shared = std::make_shared<const std::string>(frame);
    for (const std::string& uid : user_ids) {
        const auto it = by_user_.find(room_key(backend, uid));
        if (it == by_user_.end()) {
            continue;
        }
        for (const std::string& id : it->second) {
            if (Session* s = find_session(id)) {
                send_to_session(*s, shared, fx);
            }
        }
    }
}

void Hub::kick_room_session_holder(std::size_t backend, const std::string& rsid,
                                   const std::string& joiner, uint64_t now_us, Effects& fx) {
    const auto it = by_room_session_.find(room_key(backend, rsid));
    if (it != by_room_session_.end() && it->second != joiner) {
        const std::string other = it->second;  // kick_session erases the entry
        kick_session(other, "room_session_reconnected", false, now_us, fx);
    }
}

void Hub::bind_room_session(const Session& s) {
    const std::string key = room_key(s.backend, s.room_session_id);
    by_room_session_[key] = s.public_id;
    if (room_sessions_) {
        room_sessions_->put(key, {s.public_id, s.room_id});
    }
}

void Hub::unbind_room_session(std::size_t backend, const std::string& rsid,
                              const std::string& public_id) {
    const std::string key = room_key(backend, rsid);
    if (const auto it = by_room_session_.find(key);
        it != by_room_session_.end() && it->second == public_id) {
        by_room_session_.erase(it);
    }
    if (room_sessions_) {
        room_sessions_->erase(key, public_id);
    }
}

Session* Hub::session_by_room_session(std::size_t backend, std::string_view rsid) {
    if (rsid.empty() || rsid == "0") {
        return nullptr;
    }
    const auto it = by_room_session_.find(room_key(backend, rsid));
    return it == by_room_session_.end() ? nullptr : find_session(it->second);
}

void Hub::update_other_users(std::size_t backend, const std::string& room_id,
                             const std::vector<std::string>& all,
                             const std::vector<std::string>& told, const api::RawJson& properties,
                             Effects& fx) {
    std::vector<std::string> rest;
    for (const std::string& u : all) {
        if (!contains(told, u)) {
            rest.push_back(u);
        }
    }
    std::string update;
    api::write_roomlist_update(update, room_id, properties);
    send_to_users(backend, rest, update, fx);
}

void Hub::post_invite(std::size_t backend, const std::string& room_id, const api::RoomInvite& r,
                      Effects& fx) {
    std::string invite;
    api::write_roomlist_invite(invite, room_id, r.properties);
    send_to_users(backend, r.user_ids, invite, fx);
    update_other_users(backend, room_id, r.all_user_ids, r.user_ids, r.properties, fx);
}

void Hub::post_disinvite(std::size_t backend, const std::string& room_id,
                         const api::RoomDisinvite& r, uint64_t now_us, Effects& fx) {
    std::vector<std::string> targets;
    for (const std::string& uid : r.user_ids) {
        if (const auto it = by_user_.find(room_key(backend, uid)); it != by_user_.end()) {
            targets.insert(targets.end(), it->second.begin(), it->second.end());
        }
    }
    for (const std::string& rsid : r.session_ids) {
        if (const Session* s = session_by_room_session(backend, rsid)) {
            targets.push_back(s->public_id);
        }
    }
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    std::string frame;
    api::write_roomlist_disinvite(frame, room_id, "disinvited");
    for (const std::string& id : targets) {
        Session* s = find_session(id);
        if (s == nullptr) {
            continue;
        }
        send_to_session(*s, frame, fx);
        if (s->room_id == room_id) {
            // Disinvited from the room it is in: the session ends and its socket closes, no resume.
            if (s->conn != 0) {
                fx.close(s->conn);
                if (const auto c = conns_.find(s->conn); c != conns_.end()) {
                    c->second.closing = true;
                }
            }
            destroy_session(id, false, now_us, fx);
        }
    }
    update_other_users(backend, room_id, r.all_user_ids, r.user_ids, r.properties, fx);
}

void Hub::post_update(std::size_t backend, const std::string& room_id, const api::RoomUpdate& r,
                      Effects& fx) {
    Room* room = find_room(backend, room_id);
    if (room != nullptr && !r.properties.empty() && r.properties != room->properties) {
        room->properties = r.properties;
        std::string out;
        api::write_room_reply(out, {{}, room_id, r.properties, 0, 0});
        deliver_to_room(*room, out, {}, false, fx);
    }
    std::string update;
    api::write_roomlist_update(update, room_id, r.properties);
    send_to_users(backend, r.user_ids, update, fx);
}

void Hub::post_delete(std::size_t backend, const std::string& room_id, const api::RoomDelete& r,
                      uint64_t now_us, Effects& fx) {
    if (Room* room = find_room(backend, room_id)) {
        // Everyone is out at once: no leave events, and the backend knows already.
        std::string gone;
        api::write_room_reply(gone, {{}, "", {}, 0, 0});
        std::string deleted;
        api::write_room_delete_event(deleted);
        const std::vector<std::string> members = room->members;
        const std::string key = room->key;
        for (const std::string& id : members) {
            Session* s = find_session(id);
            if (s == nullptr) {
                continue;
            }
            if (s->type == ClientType::Internal) {
                send_to_session(*s, deleted, fx);
            }
            send_to_session(*s, gone, fx);
            unbind_room_session(backend, s->room_session_id, id);
            s->room_id.clear();
            s->room_session_id.clear();
            s->permissions.reset();
            release_media(*s, now_us, fx);
            if (s->type == ClientType::Client) {
                s->in_call = 0;
            }
            save_record(*s, fx);
            if (s->anonymous()) {
                start_join_timer(*s, now_us);
            }
        }
        room_interest(*room, false, fx);
        rooms_.erase(key);
    }
    std::string disinvite;
    api::write_roomlist_disinvite(disinvite, room_id, "deleted");
    send_to_users(backend, r.user_ids, disinvite, fx);
}

void Hub::post_message(std::size_t backend, const std::string& room_id, const api::RoomMessage& r,
                       Effects& fx) {
    const Room* room = find_room(backend, room_id);
    if (room == nullptr) {
        return;
    }
    const ChatNotice chat = read_chat(r.data);
    if (!chat.is_chat) {
        std::string out;
        api::write_room_message_event(out, room_id, r.data);
        deliver_to_room(*room, out, {}, false, fx);
        return;
    }
    // chat-relay clients get each comment itself; the others only learn that they should refresh.
    std::vector<std::string> relayed;
    for (const std::string& c : chat.comments) {
        std::string out;
        api::write_room_message_event(out, room_id,
                                      R"({"type":"chat","chat":{"comment":)" + c + "}}");
        relayed.push_back(std::move(out));
    }
    std::string refresh;
    api::write_room_message_event(refresh, room_id, R"({"type":"chat","chat":{"refresh":true}})");
    deliver_chat_to_room(*room, relayed, refresh, fx);
}

void Hub::deliver_chat_to_room(const Room& room, const std::vector<std::string>& relayed,
                               const std::string& refresh, Effects& fx) {
    std::vector<std::shared_ptr<const std::string>> shared_relayed;
    shared_relayed.reserve(relayed.size());
    for (const std::string& f : relayed) {
        shared_relayed.push_back(std::make_shared<const std::string>(f));
    }
    const auto shared_refresh = std::make_shared<const std::string>(refresh);
    for (const std::string& id : room.members) {
        Session* s = find_session(id);
        if (s == nullptr) {
            continue;
        }
        if (s->has_feature("chat-relay") && !relayed.empty()) {
            for (const auto& f : shared_relayed) {
                send_to_session(*s, f, fx);
            }
        } else {
            send_to_session(*s, shared_refresh, fx);
        }
    }
}

void Hub::post_switchto(std::size_t backend, const std::string& room_id, const api::RoomSwitchTo& r,
                        Effects& fx) {
    for (const auto& [rsid, details] : r.sessions) {
        Session* s = session_by_room_session(backend, rsid);
        if (s == nullptr || s->room_id != room_id) {
            continue;
        }
        std::string out;
        api::write_switchto_event(out, r.room_id, details);
        send_to_session(*s, std::move(out), fx);
    }
}

}  // namespace tern::sig
