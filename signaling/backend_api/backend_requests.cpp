#include "signaling/backend_api/backend_requests.hpp"

#include "signaling/api/json_writer.hpp"

#include <algorithm>

namespace tern::sig {

namespace {

using api::JsonWriter;

/// {"type":T,"T":{"version":"1.0", ...members written by `body`...}}
template <class Body>
std::string envelope(std::string_view type, Body&& body) {
    std::string out;
    out.reserve(192);
    JsonWriter w(out);
    w.begin_object().field("type", type).key(type).begin_object().field("version", "1.0");
    body(w);
    w.end_object().end_object();
    return out;
}

/// Forwarded JSON that is absent still has to be a value where the protocol wants an object.
std::string_view object_or_empty(const api::RawJson& raw) {
    return raw.empty() ? std::string_view{"{}"} : raw;
}

void write_ping_entry(JsonWriter& w, const api::BackendPingEntry& e) {
    w.begin_object().field("sessionid", e.session_id);
    if (!e.user_id.empty()) {
        w.field("userid", e.user_id);  // guests and virtual sessions have none
    }
    w.end_object();
}

}  // namespace

std::string write_backend_request(const api::BackendAuthRequest& r) {
    return envelope("auth",
                    [&](JsonWriter& w) { w.raw_field("params", object_or_empty(r.params)); });
}

std::string write_backend_request(const api::BackendRoomRequest& r) {
    return envelope("room", [&](JsonWriter& w) {
        w.field("roomid", r.room_id).field("userid", r.user_id).field("sessionid", r.session_id);
        if (r.leave) {
            w.field("action", "leave");  // a join carries no action
        }
        if (!r.actor_id.empty()) {
            w.field("actorid", r.actor_id);
        }
        if (!r.actor_type.empty()) {
            w.field("actortype", r.actor_type);
        }
        if (r.in_call) {
            w.field("incall", *r.in_call);
        }
    });
}

std::string write_backend_request(const api::BackendPingRequest& r) {
    return envelope("ping", [&](JsonWriter& w) {
        w.field("roomid", r.room_id).key("entries").begin_array();
        for (const auto& e : r.entries) {
            write_ping_entry(w, e);
        }
        w.end_array();
    });
}

std::vector<std::string> write_backend_pings(std::string_view room_id,
                                             std::span<const api::BackendPingEntry> entries,
                                             uint32_t limit) {
    std::vector<std::string> bodies;
    const std::size_t chunk = limit == 0 ? entries.size() : limit;
    for (std::size_t at = 0; at < entries.size(); at += chunk) {
        const auto part = entries.subspan(at, std::min(chunk, entries.size() - at));
        bodies.push_back(envelope("ping", [&](JsonWriter& w) {
            w.field("roomid", room_id).key("entries").begin_array();
            for (const auto& e : part) {
                write_ping_entry(w, e);
            }
            w.end_array();
        }));
    }
    return bodies;
}

std::string write_backend_request(const api::BackendSessionRequest& r) {
    return envelope("session", [&](JsonWriter& w) {
        w.field("roomid", r.room_id)
            .field("action", r.add ? "add" : "remove")
            .field("sessionid", r.session_id)
            .field("userid", r.user_id);
        if (!r.user.empty()) {
            w.raw_field("user", r.user);
        }
    });
}

std::string backend_signaling_url(std::string_view base_url, int api_version) {
    // Talk has had v1, v2 and v3 of this endpoint; anything else falls back to the first.
    const int v = api_version >= 1 && api_version <= 3 ? api_version : 1;
    std::string url(base_url);
    url += "ocs/v2.php/apps/spreed/api/v";
    url += static_cast<char>('0' + v);
    url += "/signaling/backend";
    return url;
}

std::string backend_capabilities_url(std::string_view base_url) {
    std::string url(base_url);
    url += "ocs/v2.php/cloud/capabilities";
    return url;
}

}  // namespace tern::sig
