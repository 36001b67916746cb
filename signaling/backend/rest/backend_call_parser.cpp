#include "signaling/backend/rest/backend_call_parser.hpp"

#include "signaling/api/json_members.hpp"

namespace tern::sig::backend::rest {

namespace {

namespace json = api::json;

using Parsed = Result<BackendCall, std::string>;

Parsed auth_call(const json::object& body) {
    json::object auth;
    if (!json::get_object(body, "auth", auth)) {
        return unexpected(std::string("auth must be an object"));
    }
    json::object params;
    if (!json::get_object(auth, "params", params)) {
        return unexpected(std::string("auth.params must be an object"));
    }
    BackendAuthCall call;
    std::string error;
    if (!json::get_string(params, "userid", call.user_id, error) ||
        !json::get_string(params, "ticket", call.ticket, error)) {
        return unexpected("auth.params." + error);
    }
    return BackendCall{std::move(call)};
}

Parsed room_call(const json::object& body) {
    json::object room;
    if (!json::get_object(body, "room", room)) {
        return unexpected(std::string("room must be an object"));
    }
    api::BackendRoomRequest r;
    std::string action;
    std::string error;
    if (!json::get_string(room, "roomid", r.room_id, error) ||
        !json::get_string(room, "userid", r.user_id, error) ||
        !json::get_string(room, "sessionid", r.session_id, error) ||
        !json::get_string(room, "action", action, error) ||
        !json::get_string(room, "actorid", r.actor_id, error) ||
        !json::get_string(room, "actortype", r.actor_type, error) ||
        !json::get_int(room, "incall", r.in_call, error, true)) {
        return unexpected("room." + error);
    }
    if (!action.empty() && action != "join" && action != "leave") {
        return unexpected("room.action must be join or leave, not " + action);
    }
    r.leave = action == "leave";
    return BackendCall{std::move(r)};
}

Parsed ping_call(const json::object& body) {
    json::object ping;
    if (!json::get_object(body, "ping", ping)) {
        return unexpected(std::string("ping must be an object"));
    }
    api::BackendPingRequest r;
    std::string error;
    if (!json::get_string(ping, "roomid", r.room_id, error)) {
        return unexpected("ping." + error);
    }
    json::element entries;
    if (!json::member(ping, "entries", entries) || entries.is_null()) {
        return BackendCall{std::move(r)};
    }
    json::array list;
    if (entries.get(list) != simdjson::SUCCESS) {
        return unexpected(std::string("ping.entries must be an array"));
    }
    for (json::element item : list) {
        json::object entry;
        if (item.get(entry) != simdjson::SUCCESS) {
            return unexpected(std::string("ping.entries must hold objects"));
        }
        api::BackendPingEntry e;
        if (!json::get_string(entry, "sessionid", e.session_id, error) ||
            !json::get_string(entry, "userid", e.user_id, error)) {
            return unexpected("ping.entries." + error);
        }
        r.entries.push_back(std::move(e));
    }
    return BackendCall{std::move(r)};
}

Parsed session_call(const json::object& body) {
    json::object session;
    if (!json::get_object(body, "session", session)) {
        return unexpected(std::string("session must be an object"));
    }
    api::BackendSessionRequest r;
    std::string action;
    std::string error;
    if (!json::get_string(session, "roomid", r.room_id, error) ||
        !json::get_string(session, "action", action, error) ||
        !json::get_string(session, "sessionid", r.session_id, error) ||
        !json::get_string(session, "userid", r.user_id, error)) {
        return unexpected("session." + error);
    }
    if (action != "add" && action != "remove") {
        return unexpected(std::string("session.action must be add or remove"));
    }
    r.add = action == "add";
    json::get_raw(session, "user", r.user);
    return BackendCall{std::move(r)};
}

}  // namespace

Result<BackendCall, std::string> parse_backend_call(std::string_view body) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
        return unexpected(std::string("the body is not JSON"));
    }
    json::object o;
    if (root.get(o) != simdjson::SUCCESS) {
        return unexpected(std::string("the body must be a JSON object"));
    }
    std::string type;
    std::string error;
    if (!json::get_string(o, "type", type, error)) {
        return unexpected(error);
    }
    if (type == "auth") {
        return auth_call(o);
    }
    if (type == "room") {
        return room_call(o);
    }
    if (type == "ping") {
        return ping_call(o);
    }
    if (type == "session") {
        return session_call(o);
    }
    return unexpected("unknown request type '" + type + "'");
}

}  // namespace tern::sig::backend::rest
