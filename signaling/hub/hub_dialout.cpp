// Dial-out (signaling-protocol.md §3.8, §5): Nextcloud asks for a phone call into a room; an
// internal client that offered "start-dialout" and is in no room is asked to place it, and its
// answer (same request id) becomes Nextcloud's HTTP answer. Later status reports of the call are
// kept as the room's transient data "callstatus_<callid>".
#include "signaling/api/event_messages.hpp"
#include "signaling/api/json_writer.hpp"
#include "signaling/hub/hub.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace tern::sig {

namespace {

constexpr uint64_t kDialoutTimeoutUs = 45'000'000;
constexpr uint64_t kCallStatusKeepUs = 5'000'000;  // after cleared/rejected

std::string dialout_error(std::string_view code, std::string_view message) {
    std::string out;
    api::JsonWriter w{out};
    w.begin_object()
        .field("type", "dialout")
        .key("dialout")
        .begin_object()
        .key("error")
        .begin_object();
    w.field("code", code).field("message", message).end_object().end_object().end_object();
    return out;
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// ^\+\d{2,}$
bool valid_number(std::string_view n) {
    return n.size() >= 3 && n.front() == '+' && all_digits(n.substr(1));
}

}  // namespace

std::pair<int, std::string> Hub::post_dialout(std::size_t backend, const std::string& room_id,
                                              const api::RoomDialout& r, HttpId http,
                                              uint64_t now_us, Effects& fx) {
    if (r.number.empty()) {
        return {400, dialout_error("number_missing", "No number provided.")};
    }
    if (!valid_number(r.number)) {
        return {400, dialout_error("invalid_number", "Expected a number in E.164 format.")};
    }
    if (!all_digits(room_id)) {
        return {400, dialout_error("invalid_roomid", "The room id must be numeric.")};
    }
    Session* client = nullptr;
    for (auto& [id, s] : sessions_) {
        if (s.type == ClientType::Internal && s.backend == backend && s.conn != 0 && !s.in_room() &&
            s.has_feature("start-dialout")) {
            client = &s;
            break;
        }
    }
    if (client == nullptr) {
        return {404, dialout_error("no_client_available", "No client is available for dial-out.")};
    }
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(random_()));
    const std::string request_id = buf;
    std::string out;
    api::write_dialout_request(out, request_id, room_id, cfg_.backends[backend].entry.url, r.number,
                               r.options);
    send_to_session(*client, std::move(out), fx);
    dialouts_[request_id] = PendingDialout{http, client->public_id, now_us + kDialoutTimeoutUs};
    timers_.push(Timer{now_us + kDialoutTimeoutUs, TimerKind::Dialout, 0, request_id, {}});
    return {0, {}};
}

void Hub::on_dialout_reply(Session& s, const std::string& id, const api::DialoutReply& d,
                           uint64_t now_us, Effects& fx) {
    if (const auto it = dialouts_.find(id);
        it != dialouts_.end() && it->second.client == s.public_id) {
        const HttpId http = it->second.http;
        dialouts_.erase(it);
        if (d.is_error) {
            fx.answer(http, 502, dialout_error(d.error_code, d.error_message));
            return;
        }
        std::string body;
        api::JsonWriter w{body};
        w.begin_object().field("type", "dialout").key("dialout").begin_object();
        w.field("callid", d.call_id).end_object().end_object();
        fx.answer(http, 200, std::move(body));
        return;
    }
    if (d.is_error || d.call_id.empty()) {
        return;
    }
    Room* room = find_room(s.backend, d.room_id);
    if (room == nullptr) {
        return;
    }
    std::string value;
    api::JsonWriter w{value};
    w.begin_object().field("callid", d.call_id).field("status", d.status).end_object();
    const bool over = d.status == "cleared" || d.status == "rejected";
    set_transient(*room, "callstatus_" + d.call_id, std::move(value), over ? kCallStatusKeepUs : 0,
                  now_us, fx);
}

void Hub::dialout_timed_out(const std::string& request_id, uint64_t at_us, Effects& fx) {
    const auto it = dialouts_.find(request_id);
    if (it == dialouts_.end() || it->second.deadline_us != at_us) {
        return;
    }
    fx.answer(it->second.http, 504,
              dialout_error("timeout", "The dial-out client did not answer in time."));
    dialouts_.erase(it);
}

}  // namespace tern::sig
