#include "signaling/backend/rest/rooms_api.hpp"

#include "signaling/api/json_writer.hpp"
#include "signaling/backend/rest/room_json.hpp"
#include "signaling/backend/rooms/room_policy.hpp"

namespace tern::sig::backend::rest {

namespace {

ApiResult<ApiReply> room_reply(ApiCall& call, const Membership& m, int status = 200) {
    auto data = room_data(call, m);
    if (!data) {
        return unexpected(data.error());
    }
    return ok_data(std::move(*data), status);
}

/// The room again after a change, with the caller's participant as it is now.
ApiResult<ApiReply> changed(ApiCall& call, const Caller& caller, const TalkResult<Room>& room) {
    if (!room) {
        return unexpected(api_error(room.error()));
    }
    auto m = call.service.rooms().membership(room->token, caller.who.actor);
    if (!m) {
        return unexpected(api_error(m.error()));
    }
    return room_reply(call, *m);
}

}  // namespace

ApiResult<Membership> member_of(ApiCall& call, const Caller& caller, std::string_view token) {
    auto m = call.service.rooms().membership(token, caller.who.actor);
    if (!m) {
        return unexpected(api_error(m.error()));
    }
    if (lobby_timer_due(m->room, call.now.s)) {
        auto room = call.service.rooms().open_lobby_if_due(m->room, call.now.s);
        if (!room) {
            return unexpected(api_error(room.error()));
        }
        m->room = std::move(*room);
    }
    return std::move(*m);
}

ApiResult<MemberText> member_with_text(ApiCall& call, const Caller& caller, std::string_view token,
                                       std::string_view param, std::string_view missing) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    const auto text = call.params.get(param);
    if (!text) {
        return unexpected(bad_request(std::string(missing)));
    }
    return MemberText{std::move(*m), *text};
}

ApiResult<std::string> room_data(ApiCall& call, const Membership& m) {
    Store& store = call.service.store();
    RoomView view;
    view.name = m.room.name;
    view.display_name = m.room.name;
    if (m.room.type == RoomType::OneToOne) {
        auto people = store.participants(m.room.id);
        if (!people) {
            return unexpected(api_error(people.error()));
        }
        for (const Participant& p : *people) {
            if (p.actor != m.participant.actor) {
                view.name = p.actor.id;
                view.display_name = p.display_name;
            }
        }
    }
    auto unread = store.unread_counts(m.participant.id);
    if (!unread) {
        return unexpected(api_error(unread.error()));
    }
    view.unread = *unread;
    auto common = store.last_common_read(m.room.id);
    if (!common) {
        return unexpected(api_error(common.error()));
    }
    view.last_common_read = *common;
    if (m.room.last_message_id > 0) {
        auto last = store.message(m.room.id, m.room.last_message_id);
        if (last) {
            view.last_message = std::move(*last);
        }
    }
    std::string out;
    api::JsonWriter w(out);
    write_room(w, m.room, m.participant, view, call.now.s);
    return out;
}

ApiResult<ApiReply> list_rooms(ApiCall& call, const Caller& caller) {
    auto rooms = call.service.store().rooms_of(caller.who.actor);
    if (!rooms) {
        return unexpected(api_error(rooms.error()));
    }
    std::string out = "[";
    bool first = true;
    for (const Room& room : *rooms) {
        auto m = member_of(call, caller, room.token);
        if (!m) {
            continue;  // left or removed between the two reads
        }
        auto data = room_data(call, *m);
        if (!data) {
            return unexpected(data.error());
        }
        if (!first) {
            out += ',';
        }
        first = false;
        out += *data;
    }
    out += ']';
    return ok_data(std::move(out));
}

ApiResult<ApiReply> create_room(ApiCall& call, const Caller& caller) {
    auto type = call.params.integer("roomType");
    if (!type) {
        return unexpected(bad_request(type.error()));
    }
    if (!*type) {
        return unexpected(bad_request("roomType is missing (1 one-to-one, 2 group, 3 public)"));
    }
    const std::string name(call.params.get("roomName").value_or(""));
    const std::string invite(call.params.get("invite").value_or(""));
    const std::string source(call.params.get("source").value_or(""));
    Rooms& rooms = call.service.rooms();
    TalkResult<CreatedRoom> created = unexpected(TalkError{});
    if (**type == static_cast<int>(RoomType::OneToOne)) {
        if (invite.empty()) {
            return unexpected(bad_request("invite must name the other user"));
        }
        auto other = call.service.store().find_user(invite);
        if (!other) {
            return unexpected(other.error().kind == StoreErrorKind::NotFound
                                  ? ApiError{404, "no such user: " + invite}
                                  : api_error(other.error()));
        }
        created = rooms.one_to_one(caller.who, actor_of(*other), call.now.s);
    } else if (**type == static_cast<int>(RoomType::Group) ||
               **type == static_cast<int>(RoomType::Public)) {
        if (!invite.empty() && !source.empty() && source != "users") {
            return unexpected(bad_request("only users can be invited (source users)"));
        }
        std::optional<User> invited;
        if (!invite.empty()) {
            auto other = call.service.store().find_user(invite);
            if (!other) {
                return unexpected(other.error().kind == StoreErrorKind::NotFound
                                      ? ApiError{404, "no such user: " + invite}
                                      : api_error(other.error()));
            }
            invited = std::move(*other);
        }
        created = rooms.create(caller.who, static_cast<RoomType>(**type), name, call.now.s);
        if (created && invited && invited->id != caller.user.id) {
            auto m = rooms.membership(created->room.token, caller.who.actor);
            if (!m) {
                return unexpected(api_error(m.error()));
            }
            if (auto added = rooms.add_user(*m, actor_of(*invited), call.now.s); !added) {
                return unexpected(api_error(added.error()));
            }
        }
    } else {
        return unexpected(bad_request("roomType must be 1 (one-to-one), 2 (group) or 3 (public)"));
    }
    if (!created) {
        return unexpected(api_error(created.error()));
    }
    auto m = rooms.membership(created->room.token, caller.who.actor);
    if (!m) {
        return unexpected(api_error(m.error()));
    }
    return room_reply(call, *m, created->created ? 201 : 200);
}

ApiResult<ApiReply> note_to_self(ApiCall& call, const Caller& caller) {
    auto created = call.service.rooms().create(caller.who, RoomType::NoteToSelf, "", call.now.s);
    if (!created) {
        return unexpected(api_error(created.error()));
    }
    auto m = call.service.rooms().membership(created->room.token, caller.who.actor);
    if (!m) {
        return unexpected(api_error(m.error()));
    }
    return room_reply(call, *m);
}

ApiResult<ApiReply> get_room(ApiCall& call, const Caller& caller, std::string_view token) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    return room_reply(call, *m);
}

/// A setting of a room that takes one text parameter (the name, the description, the password):
/// `apply` runs on the membership and the parameter; its refusal maps to Talk's status.
template <class Apply>
ApiResult<ApiReply> text_setting(ApiCall& call, const Caller& caller, std::string_view token,
                                 std::string_view param, std::string_view missing, Apply&& apply) {
    auto in = member_with_text(call, caller, token, param, missing);
    if (!in) {
        return unexpected(in.error());
    }
    if (auto room = apply(in->member, in->text); !room) {
        return unexpected(api_error(room.error()));
    }
    return ApiReply{};
}

ApiResult<ApiReply> rename_room(ApiCall& call, const Caller& caller, std::string_view token) {
    return text_setting(call, caller, token, "roomName", "roomName is missing",
                        [&call](const Membership& m, std::string_view name) {
                            return call.service.rooms().rename(m, name, call.now.s);
                        });
}

ApiResult<ApiReply> describe_room(ApiCall& call, const Caller& caller, std::string_view token) {
    return text_setting(call, caller, token, "description", "description is missing",
                        [&call](const Membership& m, std::string_view description) {
                            return call.service.rooms().set_description(m, description, call.now.s);
                        });
}

ApiResult<ApiReply> delete_room(ApiCall& call, const Caller& caller, std::string_view token) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    if (m->room.type == RoomType::OneToOne) {
        return unexpected(bad_request("a one-to-one conversation is left, not deleted"));
    }
    if (m->room.type != RoomType::NoteToSelf) {
        if (auto ok = check_moderator(m->participant); !ok) {
            return unexpected(api_error(ok.error()));
        }
    }
    if (auto done = call.service.store().remove_room(m->room.id); !done) {
        return unexpected(api_error(done.error()));
    }
    return ApiReply{};
}

ApiResult<ApiReply> set_room_public(ApiCall& call, const Caller& caller, std::string_view token,
                                    bool make_public) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    auto room = call.service.rooms().set_public(*m, make_public, call.now.s);
    if (!room) {
        return unexpected(api_error(room.error()));
    }
    return ApiReply{};
}

ApiResult<ApiReply> set_room_password(ApiCall& call, const Caller& caller, std::string_view token) {
    return text_setting(call, caller, token, "password", "password is missing (empty removes it)",
                        [&call](const Membership& m, std::string_view password) {
                            return call.service.rooms().set_password(m, password, call.now.s);
                        });
}

ApiResult<ApiReply> set_room_lobby(ApiCall& call, const Caller& caller, std::string_view token) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    auto state = call.params.integer("state");
    if (!state) {
        return unexpected(bad_request(state.error()));
    }
    if (!*state || (**state != 0 && **state != 1)) {
        return unexpected(
            bad_request("state must be 0 (no lobby) or 1 (lobby for non-moderators)"));
    }
    auto timer = call.params.integer("timer");
    if (!timer) {
        return unexpected(bad_request(timer.error()));
    }
    std::optional<int64_t> timer_s;
    if (*timer && **timer != 0) {
        if (**timer < 0) {
            return unexpected(bad_request("timer must be a Unix time in seconds"));
        }
        timer_s = **timer;
    }
    return changed(
        call, caller,
        call.service.rooms().set_lobby(*m, static_cast<LobbyState>(**state), timer_s, call.now.s));
}

ApiResult<ApiReply> set_room_read_only(ApiCall& call, const Caller& caller,
                                       std::string_view token) {
    auto m = member_of(call, caller, token);
    if (!m) {
        return unexpected(m.error());
    }
    auto state = call.params.integer("state");
    if (!state) {
        return unexpected(bad_request(state.error()));
    }
    if (!*state || (**state != 0 && **state != 1)) {
        return unexpected(bad_request("state must be 0 (read-write) or 1 (read-only)"));
    }
    auto room = call.service.rooms().set_read_only(*m, **state == 1, call.now.s);
    if (!room) {
        return unexpected(api_error(room.error()));
    }
    return ApiReply{};
}

}  // namespace tern::sig::backend::rest
