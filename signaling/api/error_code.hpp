// The error codes of the signaling client API, as they appear on the wire in
// {"type":"error","error":{"code":...}} (Talk's standalone signaling API, client protocol 1.0/2.0).
// Every failure a client can see is one of these; handlers return them, the session edge writes
// them.
#pragma once

#include <cstdint>
#include <string_view>

namespace tern::sig::api {

enum class ErrorCode : uint8_t {
    // framing
    InvalidFormat,
    HelloExpected,
    // hello
    InvalidHelloVersion,
    InvalidBackend,
    InvalidClientType,
    InvalidToken,
    TokenNotValidYet,
    TokenExpired,
    AuthFailed,
    SessionLimitExceeded,
    TooManyRequests,
    NoSuchSession,
    // a backend's answer, forwarded as it came
    InvalidRequest,
    InvalidTicket,
    NoSuchUser,
    NoSuchRoom,
    DuplicateSession,
    // room
    RoomJoinFailed,
    AlreadyJoined,
    FederationUnsupported,
    FederationError,
    // permissions and transient data
    NotAllowed,
    NotInRoom,
    Ignored,
    // media
    InvalidSdp,
    NoSdp,
    InvalidCandidate,
    NoCandidate,
    ClientNotFound,
    ProcessingFailed,
    // internal clients
    AddFailed,
    RemoveFailed,
    // anything else
    InternalError,
};

/// The wire name ("invalid_format", ...).
std::string_view code_name(ErrorCode c) noexcept;

/// The code of a wire name; false for a name that is not ours (a backend may send others: those
/// are forwarded as text, see ApiError::raw_code).
bool code_from_name(std::string_view name, ErrorCode& out) noexcept;

}  // namespace tern::sig::api
