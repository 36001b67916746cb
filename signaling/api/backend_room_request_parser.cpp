#include "signaling/api/backend_room_request_parser.hpp"

#include "signaling/api/json_members.hpp"

#include <utility>

namespace tern::sig::api {

namespace {

using R = Result<BackendRoomBody, RoomRequestError>;

R bad(std::string message) {
    return unexpected(RoomRequestError{std::move(message), false});
}

/// What went wrong in a body of type `type`, for the 400 answer.
R bad_in(std::string_view type, const std::string& error) {
    return bad(std::string(type) + ": " + error);
}

bool read_participant(const json::element& e, Participant& p, std::string& error) {
    json::object o;
    if (e.get(o) != simdjson::SUCCESS) {
        error = "participants must be objects";
        return false;
    }
    json::element perms;
    if (!json::get_string(o, "sessionId", p.nc_session_id, error) ||
        !json::get_int(o, "inCall", p.in_call, error, true)) {
        return false;
    }
    if (json::member(o, "permissions", perms) && !perms.is_null()) {
        std::vector<std::string> list;
        if (!json::get_string_list(o, "permissions", list, error)) {
            return false;
        }
        p.permissions = std::move(list);
    }
    p.object = json::raw_of(e);
    return true;
}

bool read_participants(const json::object& o, std::string_view key, std::vector<Participant>& out,
                       std::string& error) {
    json::element e;
    if (!json::member(o, key, e) || e.is_null()) {
        return true;
    }
    json::array a;
    if (e.get(a) != simdjson::SUCCESS) {
        error = std::string(key) + " must be an array";
        return false;
    }
    for (json::element item : a) {
        Participant p;
        if (!read_participant(item, p, error)) {
            error = std::string(key).append(": ").append(error);
            return false;
        }
        out.push_back(std::move(p));
    }
    return true;
}

R read_invite(const json::object& b) {
    RoomInvite r;
    std::string error;
    if (!json::get_string_list(b, "userids", r.user_ids, error) ||
        !json::get_string_list(b, "alluserids", r.all_user_ids, error) ||
        !json::get_raw_object(b, "properties", r.properties, error)) {
        return bad_in("invite", error);
    }
    return BackendRoomBody{std::move(r)};
}

R read_disinvite(const json::object& b) {
    RoomDisinvite r;
    std::string error;
    if (!json::get_string_list(b, "userids", r.user_ids, error) ||
        !json::get_string_list(b, "sessionids", r.session_ids, error) ||
        !json::get_string_list(b, "alluserids", r.all_user_ids, error) ||
        !json::get_raw_object(b, "properties", r.properties, error)) {
        return bad_in("disinvite", error);
    }
    return BackendRoomBody{std::move(r)};
}

R read_update(const json::object& b) {
    RoomUpdate r;
    std::string error;
    if (!json::get_string_list(b, "userids", r.user_ids, error) ||
        !json::get_raw_object(b, "properties", r.properties, error)) {
        return bad_in("update", error);
    }
    return BackendRoomBody{std::move(r)};
}

R read_delete(const json::object& b) {
    RoomDelete r;
    std::string error;
    if (!json::get_string_list(b, "userids", r.user_ids, error)) {
        return bad_in("delete", error);
    }
    return BackendRoomBody{std::move(r)};
}

R read_incall(const json::object& b) {
    RoomInCall r;
    std::string error;
    std::optional<int> in_call;
    if (!json::get_int(b, "incall", in_call, error, true) ||
        !json::get_bool(b, "all", r.all, error) ||
        !read_participants(b, "changed", r.changed, error) ||
        !read_participants(b, "users", r.users, error)) {
        return bad_in("incall", error);
    }
    r.in_call = in_call.value_or(0);
    return BackendRoomBody{std::move(r)};
}

R read_participants_body(const json::object& b) {
    RoomParticipants r;
    std::string error;
    if (!read_participants(b, "changed", r.changed, error) ||
        !read_participants(b, "users", r.users, error)) {
        return bad_in("participants", error);
    }
    return BackendRoomBody{std::move(r)};
}

R read_message(const json::object& b) {
    RoomMessage r;
    json::get_raw(b, "data", r.data);
    if (r.data.empty()) {
        return bad("message: data missing");
    }
    return BackendRoomBody{std::move(r)};
}

R read_switchto(const json::object& b) {
    RoomSwitchTo r;
    std::string error;
    if (!json::get_string(b, "roomid", r.room_id, error)) {
        return bad_in("switchto", error);
    }
    if (r.room_id.empty()) {
        return bad("switchto: roomid missing");
    }
    json::element sessions;
    if (!json::member(b, "sessions", sessions) || sessions.is_null()) {
        return BackendRoomBody{std::move(r)};
    }
    json::array list;
    json::object map;
    if (sessions.get(list) == simdjson::SUCCESS) {
        for (json::element id : list) {
            std::string_view s;
            if (id.get(s) != simdjson::SUCCESS) {
                return bad("switchto: sessions must hold session ids");
            }
            r.sessions.emplace_back(std::string(s), RawJson{});
        }
    } else if (sessions.get(map) == simdjson::SUCCESS) {
        for (auto [id, details] : map) {
            if (!details.is_null() && details.type() != simdjson::dom::element_type::OBJECT) {
                return bad("switchto: session details must be objects or null");
            }
            r.sessions.emplace_back(std::string(id),
                                    details.is_null() ? RawJson{} : json::raw_of(details));
        }
    } else {
        return bad("switchto: sessions must be an array or an object");
    }
    return BackendRoomBody{std::move(r)};
}

R read_dialout(const json::object& b) {
    RoomDialout r;
    std::string error;
    // The number's checks (missing, format) are the dial-out handler's, with their own codes.
    if (!json::get_string(b, "number", r.number, error) ||
        !json::get_raw_object(b, "options", r.options, error)) {
        return bad_in("dialout", error);
    }
    return BackendRoomBody{std::move(r)};
}

simdjson::dom::parser& thread_parser() {
    thread_local simdjson::dom::parser parser;  // grows to the largest body (the edge caps 256 KiB)
    return parser;
}

}  // namespace

Result<BackendRoomBody, RoomRequestError> parse_backend_room_request(std::string_view body) {
    json::element doc;
    json::object top;
    if (thread_parser().parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
        return bad("not valid JSON");
    }
    if (doc.get(top) != simdjson::SUCCESS) {
        return bad("not a JSON object");
    }
    std::string type;
    std::string error;
    if (!json::get_string(top, "type", type, error) || type.empty()) {
        return bad(error.empty() ? "type missing" : error);
    }
    using Reader = R (*)(const json::object&);
    static constexpr std::pair<std::string_view, Reader> kReaders[] = {
        {"invite", read_invite},   {"disinvite", read_disinvite},
        {"update", read_update},   {"delete", read_delete},
        {"incall", read_incall},   {"participants", read_participants_body},
        {"message", read_message}, {"switchto", read_switchto},
        {"dialout", read_dialout},
    };
    for (const auto& [name, read] : kReaders) {
        if (name != type) {
            continue;
        }
        json::object b;
        if (!json::get_object(top, type, b)) {
            return bad(type + " missing or not an object");
        }
        return read(b);
    }
    // "transient" is cluster-internal in the reference server: over HTTP it is as unknown as "foo".
    return unexpected(RoomRequestError{"unsupported request type \"" + type + "\"", true});
}

void write_participant(JsonWriter& w, const Participant& p, std::string_view signaling_session_id) {
    thread_local simdjson::dom::parser parser;
    json::element e;
    json::object o;
    w.begin_object();
    bool wrote_id = false;
    if (parser.parse(p.object).get(e) == simdjson::SUCCESS && e.get(o) == simdjson::SUCCESS) {
        for (auto [key, value] : o) {
            if (key == "permissions") {
                continue;  // members' permissions are the server's business, not the other members'
            }
            if (key == "sessionId") {
                if (!wrote_id) {
                    w.field("sessionId", signaling_session_id);
                    wrote_id = true;
                }
                continue;
            }
            w.raw_field(key, json::raw_of(value));
        }
    }
    if (!wrote_id) {
        w.field("sessionId", signaling_session_id);
    }
    w.end_object();
}

}  // namespace tern::sig::api
