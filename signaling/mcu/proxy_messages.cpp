#include "signaling/mcu/proxy_messages.hpp"

#include "signaling/api/json_members.hpp"
#include "signaling/api/json_writer.hpp"

#include <simdjson.h>

namespace tern::sig::mcu {

namespace {

using api::JsonWriter;
using simdjson::dom::element;
using simdjson::dom::object;

/// Opens {"id":…,"type":<type>,"<type>":{ ; the caller writes the members and calls close_envelope.
void open_envelope(JsonWriter& w, std::string_view id, std::string_view type) {
    w.begin_object();
    if (!id.empty()) {
        w.field("id", id);
    }
    w.field("type", type);
    w.key(type).begin_object();
}

void close_envelope(JsonWriter& w) {
    w.end_object().end_object();
}

void optional_field(JsonWriter& w, std::string_view key, std::string_view v) {
    if (!v.empty()) {
        w.field(key, v);
    }
}

simdjson::dom::parser& thread_parser() {
    // One per thread: a parser reuses its buffers, and every shard has its own connections.
    thread_local simdjson::dom::parser parser;
    return parser;
}

Unexpected<ProxyParseError> bad(const std::string& id, std::string message) {
    return unexpected(ProxyParseError{id, std::move(message)});
}

/// A non-negative integer member; absent leaves `out` empty.
bool get_u64(const object& o, std::string_view key, std::optional<uint64_t>& out,
             std::string& error) {
    element e;
    if (!api::json::member(o, key, e) || e.is_null()) {
        return true;
    }
    uint64_t u = 0;
    double d = 0;
    if (e.get(u) == simdjson::SUCCESS) {
        out = u;
        return true;
    }
    // Loads may come as JSON numbers with a fraction from other proxies; whole part is enough.
    if (e.get(d) == simdjson::SUCCESS && d >= 0 && d < 1.8e19) {
        out = static_cast<uint64_t>(d);
        return true;
    }
    error = std::string(key) + " must be a non-negative number";
    return false;
}

/// The message's id: a string, or an integer written as text (ids are strings on the wire, but
/// a number must not make the reply unmatchable).
std::string read_id(const object& msg) {
    element e;
    if (!api::json::member(msg, "id", e)) {
        return {};
    }
    std::string_view s;
    if (e.get(s) == simdjson::SUCCESS) {
        return std::string(s);
    }
    int64_t n = 0;
    if (e.get(n) == simdjson::SUCCESS) {
        return std::to_string(n);
    }
    return {};
}

Result<HelloReply, std::string> read_hello(const object& h) {
    HelloReply r;
    std::string err;
    if (!api::json::get_string(h, "sessionid", r.session_id, err)) {
        return unexpected(err);
    }
    if (r.session_id.empty()) {
        return unexpected(std::string("hello reply without sessionid"));
    }
    object server;
    if (api::json::get_object(h, "server", server)) {
        if (!api::json::get_string(server, "version", r.server_version, err) ||
            !api::json::get_string(server, "country", r.country, err) ||
            !api::json::get_string_list(server, "features", r.features, err)) {
            return unexpected(err);
        }
    }
    return r;
}

Result<CommandReply, std::string> read_command(const object& c) {
    CommandReply r;
    std::string err;
    if (!api::json::get_string(c, "id", r.client_id, err) ||
        !api::json::get_string(c, "sid", r.sid, err) || !get_u64(c, "bitrate", r.bitrate, err)) {
        return unexpected(err);
    }
    return r;
}

/// {"type":"offer","sdp":…} (or any jsep) in `o`: its type and sdp.
bool read_sdp(const object& o, ProxyPayload& p, std::string& err) {
    std::string sdp;
    std::string type;
    if (!api::json::get_string(o, "sdp", sdp, err) ||
        !api::json::get_string(o, "type", type, err)) {
        return false;
    }
    if (!sdp.empty()) {
        p.sdp = std::move(sdp);
        p.sdp_type = std::move(type);
    }
    return true;
}

Result<ProxyPayload, std::string> read_payload(const object& po) {
    ProxyPayload p;
    std::string err;
    if (!api::json::get_string(po, "type", p.type, err) ||
        !api::json::get_string(po, "clientId", p.client_id, err)) {
        return unexpected(err);
    }
    if (p.type.empty()) {
        return unexpected(std::string("payload without type"));
    }
    element inner_e;
    if (!api::json::member(po, "payload", inner_e) || inner_e.is_null()) {
        return p;
    }
    object inner;
    if (inner_e.get(inner) != simdjson::SUCCESS) {
        return unexpected(std::string("payload.payload must be an object"));
    }
    // A reply carries the jsep itself; a proxy-initiated offer nests it under "offer".
    if (!read_sdp(inner, p, err)) {
        return unexpected(err);
    }
    object offer;
    if (p.sdp.empty() && api::json::get_object(inner, "offer", offer) && !read_sdp(offer, p, err)) {
        return unexpected(err);
    }
    element cand;
    if (api::json::member(inner, "candidate", cand) && !cand.is_null()) {
        p.candidate = api::json::raw_of(cand);
    }
    return p;
}

Result<ProxyEvent, std::string> read_event(const object& eo) {
    ProxyEvent ev;
    std::string err;
    if (!api::json::get_string(eo, "type", ev.type, err) ||
        !api::json::get_string(eo, "clientId", ev.client_id, err) ||
        !api::json::get_string(eo, "sid", ev.sid, err) || !get_u64(eo, "load", ev.load, err)) {
        return unexpected(err);
    }
    if (ev.type.empty()) {
        return unexpected(std::string("event without type"));
    }
    return ev;
}

}  // namespace

// ---- writers --------------------------------------------------------------------------------

std::string write_hello_token(std::string_view id, std::string_view token) {
    std::string out;
    JsonWriter w(out);
    open_envelope(w, id, "hello");
    w.field("version", "1.0").field("token", token);
    close_envelope(w);
    return out;
}

std::string write_hello_resume(std::string_view id, std::string_view resume_id) {
    std::string out;
    JsonWriter w(out);
    open_envelope(w, id, "hello");
    w.field("version", "1.0").field("resumeid", resume_id);
    close_envelope(w);
    return out;
}

std::string write_create_publisher(std::string_view id, const CreatePublisherCommand& c) {
    std::string out;
    JsonWriter w(out);
    open_envelope(w, id, "command");
    w.field("type", "create-publisher");
    optional_field(w, "sid", c.sid);
    w.field("streamType", c.stream_type);
    w.key("publisherSettings").begin_object();
    if (c.settings.bitrate != 0) {
        w.field("bitrate", c.settings.bitrate);
    }
    if (c.settings.media_types != 0) {
        w.field("mediatypes", static_cast<uint64_t>(c.settings.media_types));
    }
    optional_field(w, "audiocodec", c.settings.audio_codec);
    optional_field(w, "videocodec", c.settings.video_codec);
    optional_field(w, "vp9_profile", c.settings.vp9_profile);
    optional_field(w, "h264_profile", c.settings.h264_profile);
    w.end_object();
    close_envelope(w);
    return out;
}

std::string write_create_subscriber(std::string_view id, const CreateSubscriberCommand& c) {
    std::string out;
    JsonWriter w(out);
    open_envelope(w, id, "command");
    w.field("type", "create-subscriber")
        .field("streamType", c.stream_type)
        .field("publisherId", c.publisher_id);
    close_envelope(w);
    return out;
}

std::string write_delete_client(std::string_view id, bool publisher, std::string_view client_id) {
    std::string out;
    JsonWriter w(out);
    open_envelope(w, id, "command");
    w.field("type", publisher ? "delete-publisher" : "delete-subscriber")
        .field("clientId", client_id);
    close_envelope(w);
    return out;
}

std::string write_payload(std::string_view id, const PayloadCommand& p) {
    std::string out;
    JsonWriter w(out);
    open_envelope(w, id, "payload");
    w.field("type", p.type).field("clientId", p.client_id);
    optional_field(w, "sid", p.sid);
    if (!p.payload.empty()) {
        w.raw_field("payload", p.payload);
    }
    close_envelope(w);
    return out;
}

std::string write_bye() {
    std::string out;
    JsonWriter w(out);
    open_envelope(w, {}, "bye");
    close_envelope(w);
    return out;
}

RawJson sdp_payload(std::string_view type, std::string_view sdp) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("type", type).field("sdp", sdp).end_object();
    return out;
}

RawJson candidate_payload(std::string_view candidate_json) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().raw_field("candidate", candidate_json).end_object();
    return out;
}

// ---- parser ---------------------------------------------------------------------------------

Result<ProxyMessage, ProxyParseError> parse_proxy_message(std::string_view frame) {
    if (frame.size() > kMaxProxyFrame) {
        return bad({}, "frame too large");
    }
    element root;
    if (thread_parser().parse(frame.data(), frame.size()).get(root) != simdjson::SUCCESS) {
        return bad({}, "not JSON");
    }
    object msg;
    if (root.get(msg) != simdjson::SUCCESS) {
        return bad({}, "not a JSON object");
    }
    ProxyMessage out;
    out.id = read_id(msg);
    std::string type;
    std::string err;
    if (!api::json::get_string(msg, "type", type, err)) {
        return bad(out.id, err);
    }
    object body;
    const bool has_body = api::json::get_object(msg, type, body);
    if (type == "bye") {
        ProxyBye b;
        if (has_body && !api::json::get_string(body, "reason", b.reason, err)) {
            return bad(out.id, err);
        }
        out.body = std::move(b);
        return out;
    }
    if (!has_body) {
        return bad(out.id,
                   type.empty() ? "message without type" : "'" + type + "' without its object");
    }
    auto take = [&](auto&& r) -> Result<ProxyMessage, ProxyParseError> {
        if (!r) {
            return bad(out.id, r.error());
        }
        out.body = std::move(*r);
        return out;
    };
    if (type == "hello") {
        return take(read_hello(body));
    }
    if (type == "command") {
        return take(read_command(body));
    }
    if (type == "payload") {
        return take(read_payload(body));
    }
    if (type == "event") {
        return take(read_event(body));
    }
    if (type == "error") {
        ProxyError e;
        if (!api::json::get_string(body, "code", e.code, err) ||
            !api::json::get_string(body, "message", e.message, err)) {
            return bad(out.id, err);
        }
        out.body = std::move(e);
        return out;
    }
    return bad(out.id, "unknown message type '" + type + "'");
}

}  // namespace tern::sig::mcu
