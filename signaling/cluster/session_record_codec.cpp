#include "signaling/cluster/session_record_codec.hpp"

#include "signaling/api/json_members.hpp"
#include "signaling/api/json_writer.hpp"
#include "signaling/cluster/versioned_json.hpp"

#include <simdjson.h>

namespace tern::sig::cluster {

namespace {

using api::JsonWriter;
using simdjson::dom::element;
using simdjson::dom::object;

Unexpected<RecordParseError> bad(std::string message) {
    return unexpected(RecordParseError{std::move(message)});
}

/// An unsigned integer member no larger than `max`; absent is 0.
bool get_uint(const object& o, std::string_view key, uint64_t max, uint64_t& out,
              std::string& error) {
    element e;
    if (!api::json::member(o, key, e)) {
        out = 0;
        return true;
    }
    if (e.get(out) != simdjson::SUCCESS || out > max) {
        error = std::string(key) + " must be an integer from 0 to " + std::to_string(max);
        return false;
    }
    return true;
}

Result<object, RecordParseError> open_value(std::string_view payload) {
    auto opened = open_versioned(payload, kMaxRecordBytes, kRecordVersion, "value");
    if (!opened) {
        return bad(opened.error());
    }
    return *opened;
}

}  // namespace

std::string write_record(const SessionRecord& r) {
    std::string out;
    JsonWriter w{out};
    w.begin_object()
        .field("v", kRecordVersion)
        .field("session", r.public_id)
        .field("type", r.type == RecordClient::Internal ? "internal" : "client")
        .field("backend", r.backend)
        .field("hello", r.version == api::HelloVersion::V2 ? 2 : 1);
    if (!r.user_id.empty()) {
        w.field("user", r.user_id);
    }
    if (!r.user.empty()) {
        w.raw_field("userdata", r.user);
    }
    if (!r.features.empty()) {
        w.key("features").begin_array();
        for (const std::string& f : r.features) {
            w.value(f);
        }
        w.end_array();
    }
    if (!r.room.empty()) {
        w.field("room", r.room).field("roomsession", r.room_session);
    }
    if (r.permissions) {
        w.key("permissions").begin_array();
        for (const std::string& p : *r.permissions) {
            w.value(p);
        }
        w.end_array();
    }
    if (r.in_call != 0) {
        w.field("incall", r.in_call);
    }
    if (r.flags != 0) {
        w.field("flags", uint64_t{r.flags});
    }
    w.field("owner", unsigned{r.owner}).field("created", r.created_us);
    if (r.detached_us != 0) {
        w.field("detached", r.detached_us);
    }
    w.field("asof", r.as_of_seq);
    if (r.replayed_seq != 0) {
        w.field("replayed", r.replayed_seq);
    }
    w.end_object();
    return out;
}

Result<SessionRecord, RecordParseError> parse_record(std::string_view payload) {
    auto opened = open_value(payload);
    if (!opened) {
        return unexpected(opened.error());
    }
    const object& o = *opened;
    SessionRecord r;
    std::string type;
    std::string error;
    uint64_t hello = 0;
    uint64_t owner = 0;
    uint64_t flags = 0;
    std::optional<int> in_call;
    const bool ok = api::json::get_string(o, "session", r.public_id, error) &&
                    api::json::get_string(o, "type", type, error) &&
                    api::json::get_string(o, "backend", r.backend, error) &&
                    get_uint(o, "hello", 2, hello, error) &&
                    api::json::get_string(o, "user", r.user_id, error) &&
                    api::json::get_raw_object(o, "userdata", r.user, error) &&
                    api::json::get_string_list(o, "features", r.features, error) &&
                    api::json::get_string(o, "room", r.room, error) &&
                    api::json::get_string(o, "roomsession", r.room_session, error) &&
                    api::json::get_int(o, "incall", in_call, error) &&
                    get_uint(o, "flags", UINT32_MAX, flags, error) &&
                    get_uint(o, "owner", UINT16_MAX, owner, error) &&
                    get_uint(o, "created", UINT64_MAX, r.created_us, error) &&
                    get_uint(o, "detached", UINT64_MAX, r.detached_us, error) &&
                    get_uint(o, "asof", UINT64_MAX, r.as_of_seq, error) &&
                    get_uint(o, "replayed", UINT64_MAX, r.replayed_seq, error);
    if (!ok) {
        return bad(error);
    }
    element perms;
    if (api::json::member(o, "permissions", perms) && !perms.is_null()) {
        std::vector<std::string> list;
        if (!api::json::get_string_list(o, "permissions", list, error)) {
            return bad(error);
        }
        r.permissions = std::move(list);
    }
    if (r.public_id.empty()) {
        return bad("session is missing");
    }
    if (r.backend.empty()) {
        return bad("backend is missing");
    }
    if (type == "client") {
        r.type = RecordClient::Client;
    } else if (type == "internal") {
        r.type = RecordClient::Internal;
    } else {
        return bad("type must be \"client\" or \"internal\"");
    }
    if (hello != 1 && hello != 2) {
        return bad("hello must be 1 or 2");
    }
    r.version = hello == 2 ? api::HelloVersion::V2 : api::HelloVersion::V1;
    if (r.room.empty() && !r.room_session.empty()) {
        return bad("roomsession without room");
    }
    r.in_call = in_call.value_or(0);
    r.flags = static_cast<uint32_t>(flags);
    r.owner = static_cast<uint16_t>(owner);
    return r;
}

std::string write_node_mark(const NodeMark& m) {
    std::string out;
    JsonWriter w{out};
    w.begin_object()
        .field("v", kRecordVersion)
        .field("node", unsigned{m.node})
        .field("seq", m.seq)
        .field("at", m.at_us)
        .end_object();
    return out;
}

Result<NodeMark, RecordParseError> parse_node_mark(std::string_view payload) {
    auto opened = open_value(payload);
    if (!opened) {
        return unexpected(opened.error());
    }
    const object& o = *opened;
    uint64_t node = 0;
    NodeMark m;
    std::string error;
    if (!get_uint(o, "node", UINT16_MAX, node, error) ||
        !get_uint(o, "seq", UINT64_MAX, m.seq, error) ||
        !get_uint(o, "at", UINT64_MAX, m.at_us, error)) {
        return bad(error);
    }
    m.node = static_cast<uint16_t>(node);
    return m;
}

}  // namespace tern::sig::cluster
