#include "signaling/api/client_request_parser.hpp"

#include "signaling/api/json_members.hpp"

#include <simdjson.h>

#include <limits>
#include <utility>

namespace tern::sig::api {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;
// The member readers shared with the backend API's parsers: absent members leave the output as
// it is, a member of the wrong type is a shape error.
using json::get_object;
using json::get_string;
using json::raw_of;

/// A shape error, built where it is found; the id is filled in at the top.
Unexpected<ParseError> bad(ErrorCode code, std::string message) {
    return unexpected(ParseError{code, std::move(message), {}});
}
Unexpected<ParseError> bad_format(std::string message) {
    return bad(ErrorCode::InvalidFormat, std::move(message));
}

simdjson::dom::parser& thread_parser() {
    thread_local simdjson::dom::parser parser = [] {
        simdjson::dom::parser p;
        // Room for the largest frame, so a frame never makes it allocate; shallow nesting only.
        if (p.allocate(kMaxClientFrame, kMaxJsonDepth) != simdjson::SUCCESS) {
            return simdjson::dom::parser{};
        }
        return p;
    }();
    return parser;
}

// ---- reading members ------------------------------------------------------------------------

/// An integer member that fits T.
template <class T>
bool get_integer(const object& o, std::string_view key, std::optional<T>& out, std::string& error) {
    element e;
    if (o.at_key(key).get(e) != simdjson::SUCCESS) {
        return true;
    }
    int64_t v = 0;
    if (e.get(v) != simdjson::SUCCESS || v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
        error = std::string(key) + " must be an integer in range";
        return false;
    }
    out = static_cast<T>(v);
    return true;
}

// ---- the request types ------------------------------------------------------------------------

Result<RequestBody, ParseError> parse_hello(const object& h) {
    Hello hello;
    std::string error;
    std::string version;
    if (!get_string(h, "version", version, error)) {
        return bad_format(error);
    }
    if (version == "1.0") {
        hello.version = HelloVersion::V1;
    } else if (version == "2.0") {
        hello.version = HelloVersion::V2;
    } else {
        return bad(ErrorCode::InvalidHelloVersion, "unsupported hello version \"" + version + "\"");
    }
    if (!get_string(h, "resumeid", hello.resume_id, error)) {
        return bad_format(error);
    }
    element features;
    if (h.at_key("features").get(features) == simdjson::SUCCESS) {
        simdjson::dom::array a;
        if (features.get(a) != simdjson::SUCCESS) {
            return bad_format("features must be an array of strings");
        }
        for (element f : a) {
            std::string_view s;
            if (f.get(s) != simdjson::SUCCESS) {
                return bad_format("features must be an array of strings");
            }
            hello.features.emplace_back(s);
        }
    }
    if (!hello.resume_id.empty()) {
        return RequestBody{std::move(hello)};
    }
    object auth;
    if (!get_object(h, "auth", auth)) {
        return bad_format("auth missing");
    }
    std::string type;
    if (!get_string(auth, "type", type, error)) {
        return bad_format(error);
    }
    if (type.empty() || type == "client") {
        hello.auth.type = AuthType::Client;
    } else if (type == "internal") {
        hello.auth.type = AuthType::Internal;
    } else if (type == "federation") {
        hello.auth.type = AuthType::Federation;
    } else {
        return bad_format("unknown auth type \"" + type + "\"");
    }
    element params_el;
    object params;
    if (auth.at_key("params").get(params_el) != simdjson::SUCCESS ||
        params_el.get(params) != simdjson::SUCCESS || params.size() == 0) {
        return bad_format("auth.params missing");
    }
    hello.auth.params = raw_of(params_el);
    if (!get_string(auth, "url", hello.auth.url, error) ||
        !get_string(params, "userid", hello.auth.userid, error) ||
        !get_string(params, "ticket", hello.auth.ticket, error) ||
        !get_string(params, "token", hello.auth.token, error) ||
        !get_string(params, "random", hello.auth.random, error) ||
        !get_string(params, "backend", hello.auth.backend, error)) {
        return bad_format("auth: " + error);
    }
    if (hello.auth.type != AuthType::Internal && hello.auth.url.empty()) {
        return bad_format("auth.url missing");
    }
    if (hello.auth.token.empty() &&
        ((hello.auth.type == AuthType::Client && hello.version == HelloVersion::V2) ||
         hello.auth.type == AuthType::Federation)) {
        return bad_format("auth.params.token missing");
    }
    return RequestBody{std::move(hello)};
}

Result<RequestBody, ParseError> parse_room(const object& r) {
    RoomRequest room;
    std::string error;
    if (!get_string(r, "roomid", room.room_id, error) ||
        !get_string(r, "sessionid", room.session_id, error)) {
        return bad_format("room: " + error);
    }
    element fed;
    if (r.at_key("federation").get(fed) == simdjson::SUCCESS && !fed.is_null()) {
        if (fed.type() != element_type::OBJECT) {
            return bad_format("room.federation must be an object");
        }
        room.federation = raw_of(fed);
    }
    return RequestBody{std::move(room)};
}

Result<RequestBody, ParseError> parse_message(const object& m, bool control) {
    MessageRequest msg;
    msg.control = control;
    const char* what = control ? "control" : "message";
    object rcp;
    if (!get_object(m, "recipient", rcp)) {
        return bad_format(std::string(what) + ".recipient missing");
    }
    std::string type;
    std::string error;
    if (!get_string(rcp, "type", type, error) ||
        !get_string(rcp, "sessionid", msg.recipient.session_id, error) ||
        !get_string(rcp, "userid", msg.recipient.user_id, error)) {
        return bad_format("recipient: " + error);
    }
    if (type == "session") {
        msg.recipient.type = RecipientType::Session;
        if (msg.recipient.session_id.empty()) {
            return bad_format("recipient.sessionid missing");
        }
    } else if (type == "user") {
        msg.recipient.type = RecipientType::User;
        if (msg.recipient.user_id.empty()) {
            return bad_format("recipient.userid missing");
        }
    } else if (type == "room") {
        msg.recipient.type = RecipientType::Room;
    } else if (type == "call") {
        msg.recipient.type = RecipientType::Call;
    } else {
        return bad_format("unsupported recipient type \"" + type + "\"");
    }
    element data;
    if (m.at_key("data").get(data) != simdjson::SUCCESS) {
        return bad_format(std::string(what) + ".data missing");
    }
    msg.data = raw_of(data);
    return RequestBody{std::move(msg)};
}

Result<RequestBody, ParseError> parse_internal(const object& in) {
    std::string type;
    std::string error;
    if (!get_string(in, "type", type, error)) {
        return bad_format("internal: " + error);
    }
    object body;
    if (!get_object(in, type, body)) {
        return bad_format("internal." + type + " missing");
    }
    auto fail = [&] { return bad_format("internal." + type + ": " + error); };
    if (type == "addsession") {
        AddSession a;
        std::optional<uint32_t> flags;
        object options;
        if (!get_string(body, "sessionid", a.session_id, error) ||
            !get_string(body, "roomid", a.room_id, error) ||
            !get_string(body, "userid", a.user_id, error) ||
            !get_integer(body, "flags", flags, error) ||
            !get_integer(body, "incall", a.in_call, error)) {
            return fail();
        }
        if (get_object(body, "options", options) &&
            (!get_string(options, "actorId", a.actor_id, error) ||
             !get_string(options, "actorType", a.actor_type, error))) {
            return fail();
        }
        element user;
        if (body.at_key("user").get(user) == simdjson::SUCCESS) {
            a.user = raw_of(user);
        }
        a.flags = flags.value_or(0);
        if (a.session_id.empty() || a.room_id.empty()) {
            return bad_format("internal.addsession needs sessionid and roomid");
        }
        return RequestBody{InternalRequest{std::move(a)}};
    }
    if (type == "updatesession") {
        UpdateSession u;
        if (!get_string(body, "sessionid", u.session_id, error) ||
            !get_string(body, "roomid", u.room_id, error) ||
            !get_integer(body, "flags", u.flags, error) ||
            !get_integer(body, "incall", u.in_call, error)) {
            return fail();
        }
        if (u.session_id.empty()) {
            return bad_format("internal.updatesession needs sessionid");
        }
        return RequestBody{InternalRequest{std::move(u)}};
    }
    if (type == "removesession") {
        RemoveSession r;
        if (!get_string(body, "sessionid", r.session_id, error) ||
            !get_string(body, "roomid", r.room_id, error) ||
            !get_string(body, "userid", r.user_id, error)) {
            return fail();
        }
        if (r.session_id.empty()) {
            return bad_format("internal.removesession needs sessionid");
        }
        return RequestBody{InternalRequest{std::move(r)}};
    }
    if (type == "incall") {
        std::optional<int> v;
        if (!get_integer(body, "incall", v, error)) {
            return fail();
        }
        return RequestBody{InternalRequest{InCall{v.value_or(0)}}};
    }
    if (type == "dialout") {
        DialoutReply d;
        std::string dtype;
        if (!get_string(body, "type", dtype, error) ||
            !get_string(body, "roomid", d.room_id, error)) {
            return fail();
        }
        object part;
        if (dtype == "status" && get_object(body, "status", part)) {
            if (!get_string(part, "callid", d.call_id, error) ||
                !get_string(part, "status", d.status, error)) {
                return fail();
            }
        } else if (dtype == "error" && get_object(body, "error", part)) {
            d.is_error = true;
            if (!get_string(part, "code", d.error_code, error) ||
                !get_string(part, "message", d.error_message, error)) {
                return fail();
            }
        } else {
            return bad_format("internal.dialout needs type status or error with its object");
        }
        return RequestBody{InternalRequest{std::move(d)}};
    }
    return bad_format("unsupported internal type \"" + type + "\"");
}

Result<RequestBody, ParseError> parse_transient(const object& t) {
    TransientRequest tr;
    std::string type;
    std::string error;
    std::optional<uint64_t> ttl;
    if (!get_string(t, "type", type, error) || !get_string(t, "key", tr.key, error) ||
        !get_integer(t, "ttl", ttl, error)) {
        return bad_format("transient: " + error);
    }
    tr.ttl_ns = ttl;
    if (type == "set") {
        tr.op = TransientOp::Set;
        element v;
        tr.value = t.at_key("value").get(v) == simdjson::SUCCESS ? raw_of(v) : std::string("null");
    } else if (type == "remove") {
        tr.op = TransientOp::Remove;
    } else {
        tr.op = TransientOp::Other;
        return RequestBody{std::move(tr)};
    }
    if (tr.key.empty()) {
        return bad_format("transient.key missing");
    }
    return RequestBody{std::move(tr)};
}

Result<RequestBody, ParseError> parse_body(const object& top, const std::string& type) {
    object body;
    const bool has_body = get_object(top, type, body);
    element present;
    if (!has_body && top.at_key(type).get(present) == simdjson::SUCCESS && !present.is_null()) {
        return bad_format(type + " must be an object");
    }
    if (type == "bye") {
        return RequestBody{Bye{}};
    }
    const bool known = type == "hello" || type == "room" || type == "message" ||
                       type == "control" || type == "internal" || type == "transient";
    if (!known) {
        return RequestBody{UnknownRequest{type}};
    }
    if (!has_body) {
        return bad_format(type + " missing");
    }
    if (type == "hello") {
        return parse_hello(body);
    }
    if (type == "room") {
        return parse_room(body);
    }
    if (type == "message" || type == "control") {
        return parse_message(body, type == "control");
    }
    if (type == "internal") {
        return parse_internal(body);
    }
    return parse_transient(body);
}

}  // namespace

Result<ClientRequest, ParseError> parse_client_request(std::string_view frame) {
    if (frame.size() > kMaxClientFrame) {
        return bad_format("frame larger than 64 KiB");
    }
    element doc;
    if (thread_parser().parse(frame.data(), frame.size()).get(doc) != simdjson::SUCCESS) {
        return bad_format("not valid JSON");
    }
    object top;
    if (doc.get(top) != simdjson::SUCCESS) {
        return bad_format("not a JSON object");
    }
    ClientRequest req;
    std::string type;
    std::string error;
    if (!get_string(top, "id", req.id, error)) {
        return bad_format(error);
    }
    if (!get_string(top, "type", type, error) || type.empty()) {
        ParseError e{ErrorCode::InvalidFormat, error.empty() ? "type missing" : error, req.id};
        return unexpected(std::move(e));
    }
    auto body = parse_body(top, type);
    if (!body) {
        ParseError e = body.error();
        e.id = req.id;
        return unexpected(std::move(e));
    }
    req.body = std::move(*body);
    return req;
}

}  // namespace tern::sig::api
