#include "signaling/backend_api/backend_answers.hpp"

#include "signaling/api/json_members.hpp"

#include <utility>

namespace tern::sig {

namespace {

namespace json = api::json;
using R = Result<api::BackendAnswer, BackendAnswerError>;

R fail(std::string message, bool throttled = false) {
    return unexpected(BackendAnswerError{std::move(message), throttled});
}

R read_auth(const json::object& a) {
    api::BackendAuthAnswer out;
    std::string error;
    if (!json::get_string(a, "userid", out.user_id, error)) {
        return fail("auth answer: " + error);
    }
    json::get_raw(a, "user", out.user);
    return api::BackendAnswer{std::move(out)};
}

R read_room(const json::object& r) {
    api::BackendRoomAnswer out;
    std::string error;
    if (!json::get_string(r, "roomid", out.room_id, error) ||
        !json::get_raw_object(r, "properties", out.properties, error)) {
        return fail("room answer: " + error);
    }
    json::element perms;
    if (json::member(r, "permissions", perms) && !perms.is_null()) {
        std::vector<std::string> list;
        if (!json::get_string_list(r, "permissions", list, error)) {
            return fail("room answer: " + error);
        }
        out.permissions = std::move(list);
    }
    json::get_raw(r, "session", out.session);
    return api::BackendAnswer{std::move(out)};
}

R read_error(const json::object& e) {
    api::BackendError out;
    std::string error;
    if (!json::get_string(e, "code", out.code, error) ||
        !json::get_string(e, "message", out.message, error)) {
        return fail("error answer: " + error);
    }
    if (out.code.empty()) {
        return fail("error answer without a code");
    }
    json::get_raw(e, "details", out.details);
    return api::BackendAnswer{std::move(out)};
}

/// {"type":T,"T":{...}} as Talk writes its answers inside ocs.data.
R read_typed(const json::object& top) {
    std::string type;
    std::string error;
    if (!json::get_string(top, "type", type, error) || type.empty()) {
        return fail(error.empty() ? "answer has no type" : "answer: " + error);
    }
    const bool known = type == "auth" || type == "room" || type == "error";
    if (!known) {
        return api::BackendAnswer{api::BackendOtherAnswer{std::move(type)}};
    }
    json::object body;
    if (!json::get_object(top, type, body)) {
        return fail("answer of type " + type + " has no \"" + type + "\" object");
    }
    if (type == "auth") {
        return read_auth(body);
    }
    if (type == "room") {
        return read_room(body);
    }
    return read_error(body);
}

}  // namespace

Result<api::BackendAnswer, BackendAnswerError> parse_backend_answer(std::string_view body) {
    // Answers carry room properties of any size, so the parser grows as needed (one per thread).
    thread_local simdjson::dom::parser parser;
    json::element doc;
    json::object top;
    if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
        return fail("answer is not JSON");
    }
    if (doc.get(top) != simdjson::SUCCESS) {
        return fail("answer is not a JSON object");
    }
    json::object ocs;
    if (!json::get_object(top, "ocs", ocs)) {
        return read_typed(top);  // an older Talk, or a test backend, answers without the envelope
    }
    json::object meta;
    int64_t status = 0;
    if (json::get_object(ocs, "meta", meta)) {
        json::element code;
        if (json::member(meta, "statuscode", code) && code.get(status) != simdjson::SUCCESS) {
            status = 0;
        }
    }
    if (status == 429) {
        return fail("backend throttled the request (OCS status 429)", true);
    }
    json::object data;
    if (!json::get_object(ocs, "data", data)) {
        return fail("OCS answer (status " + std::to_string(status) + ") without a data object");
    }
    // A failure status still carries Talk's error object in data when there is one; that object
    // is what the client must see, so the status alone decides nothing more.
    return read_typed(data);
}

Result<api::BackendAnswer, BackendAnswerError> parse_backend_answer(std::string_view content_type,
                                                                    std::string_view body) {
    if (!is_json_content_type(content_type)) {
        return fail("answer has content type \"" + std::string(content_type) +
                    "\", not application/json");
    }
    return parse_backend_answer(body);
}

bool is_json_content_type(std::string_view content_type) noexcept {
    constexpr std::string_view kJson = "application/json";
    while (!content_type.empty() && (content_type.front() == ' ' || content_type.front() == '\t')) {
        content_type.remove_prefix(1);
    }
    if (content_type.size() < kJson.size()) {
        return false;
    }
    for (std::size_t i = 0; i < kJson.size(); ++i) {
        const char c = content_type[i];
        if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kJson[i]) {
            return false;
        }
    }
    const auto rest = content_type.substr(kJson.size());
    return rest.empty() || rest.front() == ';' || rest.front() == ' ' || rest.front() == '\t';
}

}  // namespace tern::sig
