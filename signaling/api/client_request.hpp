// What a client sends on the /spreed WebSocket, as typed values: the parser
// (client_request_parser.hpp) makes these from a frame, handlers take them and never see JSON.
// Payloads the server only passes on (a message's `data`, v1 auth `params` for the backend,
// transient values, a virtual session's `user`) stay as the JSON text the client sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tern::sig::api {

/// JSON text exactly as received (an object, array, string, number...); empty when absent.
using RawJson = std::string;

enum class HelloVersion : uint8_t { V1, V2 };  // "1.0": ticket auth; "2.0": JWT auth

enum class AuthType : uint8_t { Client, Internal, Federation };

struct HelloAuth {
    AuthType type = AuthType::Client;
    std::string url;  // client and federation: the backend's URL as the client sent it
    RawJson params;   // the whole params object; v1 forwards it to the backend unchanged
    // The members of params this server reads itself.
    std::string userid;  // v1 client
    std::string ticket;  // v1 client
    std::string
        token;  // v2 client and federation: a JWT; internal: hex HMAC-SHA256(secret, random)
    std::string random;   // internal
    std::string backend;  // internal: the backend's URL
};

struct Hello {
    HelloVersion version = HelloVersion::V1;
    std::string resume_id;  // set: resume that session (no auth)
    std::vector<std::string>
        features;    // the client's features ("chat-relay", "internal-incall", ...)
    HelloAuth auth;  // when resume_id is empty
};

struct Bye {};

struct RoomRequest {
    std::string room_id;  // empty: leave the current room
    std::string
        session_id;      // Talk's session id for the room (empty: the public session id is used)
    RawJson federation;  // set for a federated join
};

enum class RecipientType : uint8_t { Session, User, Room, Call };

struct Recipient {
    RecipientType type = RecipientType::Session;
    std::string session_id;  // Session
    std::string user_id;     // User
};

/// "message", or "control" (the same shape, allowed to fewer senders).
struct MessageRequest {
    bool control = false;
    Recipient recipient;
    RawJson data;
};

// ---- internal clients (the SIP bridge, recording): virtual sessions, in-call state, dial-out ----

struct AddSession {
    std::string session_id;  // the client's id for the virtual session
    std::string room_id;
    std::string user_id;
    RawJson user;  // e.g. {"type":"phone","callid":...,"number":...}
    uint32_t flags = 0;
    std::optional<int> in_call;
    std::string actor_id;    // options.actorId
    std::string actor_type;  // options.actorType
};

struct UpdateSession {
    std::string session_id;
    std::string room_id;
    std::optional<uint32_t> flags;
    std::optional<int> in_call;
};

struct RemoveSession {
    std::string session_id;
    std::string room_id;
    std::string user_id;
};

struct InCall {
    int in_call = 0;
};

/// A dial-out client's answer or later status (the request came from the server).
struct DialoutReply {
    bool is_error = false;
    std::string room_id;
    std::string call_id;  // status.callid
    std::string status;   // accepted, ringing, connected, rejected, cleared
    std::string error_code;
    std::string error_message;
};

struct InternalRequest {
    std::variant<AddSession, UpdateSession, RemoveSession, InCall, DialoutReply> body;
};

// ---- transient data -----------------------------------------------------------------------------

enum class TransientOp : uint8_t { Set, Remove, Other };  // Other: answered "ignored"

struct TransientRequest {
    TransientOp op = TransientOp::Other;
    std::string key;
    RawJson value;  // Set; "null" removes
    std::optional<uint64_t> ttl_ns;
};

/// A type this server does not know: ignored after hello, as the reference server does.
struct UnknownRequest {
    std::string type;
};

using RequestBody = std::variant<Hello, Bye, RoomRequest, MessageRequest, InternalRequest,
                                 TransientRequest, UnknownRequest>;

struct ClientRequest {
    std::string id;  // echoed in the reply; empty when the client sent none
    RequestBody body;
};

}  // namespace tern::sig::api
