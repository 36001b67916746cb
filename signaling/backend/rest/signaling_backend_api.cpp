#include "signaling/backend/rest/signaling_backend_api.hpp"

#include "common/overloaded.hpp"
#include "signaling/api/json_writer.hpp"
#include "signaling/backend/rest/backend_call_parser.hpp"
#include "signaling/backend/rest/request_auth.hpp"
#include "signaling/backend/rest/talk_ticket.hpp"
#include "signaling/backend/rooms/permissions.hpp"
#include "signaling/backend_api/checksum.hpp"

namespace tern::sig::backend::rest {

namespace {

ApiReply error_answer(std::string_view code, std::string_view message) {
    std::string out;
    api::JsonWriter w(out);
    w.begin_object().field("type", "error").key("error").begin_object();
    w.field("code", code).field("message", message).end_object().end_object();
    return ok_data(std::move(out));
}

ApiReply room_ack(std::string_view room_id) {
    std::string out;
    api::JsonWriter w(out);
    w.begin_object().field("type", "room").key("room").begin_object().field("version", "1.0");
    if (!room_id.empty()) {
        w.field("roomid", room_id);
    }
    w.end_object().end_object();
    return ok_data(std::move(out));
}

ApiReply auth_answer(ApiCall& call, const BackendAuthCall& auth) {
    if (auth.user_id.empty() && auth.ticket.empty()) {
        std::string out;
        api::JsonWriter w(out);
        w.begin_object().field("type", "auth").key("auth").begin_object();
        w.field("version", "1.0").end_object().end_object();
        return ok_data(std::move(out));
    }
    if (!verify_ticket(call.service.settings().ticket_key, auth.user_id, auth.ticket, call.now.s)) {
        return error_answer("invalid_ticket", "the ticket is not valid for this user");
    }
    auto user = call.service.store().find_user(auth.user_id);
    if (!user) {
        return error_answer("no_such_user", "the user does not exist");
    }
    const NamedActor who = actor_of(*user);
    std::string out;
    api::JsonWriter w(out);
    w.begin_object().field("type", "auth").key("auth").begin_object();
    w.field("version", "1.0").field("userid", user->name);
    w.key("user").begin_object().field("displayname", who.display_name).end_object();
    w.end_object().end_object();
    return ok_data(std::move(out));
}

void write_permissions(api::JsonWriter& w, const Room& room, const Participant& p) {
    const uint32_t bits = effective_permissions(room, p);
    w.key("permissions").begin_array();
    if ((bits & (permission::kPublishAudio | permission::kPublishVideo)) != 0) {
        w.value("publish-media");
    }
    if ((bits & permission::kPublishAudio) != 0) {
        w.value("publish-audio");
    }
    if ((bits & permission::kPublishVideo) != 0) {
        w.value("publish-video");
    }
    if ((bits & permission::kPublishScreen) != 0) {
        w.value("publish-screen");
    }
    if (is_moderator(p.type)) {
        w.value("control");
    }
    w.end_array();
}

ApiResult<ApiReply> room_answer(ApiCall& call, const api::BackendRoomRequest& r) {
    Store& store = call.service.store();
    std::optional<Membership> m;
    if (!r.session_id.empty()) {
        if (auto p = store.participant_by_session(r.session_id)) {
            if (auto room = store.room_by_id(p->room)) {
                if (room->token == r.room_id &&
                    (r.user_id.empty() || p->actor == Actor{ActorType::Users, r.user_id})) {
                    m = Membership{std::move(*room), std::move(*p)};
                }
            }
        }
    }
    if (!m && !r.user_id.empty()) {
        auto found = call.service.rooms().membership(r.room_id, Actor{ActorType::Users, r.user_id});
        if (found && (!found->participant.session_id || r.leave)) {
            m = std::move(*found);
        }
    }
    if (!m) {
        return error_answer("no_such_room", "the session is not in this conversation");
    }
    if (r.leave) {
        if (m->participant.session_id == r.session_id) {
            m->participant.session_id.reset();
            if (auto saved = store.update_participant(m->participant); !saved) {
                return unexpected(api_error(saved.error()));
            }
        }
        return room_ack(r.room_id);
    }
    if (!m->participant.session_id && !r.session_id.empty()) {
        m->participant.session_id = r.session_id;
        if (auto saved = store.update_participant(m->participant); !saved) {
            return error_answer("duplicate_session", "the session is in use");
        }
    }
    const Room& room = m->room;
    std::string out;
    api::JsonWriter w(out);
    w.begin_object().field("type", "room").key("room").begin_object();
    w.field("version", "1.0").field("roomid", room.token);
    w.key("properties").begin_object();
    w.field("name", room.name).field("type", static_cast<int>(room.type));
    w.field("description", room.description);
    w.field("lobby-state", static_cast<int>(room.lobby));
    w.field("lobby-timer", room.lobby_timer_s.value_or(0));
    w.field("read-only", room.read_only ? 1 : 0).field("listable", 0);
    w.field("active-since", room.call_started_s.value_or(0));
    w.field("sip-enabled", static_cast<int>(room.sip));
    w.field("participant-list", "refresh");
    w.end_object();
    write_permissions(w, room, m->participant);
    w.key("session").begin_object();
    w.field("userid", m->participant.actor.type == ActorType::Users ? m->participant.actor.id
                                                                    : std::string());
    w.field("attendeeId", m->participant.id);
    w.field("actorType", to_string(m->participant.actor.type));
    w.field("actorId", m->participant.actor.id);
    w.end_object();
    w.end_object().end_object();
    return ok_data(std::move(out));
}

}  // namespace

ApiResult<ApiReply> signaling_backend(ApiCall& call) {
    bool signed_ok = false;
    for (const std::string& secret : call.service.settings().backend_secrets) {
        signed_ok =
            signed_ok || verify_backend_checksum(secret, call.req.signaling_random, call.req.body,
                                                 call.req.signaling_checksum);
    }
    if (!signed_ok) {
        return error_answer("invalid_request", "the request's checksum does not match");
    }
    auto parsed = parse_backend_call(call.req.body);
    if (!parsed) {
        return error_answer("invalid_request", parsed.error());
    }
    return std::visit(
        Overloaded{
            [&](const BackendAuthCall& a) -> ApiResult<ApiReply> { return auth_answer(call, a); },
            [&](const api::BackendRoomRequest& r) { return room_answer(call, r); },
            [&](const api::BackendPingRequest& p) -> ApiResult<ApiReply> {
                return room_ack(p.room_id);
            },
            [&](const api::BackendSessionRequest& s) -> ApiResult<ApiReply> {
                return room_ack(s.room_id);
            },
        },
        *parsed);
}

}  // namespace tern::sig::backend::rest
