#include "signaling/api/server_messages.hpp"

#include "signaling/api/json_writer.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace tern::sig::api {

namespace {

void write_features(JsonWriter& w, std::span<const std::string_view> features, bool sorted) {
    w.begin_array();
    if (sorted && !std::is_sorted(features.begin(), features.end())) {
        std::vector<std::string_view> copy(features.begin(), features.end());
        std::sort(copy.begin(), copy.end());
        for (std::string_view f : copy) {
            w.value(f);
        }
    } else {
        for (std::string_view f : features) {
            w.value(f);
        }
    }
    w.end_array();
}

}  // namespace

void write_welcome(std::string& out, std::span<const std::string_view> features,
                   std::string_view country) {
    JsonWriter w{out};
    w.begin_object().field("type", "welcome").key("welcome").begin_object();
    w.field("version", kServerVersion).key("features");
    write_features(w, features, true);
    if (!country.empty()) {
        w.field("country", country);
    }
    w.end_object().end_object();
}

void write_hello_reply(std::string& out, const HelloReply& r) {
    JsonWriter w{out};
    w.begin_object();
    if (!r.id.empty()) {
        w.field("id", r.id);
    }
    w.field("type", "hello").key("hello").begin_object();
    w.field("version", r.version).field("sessionid", r.session_id).field("resumeid", r.resume_id);
    w.field("userid", r.user_id);
    // Deprecated in the API text, but Talk's web client takes its feature list from here.
    w.key("server").begin_object().field("version", kServerVersion).key("features");
    write_features(w, r.server_features, true);
    w.end_object().end_object().end_object();
}

void write_error(std::string& out, std::string_view id, ErrorCode code, std::string_view message,
                 std::string_view details, std::string_view code_text) {
    JsonWriter w{out};
    w.begin_object();
    if (!id.empty()) {
        w.field("id", id);
    }
    w.field("type", "error").key("error").begin_object();
    w.field("code", code_text.empty() ? code_name(code) : code_text).field("message", message);
    if (!details.empty()) {
        w.raw_field("details", details);
    }
    w.end_object().end_object();
}

void write_bye(std::string& out, std::string_view id, std::string_view reason) {
    JsonWriter w{out};
    w.begin_object();
    if (!id.empty()) {
        w.field("id", id);
    }
    w.field("type", "bye");
    if (!reason.empty()) {
        w.key("bye").begin_object().field("reason", reason).end_object();
    }
    w.end_object();
}

void write_room_reply(std::string& out, const RoomReply& r) {
    JsonWriter w{out};
    w.begin_object();
    if (!r.id.empty()) {
        w.field("id", r.id);
    }
    w.field("type", "room").key("room").begin_object().field("roomid", r.room_id);
    if (!r.properties.empty()) {
        w.raw_field("properties", r.properties);
    }
    if (r.max_stream_bitrate != 0 || r.max_screen_bitrate != 0) {
        w.key("bandwidth").begin_object();
        if (r.max_stream_bitrate != 0) {
            w.field("maxstreambitrate", r.max_stream_bitrate);
        }
        if (r.max_screen_bitrate != 0) {
            w.field("maxscreenbitrate", r.max_screen_bitrate);
        }
        w.end_object();
    }
    w.end_object().end_object();
}

}  // namespace tern::sig::api
