#include "signaling/backend/rest/participants_api.hpp"

#include "signaling/api/json_writer.hpp"
#include "signaling/backend/auth/secret_token.hpp"
#include "signaling/backend/rest/room_json.hpp"
#include "signaling/backend/rest/rooms_api.hpp"

namespace tern::sig::backend::rest {

namespace {

ApiResult<int64_t> attendee_id(const ApiCall& call) {
    auto id = call.params.integer("attendeeId");
    if (!id) {
        return unexpected(bad_request(id.error()));
    }
    if (!*id || **id <= 0) {
        return unexpected(bad_request("attendeeId is missing"));
    }
    return **id;
}

}  // namespace

ApiResult<ApiReply> list_participants(ApiCall& call, const Caller& caller, std::string_view token) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    auto people = call.service.store().participants(m->room.id);
    if (!people) {
        return unexpected(api_error(people.error()));
    }
    std::string out;
    api::JsonWriter w(out);
    w.begin_array();
    for (const Participant& p : *people) {
        write_participant(w, m->room, p);
    }
    w.end_array();
    return ok_data(std::move(out));
}

ApiResult<ApiReply> add_participant(ApiCall& call, const Caller& caller, std::string_view token) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    const std::string name(call.params.get("newParticipant").value_or(""));
    const std::string source(call.params.get("source").value_or("users"));
    if (name.empty()) {
        return unexpected(bad_request("newParticipant is missing"));
    }
    if (source != "users") {
        return unexpected(bad_request("source must be users (groups, circles and e-mail "
                                      "invitations are not supported)"));
    }
    auto user = call.service.store().find_user(name);
    if (!user) {
        return unexpected(user.error().kind == StoreErrorKind::NotFound
                              ? ApiError{404, "no such user: " + name}
                              : api_error(user.error()));
    }
    auto added = call.service.rooms().add_user(*m, actor_of(*user), call.now.s);
    if (!added) {
        return unexpected(api_error(added.error()));
    }
    std::string out;
    api::JsonWriter w(out);
    w.begin_object().field("type", static_cast<int>(m->room.type)).end_object();
    return ok_data(std::move(out));
}

ApiResult<ApiReply> remove_participant(ApiCall& call, const Caller& caller,
                                       std::string_view token) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    auto id = attendee_id(call);
    if (!id) {
        return unexpected(id.error());
    }
    if (auto done = call.service.rooms().remove(*m, *id, call.now.s); !done) {
        return unexpected(api_error(done.error()));
    }
    return ApiReply{};
}

ApiResult<ApiReply> leave_room(ApiCall& call, const Caller& caller, std::string_view token) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    if (auto done = call.service.rooms().remove(*m, m->participant.id, call.now.s); !done) {
        return unexpected(api_error(done.error()));
    }
    return ApiReply{};
}

ApiResult<ApiReply> set_moderator(ApiCall& call, const Caller& caller, std::string_view token,
                                  bool promote) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    auto id = attendee_id(call);
    if (!id) {
        return unexpected(id.error());
    }
    auto p = promote ? call.service.rooms().promote(*m, *id, call.now.s)
                     : call.service.rooms().demote(*m, *id, call.now.s);
    if (!p) {
        return unexpected(api_error(p.error()));
    }
    return ApiReply{};
}

ApiResult<ApiReply> join_active(ApiCall& call, const Caller& caller, std::string_view token) {
    Rooms& rooms = call.service.rooms();
    auto m = member_of(call, caller, token);
    if (!m) {
        if (m.error().status != 404) {
            return unexpected(m.error());
        }
        // Not a participant: a public conversation takes the user by its link.
        const std::string password(call.params.get("password").value_or(""));
        auto joined = rooms.join_public(token, caller.who, password, call.now.s);
        if (!joined) {
            return unexpected(api_error(joined.error()));
        }
        m = member_of(call, caller, token);
        if (!m) {
            return unexpected(m.error());
        }
    }
    // A fresh session each join: the old one's signaling connection (another tab) is gone for
    // the backend once this one is set, as with Talk's force=true.
    m->participant.session_id = random_secret_token();
    if (auto saved = call.service.store().update_participant(m->participant); !saved) {
        return unexpected(api_error(saved.error()));
    }
    auto data = room_data(call, *m);
    if (!data) {
        return unexpected(data.error());
    }
    return ok_data(std::move(*data));
}

ApiResult<ApiReply> leave_active(ApiCall& call, const Caller& caller, std::string_view token) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    if (m->participant.in_call != 0) {
        if (auto left = call.service.rooms().leave_call(*m, call.now.s); !left) {
            return unexpected(api_error(left.error()));
        }
        auto again = call.service.rooms().membership(token, caller.who.actor);
        if (!again) {
            return unexpected(api_error(again.error()));
        }
        *m = std::move(*again);
    }
    m->participant.session_id.reset();
    if (auto saved = call.service.store().update_participant(m->participant); !saved) {
        return unexpected(api_error(saved.error()));
    }
    return ApiReply{};
}

}  // namespace tern::sig::backend::rest
