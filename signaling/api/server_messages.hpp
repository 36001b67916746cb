// What the server writes to a /spreed client, each as one frame written by JsonWriter (no
// document tree): welcome, the hello reply, errors, bye, room replies. Field names and shapes
// follow the reference server; every function appends one complete JSON object to `out`.
#pragma once

#include "signaling/api/error_code.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tern::sig::api {

/// The protocol version this server speaks (the reference server's current API).
inline constexpr std::string_view kServerVersion = "2.1.1";

/// {"type":"welcome","welcome":{"version":...,"features":[...],"country":...?}}; features sorted.
void write_welcome(std::string& out, std::span<const std::string_view> features,
                   std::string_view country = {});

struct HelloReply {
    std::string_view id;
    std::string_view version;  // "1.0" or "2.0", as the client asked
    std::string_view session_id;
    std::string_view resume_id;
    std::string_view user_id;  // "" for anonymous: always written
    std::span<const std::string_view> server_features;
};
void write_hello_reply(std::string& out, const HelloReply& r);

/// {"id":...,"type":"error","error":{"code":...,"message":...,"details":...?}}. `code_text`
/// overrides the code with a name from a backend (forwarded as it came); `details` is raw JSON.
void write_error(std::string& out, std::string_view id, ErrorCode code, std::string_view message,
                 std::string_view details = {}, std::string_view code_text = {});

/// The reply to a client's bye ({"id":...,"type":"bye"}), or the server's own with a reason.
void write_bye(std::string& out, std::string_view id, std::string_view reason = {});

struct RoomReply {
    std::string_view id;
    std::string_view room_id;         // "" after a leave
    std::string_view properties;      // raw JSON from the backend, omitted when empty
    uint64_t max_stream_bitrate = 0;  // bandwidth, bit/s; the object is omitted when both are 0
    uint64_t max_screen_bitrate = 0;
};
void write_room_reply(std::string& out, const RoomReply& r);

}  // namespace tern::sig::api
