// A backend's answer to one of our requests: the OCS envelope ({"ocs":{"meta":…,"data":…}}) is
// unwrapped when present, then the data is read as an auth, room or error answer. Anything that
// is not JSON, or not one of those shapes, is an error string for the log; the hub answers the
// client `auth_failed`/`room_join_failed`/`internal_error` as the reference server does.
#pragma once

#include "common/result.hpp"
#include "signaling/api/backend_messages.hpp"

#include <string>
#include <string_view>

namespace tern::sig {

/// `throttled` in the error: the OCS meta status was 429 (Talk's brute-force protection).
struct BackendAnswerError {
    std::string message;
    bool throttled = false;
};

Result<api::BackendAnswer, BackendAnswerError> parse_backend_answer(std::string_view body);

/// The same, first refusing a reply whose Content-Type is not application/json (a login page,
/// a proxy's error page), as the reference server does.
Result<api::BackendAnswer, BackendAnswerError> parse_backend_answer(std::string_view content_type,
                                                                    std::string_view body);

/// "application/json", any case, with or without parameters ("; charset=utf-8").
bool is_json_content_type(std::string_view content_type) noexcept;

}  // namespace tern::sig
