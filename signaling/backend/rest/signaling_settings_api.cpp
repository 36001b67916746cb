#include "signaling/backend/rest/signaling_settings_api.hpp"

#include "common/turn/credentials.hpp"
#include "signaling/api/json_writer.hpp"
#include "signaling/backend/rest/rooms_api.hpp"
#include "signaling/backend/rest/talk_ticket.hpp"

#include <algorithm>

namespace tern::sig::backend::rest {

std::vector<std::string> stun_servers_of(const RestSettings& settings) {
    if (!settings.stun_servers.empty()) {
        return settings.stun_servers;
    }
    std::vector<std::string> out;
    for (const std::string& uri : settings.turn_servers) {
        // turn:host:port?transport=udp -> stun:host:port; turns: (TLS) has no STUN twin.
        if (!uri.starts_with("turn:")) {
            continue;
        }
        std::string stun = "stun:" + uri.substr(5, uri.find('?') - 5);
        if (std::find(out.begin(), out.end(), stun) == out.end()) {
            out.push_back(std::move(stun));
        }
    }
    return out;
}

ApiResult<ApiReply> signaling_settings(ApiCall& call, const Caller& caller) {
    const auto token = call.params.get("token");
    if (token && !token->empty()) {
        if (auto m = member_of(call, caller, *token); !m) {
            return unexpected(m.error());
        }
    }
    const RestSettings& s = call.service.settings();
    const std::string server = s.signaling_url.empty() ? call.req.base_url : s.signaling_url;
    const std::string& user = caller.user.name;
    const std::string ticket = make_ticket(s.ticket_key, user, call.now.s + s.ticket_lifetime_s);
    std::string out;
    api::JsonWriter w(out);
    w.begin_object();
    w.field("signalingMode", "external").field("userId", user).field("hideWarning", false);
    w.field("server", server).field("ticket", ticket);
    w.key("helloAuthParams").begin_object();
    w.key("1.0").begin_object().field("userid", user).field("ticket", ticket).end_object();
    w.end_object();
    w.key("stunservers").begin_array();
    for (const std::string& uri : stun_servers_of(s)) {
        w.begin_object().key("urls").begin_array().value(uri).end_array().end_object();
    }
    w.end_array();
    w.key("turnservers").begin_array();
    if (!s.turn_servers.empty() && !s.turn_secret.empty()) {
        const std::string name =
            turn::rest_username(static_cast<uint64_t>(call.now.s + s.turn_lifetime_s), user);
        w.begin_object().key("urls").begin_array();
        for (const std::string& uri : s.turn_servers) {
            w.value(uri);
        }
        w.end_array();
        w.field("username", name).field("credential", turn::rest_password(s.turn_secret, name));
        w.end_object();
    }
    w.end_array();
    w.field("sipDialinInfo", "");
    w.end_object();
    return ok_data(std::move(out));
}

}  // namespace tern::sig::backend::rest
