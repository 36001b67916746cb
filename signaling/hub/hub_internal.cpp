// Internal clients (the SIP bridge, recording; signaling-protocol.md §3.8): virtual sessions for
// phone callers (addsession, updatesession, removesession), the client's own in-call state, and
// its replies to dial-out requests (hub_dialout.cpp).
#include "common/overloaded.hpp"
#include "signaling/api/event_messages.hpp"
#include "signaling/api/server_messages.hpp"
#include "signaling/backend_api/backend_answers.hpp"
#include "signaling/backend_api/backend_requests.hpp"
#include "signaling/hub/hub.hpp"

namespace tern::sig {

namespace {

std::string virtual_key(std::string_view owner, std::string_view client_id) {
    std::string k{owner};
    k += '|';
    k += client_id;
    return k;
}

}  // namespace

void Hub::handle_internal(Session& s, const std::string& id, api::InternalRequest req,
                          uint64_t now_us, Effects& fx) {
    if (s.type != ClientType::Internal) {
        return;  // only internal clients manage virtual sessions
    }
    auto find_virtual = [&](std::string_view client_id) -> Session* {
        const auto it = by_virtual_.find(virtual_key(s.public_id, client_id));
        return it == by_virtual_.end() ? nullptr : find_session(it->second);
    };
    std::visit(Overloaded{
                   [&](api::AddSession& a) {
                       if (find_virtual(a.session_id) != nullptr) {
                           return;  // already there
                       }
                       add_virtual(s, a, id, now_us, fx);
                   },
                   [&](api::UpdateSession& u) {
                       Session* v = find_virtual(u.session_id);
                       Room* room = v != nullptr && v->in_room() ? find_room(v->backend, v->room_id)
                                                                 : nullptr;
                       if (room == nullptr) {
                           return;
                       }
                       if (u.flags && *u.flags != v->flags) {
                           v->flags = *u.flags;
                           std::string out;
                           api::write_participants_flags(out, room->id, v->public_id, v->flags);
                           deliver_to_room(*room, out, {}, false, fx);
                       }
                       if (u.in_call && *u.in_call != v->in_call) {
                           v->in_call = *u.in_call;
                           send_participants_update(*room, {}, {}, now_us, fx);
                       }
                   },
                   [&](api::RemoveSession& r) {
                       if (Session* v = find_virtual(r.session_id)) {
                           remove_virtual(*v, now_us, fx);
                       }
                   },
                   [&](api::InCall& ic) {
                       if (ic.in_call == s.in_call) {
                           return;
                       }
                       s.in_call = ic.in_call;
                       if (Room* room = s.in_room() ? find_room(s.backend, s.room_id) : nullptr) {
                           send_participants_update(*room, {}, {}, now_us, fx);
                       }
                   },
                   [&](api::DialoutReply& d) { on_dialout_reply(s, id, d, now_us, fx); },
               },
               req.body);
}

void Hub::add_virtual(Session& owner, const api::AddSession& a, const std::string& request_id,
                      uint64_t now_us, Effects& fx) {
    // The room must exist on this hub already (someone is in it); otherwise the request is ignored.
    Room* room = find_room(owner.backend, a.room_id);
    if (room == nullptr) {
        return;
    }
    const std::string owner_id = owner.public_id;
    const bool internal_incall = owner.has_feature("internal-incall");
    Session& v = create_session(ClientType::Virtual, owner.backend, now_us, fx);
    v.owner = owner_id;
    v.virtual_id = a.session_id;
    v.user_id = a.user_id;
    v.user = a.user;
    v.flags = a.flags;
    v.in_call = a.in_call.value_or(internal_incall ? 0 : kInCall | kInCallWithPhone);
    v.joined_as_actor = !a.actor_id.empty() || !a.actor_type.empty();
    by_virtual_[virtual_key(owner_id, a.session_id)] = v.public_id;
    index_user(v, true, fx);
    if (v.joined_as_actor) {
        api::BackendRoomRequest req{a.room_id,  a.user_id,    v.public_id, false,
                                    a.actor_id, a.actor_type, v.in_call};
        backend_call(v.backend, write_backend_request(req),
                     AddSessionCall{owner_id, v.public_id, request_id, a.room_id}, fx);
        return;
    }
    // Talk answers a session request with unknown_type; the reference server ignores the answer.
    api::BackendSessionRequest req{a.room_id, true, v.public_id, a.user_id, a.user};
    backend_call(v.backend, write_backend_request(req), IgnoredCall{}, fx);
    enter_virtual(v, a.room_id, now_us, fx);
}

void Hub::on_add_session_reply(const AddSessionCall& call, const BackendReply& reply,
                               uint64_t now_us, Effects& fx) {
    Session* v = find_session(call.virtual_session);
    if (v == nullptr) {
        return;
    }
    bool ok = reply.transport_ok;
    if (ok) {
        auto answer = parse_backend_answer(reply.body);
        ok = answer && std::holds_alternative<api::BackendRoomAnswer>(*answer);
    }
    if (ok && find_room(v->backend, call.room_id) != nullptr) {
        enter_virtual(*v, call.room_id, now_us, fx);
        return;
    }
    if (Session* owner = find_session(call.owner)) {
        std::string out;
        api::write_error(out, call.request_id, api::ErrorCode::AddFailed,
                         "Could not add the virtual session.");
        send_to_session(*owner, std::move(out), fx);
    }
    by_virtual_.erase(virtual_key(call.owner, v->virtual_id));
    destroy_session(call.virtual_session, false, now_us, fx);
}

void Hub::enter_virtual(Session& v, const std::string& room_id, uint64_t now_us, Effects& fx) {
    Room* room = find_room(v.backend, room_id);
    if (room == nullptr) {
        return;
    }
    room->add(v.public_id);
    v.room_id = room_id;
    // Talk knows a virtual session by its public id: that is its "room session id".
    v.room_session_id = v.public_id;
    bind_room_session(v);
    send_join_events(*room, v, fx);
    send_participants_update(*room, {}, {}, now_us, fx);
    if (v.flags != 0) {
        std::string out;
        api::write_participants_flags(out, room_id, v.public_id, v.flags);
        deliver_to_room(*room, out, {}, false, fx);
    }
}

void Hub::remove_virtual(Session& v, uint64_t now_us, Effects& fx) {
    const std::string id = v.public_id;
    const std::string room_id = v.room_id;
    if (v.in_room()) {
        leave_room(v, false, now_us, fx);
        if (v.joined_as_actor) {
            api::BackendRoomRequest req{room_id, v.user_id, id, true, {}, {}, std::nullopt};
            backend_call(v.backend, write_backend_request(req), IgnoredCall{}, fx);
        } else {
            api::BackendSessionRequest req{room_id, false, id, v.user_id, {}};
            backend_call(v.backend, write_backend_request(req), IgnoredCall{}, fx);
        }
    }
    by_virtual_.erase(virtual_key(v.owner, v.virtual_id));
    destroy_session(id, false, now_us, fx);
}

}  // namespace tern::sig
