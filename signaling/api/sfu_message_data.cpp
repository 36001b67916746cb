#include "signaling/api/sfu_message_data.hpp"

#include "signaling/api/json_members.hpp"
#include "signaling/api/json_writer.hpp"

#include <simdjson.h>

namespace tern::sig::api {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

bool known_room_type(std::string_view t) {
    return t.empty() || t == "audio" || t == "video" || t == "screen";
}

/// A string member into `out`; false when present with another type.
bool string_member(const object& o, std::string_view key, std::string& out) {
    std::string error;
    return json::get_string(o, key, out, error);
}

/// The minimal SDP shape: a version line first, as every SDP starts (RFC 8866 §5).
bool plausible_sdp(std::string_view sdp) {
    return sdp.starts_with("v=0");
}

}  // namespace

SfuDataParse parse_sfu_message_data(std::string_view data) {
    SfuDataParse out;
    thread_local simdjson::dom::parser parser;
    element doc;
    object o;
    if (parser.parse(data.data(), data.size()).get(doc) != simdjson::SUCCESS ||
        doc.get(o) != simdjson::SUCCESS) {
        return out;
    }
    SfuMessageData d;
    if (!string_member(o, "type", d.type) || !string_member(o, "sid", d.sid) ||
        !string_member(o, "roomType", d.room_type) ||
        !string_member(o, "audiocodec", d.audio_codec) ||
        !string_member(o, "videocodec", d.video_codec) ||
        !string_member(o, "vp9profile", d.vp9_profile) ||
        !string_member(o, "h264profile", d.h264_profile)) {
        return out;
    }
    object payload;
    element pe;
    if (json::member(o, "payload", pe) && !pe.is_null()) {
        if (pe.get(payload) != simdjson::SUCCESS) {
            return out;  // not the SFU shape: an opaque payload
        }
        d.payload = json::raw_of(pe);
    }
    element be;
    if (json::member(o, "bitrate", be) && !be.is_null()) {
        uint64_t u = 0;
        if (be.get(u) != simdjson::SUCCESS) {
            return out;
        }
        d.bitrate = u;
    }
    auto fail = [&](ErrorCode code, std::string message) {
        out.error = SfuDataError{code, std::move(message)};
        return out;
    };
    if (!known_room_type(d.room_type)) {
        return fail(ErrorCode::InvalidFormat, "Invalid data format.");
    }
    if (d.type.empty()) {
        return fail(ErrorCode::InvalidFormat, "Invalid data format.");
    }
    if (d.type == "offer" || d.type == "answer") {
        element se;
        std::string_view sdp;
        if (d.payload.empty() || !json::member(payload, "sdp", se) ||
            se.get(sdp) != simdjson::SUCCESS || !plausible_sdp(sdp)) {
            return fail(ErrorCode::InvalidSdp, "Payload does not contain a valid SDP.");
        }
        d.sdp.assign(sdp);
    } else if (d.type == "candidate") {
        element ce;
        if (d.payload.empty() || !json::member(payload, "candidate", ce)) {
            return fail(ErrorCode::NoCandidate, "Payload does not contain a candidate.");
        }
        object cand;
        element text;
        std::string_view s;
        if (ce.get(cand) != simdjson::SUCCESS || !json::member(cand, "candidate", text) ||
            text.get(s) != simdjson::SUCCESS) {
            return fail(ErrorCode::InvalidCandidate, "Payload does not contain a valid candidate.");
        }
        d.candidate = json::raw_of(ce);
    }
    out.data = std::move(d);
    return out;
}

std::string write_sfu_data(std::string_view to, std::string_view from, std::string_view type,
                           std::string_view room_type, std::string_view sid,
                           std::string_view payload) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.field("to", to).field("from", from).field("type", type).field("roomType", room_type);
    w.field("sid", sid);
    w.raw_field("payload", payload);
    w.end_object();
    return out;
}

}  // namespace tern::sig::api
