#include "signaling/cluster/cluster_event_codec.hpp"

#include "common/overloaded.hpp"
#include "signaling/api/json_members.hpp"
#include "signaling/api/json_writer.hpp"
#include "signaling/cluster/versioned_json.hpp"

#include <simdjson.h>

namespace tern::sig::cluster {

namespace {

using api::JsonWriter;
using simdjson::dom::element;
using simdjson::dom::object;

void optional_field(JsonWriter& w, std::string_view key, std::string_view v) {
    if (!v.empty()) {
        w.field(key, v);
    }
}

std::string_view to_type_name(api::RecipientType t) {
    return t == api::RecipientType::User ? "user" : "session";
}

/// Reads the string members `keys` into `outs`; a required one that is absent or empty fails.
class Reader {
public:
    explicit Reader(const object& o) : o_(o) {}

    Reader& str(std::string_view key, std::string& out, bool required = true) {
        if (!error_.empty()) {
            return *this;
        }
        if (!api::json::get_string(o_, key, out, error_)) {
            return *this;
        }
        if (required && out.empty()) {
            error_ = std::string(key) + " is missing";
        }
        return *this;
    }
    Reader& flag(std::string_view key, bool& out) {
        if (error_.empty()) {
            api::json::get_bool(o_, key, out, error_);
        }
        return *this;
    }
    [[nodiscard]] const std::string& error() const { return error_; }

private:
    const object& o_;
    std::string error_;
};

/// The optional "ttl" member; false when present and not an unsigned integer.
bool ttl_of(const object& o, uint64_t& out) {
    element t;
    if (o["ttl"].get(t) != simdjson::SUCCESS) {
        return true;  // absent: none
    }
    return t.get(out) == simdjson::SUCCESS;
}

Unexpected<EventParseError> bad(std::string message) {
    return unexpected(EventParseError{std::move(message)});
}

}  // namespace

std::string write_event(const Event& e) {
    std::string out;
    JsonWriter w{out};
    w.begin_object().field("v", kEventVersion).field("origin", unsigned{e.origin});
    std::visit(
        Overloaded{
            [&](const RoomFrame& r) {
                w.field("type", "room").field("backend", r.backend).field("room", r.room);
                optional_field(w, "except", r.except);
                if (r.call_only) {
                    w.field("call", true);
                }
                if (!r.permission.empty()) {
                    w.field("permission", r.permission)
                        .field("holders", r.holders == Holders::Only ? "only" : "excluded");
                }
                w.field("frame", r.frame);
            },
            [&](const SessionJoined& j) {
                w.field("type", "joined")
                    .field("backend", j.backend)
                    .field("room", j.room)
                    .field("session", j.session);
                if (j.hides_names) {
                    w.field("hidenames", true);
                }
            },
            [&](const SessionFrame& s) {
                w.field("type", "session").field("session", s.session).field("frame", s.frame);
            },
            [&](const RemoteMessage& m) {
                w.field("type", "message").field("backend", m.backend);
                if (m.control) {
                    w.field("control", true);
                }
                w.field("totype", to_type_name(m.to_type))
                    .field("to", m.to)
                    .field("sender", m.sender);
                optional_field(w, "senderuser", m.sender_user);
                w.raw_field("data", m.data);
            },
            [&](const BackendRoom& b) {
                w.field("type", "backend")
                    .field("backend", b.backend)
                    .field("room", b.room)
                    .field("body", b.body);
            },
            [&](const SessionMoved& m) {
                w.field("type", "moved").field("session", m.session).field("to", unsigned{m.to});
            },
            [&](const SessionDetached& d) {
                w.field("type", "detached").field("session", d.session);
            },
            [&](const TransientChange& t) {
                w.field("type", "transient")
                    .field("backend", t.backend)
                    .field("room", t.room)
                    .field("key", t.key);
                if (!t.value.empty()) {
                    w.raw_field("value", t.value);
                }
                if (t.ttl_us != 0) {
                    w.field("ttl", t.ttl_us);
                }
            },
            [&](const TransientState& t) {
                w.field("type", "transientstate")
                    .field("backend", t.backend)
                    .field("room", t.room)
                    .field("session", t.session)
                    .key("entries")
                    .begin_array();
                for (const TransientState::Entry& entry : t.entries) {
                    w.begin_object().field("key", entry.key).raw_field("value", entry.value);
                    if (entry.ttl_us != 0) {
                        w.field("ttl", entry.ttl_us);
                    }
                    w.end_object();
                }
                w.end_array();
            },
            [&](const RoomSessionClaimed& c) {
                w.field("type", "claimed")
                    .field("backend", c.backend)
                    .field("roomsession", c.room_session)
                    .field("session", c.session);
            },
        },
        e.body);
    w.end_object();
    return out;
}

Result<Event, EventParseError> parse_event(std::string_view payload) {
    auto opened = open_versioned(payload, kMaxEventBytes, kEventVersion, "payload");
    if (!opened) {
        return bad(opened.error());
    }
    const object& o = *opened;
    uint64_t origin = 0;
    if (o["origin"].get(origin) != simdjson::SUCCESS || origin > UINT16_MAX) {
        return bad("origin must be a node id (0 to 65535)");
    }
    std::string type;
    std::string error;
    if (!api::json::get_string(o, "type", type, error)) {
        return bad(error);
    }
    Event e;
    e.origin = static_cast<uint16_t>(origin);
    Reader r{o};
    if (type == "room") {
        RoomFrame f;
        std::string holders;
        r.str("backend", f.backend, false)
            .str("room", f.room)
            .str("except", f.except, false)
            .flag("call", f.call_only)
            .str("permission", f.permission, false)
            .str("holders", holders, false)
            .str("frame", f.frame);
        if (r.error().empty() && !holders.empty() && holders != "only" && holders != "excluded") {
            return bad("holders must be \"only\" or \"excluded\"");
        }
        f.holders = holders == "only" ? Holders::Only : Holders::Excluded;
        e.body = std::move(f);
    } else if (type == "joined") {
        SessionJoined j;
        r.str("backend", j.backend, false)
            .str("room", j.room)
            .str("session", j.session)
            .flag("hidenames", j.hides_names);
        e.body = std::move(j);
    } else if (type == "session") {
        SessionFrame s;
        r.str("session", s.session).str("frame", s.frame);
        e.body = std::move(s);
    } else if (type == "message") {
        RemoteMessage m;
        std::string to_type;
        r.str("backend", m.backend, false)
            .flag("control", m.control)
            .str("totype", to_type)
            .str("to", m.to)
            .str("sender", m.sender)
            .str("senderuser", m.sender_user, false);
        if (r.error().empty()) {
            if (to_type == "session") {
                m.to_type = api::RecipientType::Session;
            } else if (to_type == "user") {
                m.to_type = api::RecipientType::User;
            } else {
                return bad("totype must be \"session\" or \"user\"");
            }
            element data;
            if (!api::json::member(o, "data", data)) {
                return bad("data is missing");
            }
            m.data = api::json::raw_of(data);
        }
        e.body = std::move(m);
    } else if (type == "backend") {
        BackendRoom b;
        r.str("backend", b.backend, false).str("room", b.room).str("body", b.body);
        e.body = std::move(b);
    } else if (type == "moved") {
        SessionMoved m;
        r.str("session", m.session);
        uint64_t to = 0;
        if (r.error().empty() && (o["to"].get(to) != simdjson::SUCCESS || to > UINT16_MAX)) {
            return bad("to must be a node id (0 to 65535)");
        }
        m.to = static_cast<uint16_t>(to);
        e.body = std::move(m);
    } else if (type == "detached") {
        SessionDetached d;
        r.str("session", d.session);
        e.body = std::move(d);
    } else if (type == "transient") {
        TransientChange t;
        r.str("backend", t.backend, false).str("room", t.room).str("key", t.key);
        element v;
        if (r.error().empty() && api::json::member(o, "value", v)) {
            t.value = api::json::raw_of(v);
        }
        if (r.error().empty() && !ttl_of(o, t.ttl_us)) {
            return bad("ttl must be a whole number of microseconds");
        }
        e.body = std::move(t);
    } else if (type == "transientstate") {
        TransientState t;
        r.str("backend", t.backend, false).str("room", t.room).str("session", t.session);
        simdjson::dom::array entries;
        if (r.error().empty() && o["entries"].get(entries) != simdjson::SUCCESS) {
            return bad("entries must be an array");
        }
        if (r.error().empty()) {
            for (element item : entries) {
                object eo;
                if (item.get(eo) != simdjson::SUCCESS) {
                    return bad("an entry must be an object");
                }
                TransientState::Entry entry;
                std::string err;
                element v;
                if (!api::json::get_string(eo, "key", entry.key, err) || entry.key.empty()) {
                    return bad("an entry's key is missing");
                }
                if (!api::json::member(eo, "value", v)) {
                    return bad("an entry's value is missing");
                }
                entry.value = api::json::raw_of(v);
                if (!ttl_of(eo, entry.ttl_us)) {
                    return bad("ttl must be a whole number of microseconds");
                }
                t.entries.push_back(std::move(entry));
            }
        }
        e.body = std::move(t);
    } else if (type == "claimed") {
        RoomSessionClaimed c;
        r.str("backend", c.backend, false)
            .str("roomsession", c.room_session)
            .str("session", c.session);
        e.body = std::move(c);
    } else {
        return bad("unknown type \"" + type + "\"");
    }
    if (!r.error().empty()) {
        return bad(r.error());
    }
    return e;
}

}  // namespace tern::sig::cluster
