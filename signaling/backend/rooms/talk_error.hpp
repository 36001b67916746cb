// What a rooms or chat operation returns when it fails: a kind, and a message for people. The
// kinds are the distinctions Talk's API makes; talk_status() maps them to Talk's HTTP status
// codes, the one place the later HTTP layer takes them from.
#pragma once

#include "common/result.hpp"
#include "signaling/backend/store/store_result.hpp"

#include <cstdint>
#include <string>

namespace tern::sig::backend {

enum class TalkErrorKind : uint8_t {
    InvalidInput,   // 400: a name, type, token, reply target or setting outside the rules
    Forbidden,      // 403: the participant's type or permissions do not allow it; read-only
    WrongPassword,  // 403: a public room's password did not match
    NotFound,       // 404: no such room, message or participant, or not a participant
    NotAComment,    // 405: system messages and commands cannot be edited or deleted
    LobbyActive,    // 412: the lobby keeps non-moderators out of chat and call
    TooLong,        // 413: a chat message beyond the length limit
    TooMany,        // 429: too many mentions by a guest, too many waiting requests
    Store,          // 500: the database failed
};

struct TalkError {
    TalkErrorKind kind = TalkErrorKind::Store;
    std::string message;
};

template <class T>
using TalkResult = Result<T, TalkError>;

/// The HTTP status Talk answers with for `kind`.
int talk_status(TalkErrorKind kind) noexcept;

/// A StoreError as a TalkError: NotFound stays NotFound, everything else is Store (a Conflict
/// the rules did not foresee is the database's business, not the client's).
TalkError talk_error_from(const StoreError& e);

}  // namespace tern::sig::backend
