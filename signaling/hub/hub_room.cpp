// Room join and leave (signaling-protocol.md §3.4), join and leave events.
#include "signaling/api/event_messages.hpp"
#include "signaling/api/json_writer.hpp"
#include "signaling/api/server_messages.hpp"
#include "signaling/backend_api/backend_answers.hpp"
#include "signaling/backend_api/backend_requests.hpp"
#include "signaling/cluster/cluster_subjects.hpp"
#include "signaling/hub/hub.hpp"

#include <simdjson.h>

#include <algorithm>

namespace tern::sig {

namespace {

constexpr std::string_view kHideDisplayNames = "hide-displaynames";

/// `user` without its displayname, for recipients with hide-displaynames; as it is when it has
/// none (or is not an object).
std::string without_displayname(std::string_view user) {
    if (user.find("displayname") == std::string_view::npos) {
        return std::string(user);
    }
    thread_local simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (parser.parse(user.data(), user.size()).get(obj) != simdjson::SUCCESS) {
        return std::string(user);
    }
    std::string out;
    api::JsonWriter w{out};
    w.begin_object();
    for (const auto field : obj) {
        if (field.key != "displayname") {
            w.raw_field(field.key, simdjson::to_string(field.value));
        }
    }
    w.end_object();
    return out;
}

/// `user`: the user object to show (the session's own, or one stripped of its displayname).
api::JoinEntry join_entry(const Session& s, std::string_view user) {
    const bool is_virtual = s.type == ClientType::Virtual;
    return api::JoinEntry{
        s.public_id, s.user_id, user, is_virtual ? std::string_view{} : s.room_session_id,
        is_virtual ? std::span<const std::string>{} : std::span<const std::string>{s.features}};
}

/// The smallest limit that is set (0 = none).
uint64_t min_limit(uint64_t a, uint64_t b) {
    if (a == 0) {
        return b;
    }
    return b == 0 ? a : std::min(a, b);
}

}  // namespace

void Hub::start_join_timer(Session& s, uint64_t now_us) {
    s.join_deadline_us = now_us + kRoomJoinTimeoutUs;
    timers_.push(Timer{s.join_deadline_us, TimerKind::RoomJoin, 0, s.public_id, {}});
}

void Hub::handle_room(Session& s, const std::string& id, const api::RoomRequest& r, uint64_t now_us,
                      Effects& fx) {
    if (r.room_id.empty()) {
        if (!s.in_room()) {
            return;  // not in a room: the reference server sends no reply
        }
        leave_room(s, true, now_us, fx);
        std::string out;
        api::write_room_reply(out, {id, "", {}, 0, 0});
        send_to_session(s, std::move(out), fx);
        if (s.anonymous()) {
            start_join_timer(s, now_us);
        }
        return;
    }
    if (!r.federation.empty()) {
        send_to_session(
            s,
            [&] {
                std::string out;
                api::write_error(out, id, api::ErrorCode::FederationUnsupported,
                                 "Federation is not supported.");
                return out;
            }(),
            fx);
        return;
    }
    if (s.room_id == r.room_id) {
        const Room* room = find_room(s.backend, s.room_id);
        std::string details;
        api::JsonWriter w{details};
        w.begin_object().key("room").begin_object().field("roomid", s.room_id);
        if (room != nullptr && !room->properties.empty()) {
            w.raw_field("properties", room->properties);
        }
        w.end_object().end_object();
        std::string out;
        api::write_error(out, id, api::ErrorCode::AlreadyJoined, "Already joined this room.",
                         details);
        send_to_session(s, std::move(out), fx);
        return;
    }
    if (s.type == ClientType::Internal) {
        // Internal clients may join any room without asking the backend.
        enter_room(s, id, r.room_id, {}, nullptr, now_us, fx);
        return;
    }
    std::string rsid = r.session_id.empty() ? s.public_id : r.session_id;
    api::BackendRoomRequest req{r.room_id, s.user_id, rsid, false, {}, {}, std::nullopt};
    backend_call(s.backend, write_backend_request(req),
                 JoinCall{s.public_id, id, r.room_id, std::move(rsid)}, fx);
}

void Hub::on_join_reply(JoinCall call, const BackendReply& reply, uint64_t now_us, Effects& fx) {
    Session* s = find_session(call.session);
    if (s == nullptr) {
        return;
    }
    auto fail = [&](api::ErrorCode code, std::string_view message, std::string_view details = {},
                    std::string_view code_text = {}) {
        std::string out;
        api::write_error(out, call.request_id, code, message, details, code_text);
        send_to_session(*s, std::move(out), fx);
    };
    if (!reply.transport_ok) {
        fail(api::ErrorCode::InternalError, "The backend could not be reached.");
        return;
    }
    auto answer = parse_backend_answer(reply.body);
    if (!answer) {
        fail(answer.error().throttled ? api::ErrorCode::TooManyRequests
                                      : api::ErrorCode::InternalError,
             "The backend's answer could not be read.");
        return;
    }
    if (const auto* err = std::get_if<api::BackendError>(&*answer)) {
        fail(api::ErrorCode::InternalError, err->message, err->details, err->code);
        return;
    }
    const auto* room = std::get_if<api::BackendRoomAnswer>(&*answer);
    if (room == nullptr) {
        fail(api::ErrorCode::RoomJoinFailed, "The backend refused the room join.");
        return;
    }
    if (s->room_id == call.room_id) {
        fail(api::ErrorCode::AlreadyJoined, "Already joined this room.");
        return;
    }
    enter_room(*s, call.request_id, call.room_id, std::move(call.room_session_id), room, now_us,
               fx);
}

void Hub::enter_room(Session& s, const std::string& id, const std::string& room_id,
                     std::string room_session_id, const api::BackendRoomAnswer* answer,
                     uint64_t now_us, Effects& fx) {
    const std::string public_id = s.public_id;
    // One socket per Talk session: whoever held this room session id goes, the backend untold.
    if (!room_session_id.empty() && room_session_id != "0") {
        kick_room_session_holder(s.backend, room_session_id, public_id, now_us, fx);
        if (clustered_ && reach_ == Reach::Cluster) {
            // Whoever holds it on another node or shard goes too.
            cluster_publish(cluster::room_sessions_subject(),
                            cluster::RoomSessionClaimed{cfg_.backends[s.backend].entry.id,
                                                        room_session_id, public_id},
                            fx);
        }
    }
    Session* self = find_session(public_id);
    if (self == nullptr) {
        return;
    }
    if (self->in_room()) {
        leave_room(*self, true, now_us, fx);
    }
    const std::string key = room_key(self->backend, room_id);
    auto [rit, created] = rooms_.try_emplace(key);
    Room& room = rit->second;
    if (created) {
        room.key = key;
        room.id = room_id;
        room.backend = self->backend;
        room.next_ping_us = now_us + kPingIntervalUs;
        timers_.push(Timer{room.next_ping_us, TimerKind::Ping, 0, key, {}});
        fetch_capabilities(room.backend, now_us, fx);  // for the pings' form, ready by the first
        room_interest(room, true, fx);
    }
    if (answer != nullptr) {
        if (!answer->properties.empty()) {
            room.properties = answer->properties;
        }
        self->permissions = answer->permissions;
    }
    room.add(public_id);
    self->room_id = room_id;
    self->room_session_id = std::move(room_session_id);
    self->join_deadline_us = 0;
    if (!self->room_session_id.empty() && self->room_session_id != "0") {
        bind_room_session(*self);
    }

    const BackendConfig& b = cfg_.backends[self->backend];
    const bool sfu = cfg_.mcu.type == McuType::Proxy;
    std::string out;
    api::write_room_reply(out,
                          {id, room_id, room.properties,
                           min_limit(b.max_stream_bitrate, sfu ? cfg_.mcu.max_stream_bitrate : 0),
                           min_limit(b.max_screen_bitrate, sfu ? cfg_.mcu.max_screen_bitrate : 0)});
    send_to_session(*self, std::move(out), fx);
    send_join_events(room, *self, fx);
    save_record(*self, fx);
}

std::string Hub::members_join_event(const Room& room, const Session* joiner, bool hides_names) {
    std::vector<std::string> stripped;  // the user objects `others` points into
    std::vector<const Session*> listed;
    for (const std::string& id : room.members) {
        const Session* m = find_session(id);
        if (m == nullptr || m == joiner) {
            continue;
        }
        listed.push_back(m);
        stripped.push_back(hides_names ? without_displayname(m->user) : std::string{});
    }
    std::string out;
    if (listed.empty()) {
        return out;
    }
    std::vector<api::JoinEntry> others;
    for (std::size_t i = 0; i < listed.size(); ++i) {
        others.push_back(
            join_entry(*listed[i], hides_names ? std::string_view{stripped[i]} : listed[i]->user));
    }
    api::write_join_event(out, others);
    return out;
}

void Hub::send_join_events(Room& room, Session& joiner, Effects& fx) {
    // A join is this node's news even when a backend request caused it: other nodes hear it.
    const ReachScope reach{reach_, Reach::Cluster};
    // Display names are withheld from holders of hide-displaynames.
    const bool joiner_hides = joiner.may(kHideDisplayNames);
    std::vector<const Session*> flagged;
    for (const std::string& id : room.members) {
        const Session* m = find_session(id);
        if (m != nullptr && m != &joiner && m->type == ClientType::Virtual && m->flags != 0) {
            flagged.push_back(m);
        }
    }
    if (std::string others = members_join_event(room, &joiner, joiner_hides); !others.empty()) {
        send_to_session(joiner, std::move(others), fx);
    }
    const api::JoinEntry self = join_entry(joiner, joiner.user);
    std::string out;
    api::write_join_event(out, std::span{&self, 1});
    deliver_to_room(room, out, {}, false, fx, kHideDisplayNames, Holders::Excluded);
    const std::string hidden_user = without_displayname(joiner.user);
    const api::JoinEntry hidden = join_entry(joiner, hidden_user);
    std::string out_hidden;
    api::write_join_event(out_hidden, std::span{&hidden, 1});
    deliver_to_room(room, out_hidden, {}, false, fx, kHideDisplayNames, Holders::Only);
    if (clustered_) {
        publish_joined(room, joiner, joiner_hides, fx);
    }
    for (const Session* v : flagged) {
        std::string flags;
        api::write_participants_flags(flags, room.id, v->public_id, v->flags);
        send_to_session(joiner, std::move(flags), fx);
    }
    if (!room.transient.empty() && joiner.type != ClientType::Virtual) {
        send_transient_initial(room, joiner, fx);
    }
}

void Hub::send_transient_initial(const Room& room, Session& to, Effects& fx) {
    std::vector<std::pair<std::string_view, std::string_view>> data;
    data.reserve(room.transient.size());
    for (const auto& [k, e] : room.transient) {
        data.emplace_back(k, e.value);
    }
    std::string initial;
    api::write_transient_initial(initial, data);
    send_to_session(to, std::move(initial), fx);
}

void Hub::leave_room(Session& s, bool tell_backend, uint64_t now_us, Effects& fx) {
    const ReachScope reach{reach_, Reach::Cluster};  // as for joins
    release_media(s, now_us, fx);
    const std::string room_id = std::move(s.room_id);
    const std::string rsid = std::move(s.room_session_id);
    s.room_id.clear();
    s.room_session_id.clear();
    s.permissions.reset();
    if (s.type == ClientType::Client) {
        s.in_call = 0;
    }
    save_record(s, fx);
    if (!rsid.empty()) {
        unbind_room_session(s.backend, rsid, s.public_id);
    }
    if (Room* room = find_room(s.backend, room_id)) {
        room->remove(s.public_id);
        const std::string sd = "sd:" + s.public_id;
        if (room->transient.contains(sd)) {
            remove_transient(*room, sd, fx);
            publish_transient(*room, sd, {}, 0, fx);  // the session's own node tells the others
        }
        const std::string_view id = s.public_id;
        std::string out;
        api::write_leave_event(out, std::span{&id, 1});
        deliver_to_room(*room, out, {}, false, fx);
        if (room->members.empty()) {
            const std::string key = room->key;
            room_interest(*room, false, fx);
            rooms_.erase(key);  // its transient data goes with it
        }
    }
    if (tell_backend && s.type == ClientType::Client) {
        api::BackendRoomRequest req{room_id, s.user_id, rsid, true, {}, {}, std::nullopt};
        backend_call(s.backend, write_backend_request(req), IgnoredCall{}, fx);
    }
}

}  // namespace tern::sig
