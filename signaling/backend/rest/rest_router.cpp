#include "signaling/backend/rest/rest_router.hpp"

#include "signaling/backend/rest/capabilities_api.hpp"
#include "signaling/backend/rest/chat_api.hpp"
#include "signaling/backend/rest/participants_api.hpp"
#include "signaling/backend/rest/request_auth.hpp"
#include "signaling/backend/rest/rooms_api.hpp"
#include "signaling/backend/rest/signaling_backend_api.hpp"
#include "signaling/backend/rest/signaling_settings_api.hpp"
#include "signaling/backend/rooms/room_token.hpp"

#include <charconv>
#include <optional>
#include <vector>

namespace tern::sig::backend::rest {

namespace {

constexpr std::string_view kV1 = "/ocs/v1.php/";
constexpr std::string_view kV2 = "/ocs/v2.php/";

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        out.push_back(path.substr(0, slash));
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    }
    return out;
}

std::optional<int64_t> message_id(std::string_view text) {
    int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || id <= 0) {
        return std::nullopt;
    }
    return id;
}

bool contains(std::string_view text, std::string_view what) {
    return text.find(what) != std::string_view::npos;
}

ApiResult<ApiOutcome> lift(ApiResult<ApiReply> r) {
    if (!r) {
        return unexpected(r.error());
    }
    return ApiOutcome{std::move(*r)};
}

ApiError not_found_route() {
    return ApiError{404, "no such API endpoint"};
}

ApiError wrong_method(std::string_view method) {
    return ApiError{405, "method " + std::string(method) + " is not allowed here"};
}

/// Reads the parameters from the query and the body (by its Content-Type). The signaling
/// backend endpoint's body is its request, not parameters: its parser reads it.
ApiResult<RequestParams> read_params(const RestRequest& req) {
    RequestParams params;
    if (auto q = params.add_form(req.query); !q) {
        return unexpected(bad_request("query: " + q.error()));
    }
    if (req.body.empty() || std::string_view(req.path).ends_with("/signaling/backend")) {
        return params;
    }
    if (contains(req.content_type, "application/json")) {
        if (auto j = params.add_json(req.body); !j) {
            return unexpected(bad_request(j.error()));
        }
    } else if (req.content_type.empty() ||
               contains(req.content_type, "application/x-www-form-urlencoded")) {
        if (auto f = params.add_form(req.body); !f) {
            return unexpected(bad_request("body: " + f.error()));
        }
    } else if (!contains(req.content_type, "multipart/form-data")) {
        return unexpected(ApiError{415, "the body must be JSON or form-urlencoded"});
    } else {
        return unexpected(ApiError{415, "multipart bodies (uploads) are not supported yet"});
    }
    return params;
}

/// The rooms API: `s` is the path after api/v4/room.
ApiResult<ApiOutcome> rooms_route(ApiCall& call, const Caller& caller,
                                  const std::vector<std::string_view>& s) {
    const std::string& m = call.req.method;
    if (s.empty()) {
        if (m == "GET") {
            return lift(list_rooms(call, caller));
        }
        if (m == "POST") {
            return lift(create_room(call, caller));
        }
        return unexpected(wrong_method(m));
    }
    if (s.size() == 1 && s[0] == "note-to-self") {
        if (m != "GET") {
            return unexpected(wrong_method(m));
        }
        return lift(note_to_self(call, caller));
    }
    const std::string_view token = s[0];
    if (!is_room_token(token)) {
        return unexpected(ApiError{404, "no such conversation"});
    }
    const auto rest = std::vector<std::string_view>(s.begin() + 1, s.end());
    if (rest.empty()) {
        if (m == "GET") {
            return lift(get_room(call, caller, token));
        }
        if (m == "PUT") {
            return lift(rename_room(call, caller, token));
        }
        if (m == "DELETE") {
            return lift(delete_room(call, caller, token));
        }
        return unexpected(wrong_method(m));
    }
    const std::string_view what = rest[0];
    if (rest.size() == 1) {
        if (what == "description" && m == "PUT") {
            return lift(describe_room(call, caller, token));
        }
        if (what == "public" && (m == "POST" || m == "DELETE")) {
            return lift(set_room_public(call, caller, token, m == "POST"));
        }
        if (what == "password" && m == "PUT") {
            return lift(set_room_password(call, caller, token));
        }
        if (what == "read-only" && m == "PUT") {
            return lift(set_room_read_only(call, caller, token));
        }
        if (what == "participants") {
            if (m == "GET") {
                return lift(list_participants(call, caller, token));
            }
            if (m == "POST") {
                return lift(add_participant(call, caller, token));
            }
            if (m == "DELETE") {
                return lift(remove_participant(call, caller, token));
            }
        }
        if (what == "moderators" && (m == "POST" || m == "DELETE")) {
            return lift(set_moderator(call, caller, token, m == "POST"));
        }
        if (what == "description" || what == "public" || what == "password" ||
            what == "read-only" || what == "participants" || what == "moderators") {
            return unexpected(wrong_method(m));
        }
        return unexpected(not_found_route());
    }
    if (rest.size() == 2 && what == "webinar" && rest[1] == "lobby") {
        if (m != "PUT") {
            return unexpected(wrong_method(m));
        }
        return lift(set_room_lobby(call, caller, token));
    }
    if (rest.size() == 2 && what == "participants" && rest[1] == "self") {
        if (m != "DELETE") {
            return unexpected(wrong_method(m));
        }
        return lift(leave_room(call, caller, token));
    }
    if (rest.size() == 2 && what == "participants" && rest[1] == "active") {
        if (m == "POST") {
            return lift(join_active(call, caller, token));
        }
        if (m == "DELETE") {
            return lift(leave_active(call, caller, token));
        }
        return unexpected(wrong_method(m));
    }
    return unexpected(not_found_route());
}

/// The chat API: `s` is the path after api/v1/chat.
ApiResult<ApiOutcome> chat_route(ApiCall& call, const Caller& caller,
                                 const std::vector<std::string_view>& s) {
    const std::string& m = call.req.method;
    if (s.empty() || s.size() > 2) {
        return unexpected(not_found_route());
    }
    const std::string_view token = s[0];
    if (!is_room_token(token)) {
        return unexpected(ApiError{404, "no such conversation"});
    }
    if (s.size() == 1) {
        if (m == "GET") {
            return receive_chat(call, caller, token);
        }
        if (m == "POST") {
            return lift(send_chat(call, caller, token));
        }
        return unexpected(wrong_method(m));
    }
    if (s[1] == "read") {
        if (m == "POST" || m == "DELETE") {
            return lift(mark_chat_read(call, caller, token, m == "POST"));
        }
        return unexpected(wrong_method(m));
    }
    const auto id = message_id(s[1]);
    if (!id) {
        return unexpected(not_found_route());
    }
    if (m == "PUT") {
        return lift(edit_chat(call, caller, token, *id));
    }
    if (m == "DELETE") {
        return lift(delete_chat(call, caller, token, *id));
    }
    return unexpected(wrong_method(m));
}

ApiResult<ApiOutcome> reaction_route(ApiCall& call, const Caller& caller,
                                     const std::vector<std::string_view>& s) {
    const std::string& m = call.req.method;
    if (s.size() != 2 || !is_room_token(s[0])) {
        return unexpected(not_found_route());
    }
    const auto id = message_id(s[1]);
    if (!id) {
        return unexpected(not_found_route());
    }
    ApiResult<ApiReply> r = unexpected(wrong_method(m));
    if (m == "GET") {
        r = list_reactions(call, caller, s[0], *id);
    } else if (m == "POST") {
        r = add_reaction(call, caller, s[0], *id);
    } else if (m == "DELETE") {
        r = remove_reaction(call, caller, s[0], *id);
    }
    if (!r) {
        return unexpected(r.error());
    }
    return ApiOutcome{std::move(*r)};
}

/// Everything under apps/spreed/api/: `s` starts at the version.
ApiResult<ApiOutcome> spreed_route(ApiCall& call, const std::vector<std::string_view>& s,
                                   std::optional<std::string>& changed_token) {
    const std::string& m = call.req.method;
    const std::string_view version = s.empty() ? std::string_view{} : s[0];
    const std::string_view group = s.size() > 1 ? s[1] : std::string_view{};
    const auto rest = s.size() > 2 ? std::vector<std::string_view>(s.begin() + 2, s.end())
                                   : std::vector<std::string_view>{};
    if (group == "signaling" && rest.size() == 1 && rest[0] == "backend" &&
        (version == "v1" || version == "v2" || version == "v3")) {
        if (m != "POST") {
            return unexpected(wrong_method(m));
        }
        auto r = signaling_backend(call);
        if (!r) {
            return unexpected(r.error());
        }
        return ApiOutcome{std::move(*r)};
    }
    const bool known =
        (version == "v3" && group == "signaling" && rest.size() == 1 && rest[0] == "settings") ||
        (version == "v4" && group == "room") ||
        (version == "v1" && (group == "chat" || group == "reaction"));
    if (!known) {
        return unexpected(not_found_route());
    }
    auto caller = authenticate(call.service, call.req, call.now);
    if (!caller) {
        return unexpected(caller.error());
    }
    if (group == "signaling") {
        if (m != "GET") {
            return unexpected(wrong_method(m));
        }
        auto r = signaling_settings(call, *caller);
        if (!r) {
            return unexpected(r.error());
        }
        return ApiOutcome{std::move(*r)};
    }
    if (!rest.empty() && m != "GET") {
        changed_token = std::string(rest[0]);
    }
    if (group == "room") {
        return rooms_route(call, *caller, rest);
    }
    if (group == "chat") {
        return chat_route(call, *caller, rest);
    }
    return reaction_route(call, *caller, rest);
}

/// `challenge`: a 401 carries WWW-Authenticate (Basic). A page's own requests
/// (X-Requested-With: XMLHttpRequest) get none, as from Nextcloud: the browser would answer the
/// challenge with its login dialog over the page's own form.
RestReply envelope(OcsApi api, OcsFormat format, const ApiResult<ApiReply>& result,
                   bool challenge) {
    RestReply out;
    if (!result) {
        const ApiError& e = result.error();
        out.status = ocs_http_status(api, e.status);
        out.content_type = std::string(ocs_content_type(format));
        out.body = ocs_body(api, format, e.status, e.message, "[]");
        if (e.status == 401 && challenge) {
            out.headers.emplace_back("WWW-Authenticate", "Basic realm=\"tern\", charset=\"UTF-8\"");
        }
        return out;
    }
    const ApiReply& r = *result;
    out.status = ocs_http_status(api, r.status);
    out.headers = r.headers;
    out.woken = r.woken;
    out.changed = r.changed;
    if (!r.empty) {
        out.content_type = std::string(ocs_content_type(format));
        out.body = ocs_body(api, format, r.status, "", r.data);
    }
    return out;
}

}  // namespace

bool is_rest_path(std::string_view path) noexcept {
    return path.starts_with(kV1) || path.starts_with(kV2);
}

RestOutcome handle_rest(BackendService& service, const RestRequest& req, RestNow now) {
    const OcsApi api = req.path.starts_with(kV1) ? OcsApi::V1 : OcsApi::V2;
    const std::string_view after =
        is_rest_path(req.path) ? std::string_view(req.path).substr(kV2.size()) : std::string_view{};
    auto params = read_params(req);
    OcsFormat format = ocs_format("", req.accept);
    const bool challenge = req.requested_with != "XMLHttpRequest";
    if (!params) {
        return envelope(api, format, unexpected(params.error()), challenge);
    }
    format = ocs_format(params->get("format").value_or(""), req.accept);
    ApiCall call{service, req, *params, now, api, format};
    const auto s = segments(after);
    std::optional<std::string> changed_token;
    ApiResult<ApiOutcome> outcome = unexpected(not_found_route());
    if (s.size() == 2 && s[0] == "cloud" && s[1] == "capabilities") {
        if (req.method == "GET") {
            auto r = capabilities(call);
            outcome = ApiOutcome{std::move(*r)};
        } else {
            outcome = unexpected(wrong_method(req.method));
        }
    } else if (s.size() >= 3 && s[0] == "apps" && s[1] == "spreed" && s[2] == "api") {
        outcome = spreed_route(call, std::vector<std::string_view>(s.begin() + 3, s.end()),
                               changed_token);
    }
    if (!outcome) {
        return envelope(api, format, unexpected(outcome.error()), challenge);
    }
    if (auto* parked = std::get_if<ParkedPoll>(&*outcome)) {
        return std::move(*parked);
    }
    auto& reply = std::get<ApiReply>(*outcome);
    if (changed_token) {
        if (auto room = service.store().room_by_token(*changed_token)) {
            reply.woken = service.waiters().notify(room->id, room->last_message_id);
            reply.changed = std::pair{room->id, room->last_message_id};
        }
    }
    return envelope(api, format, std::move(reply), challenge);
}

RestReply answer_parked(BackendService& service, const ParkedPoll& poll, RestNow now) {
    return envelope(poll.api, poll.format, resume_poll(service, poll, now), true);
}

}  // namespace tern::sig::backend::rest
