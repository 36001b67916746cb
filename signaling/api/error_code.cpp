#include "signaling/api/error_code.hpp"

#include <array>
#include <cstddef>

namespace tern::sig::api {

namespace {

// Indexed by ErrorCode.
constexpr std::array<std::string_view, 33> kNames = {
    "invalid_format",
    "hello_expected",
    "invalid_hello_version",
    "invalid_backend",
    "invalid_client_type",
    "invalid_token",
    "token_not_valid_yet",
    "token_expired",
    "auth_failed",
    "session_limit_exceeded",
    "too_many_requests",
    "no_such_session",
    "invalid_request",
    "invalid_ticket",
    "no_such_user",
    "no_such_room",
    "duplicate_session",
    "room_join_failed",
    "already_joined",
    "federation_unsupported",
    "federation_error",
    "not_allowed",
    "not_in_room",
    "ignored",
    "invalid_sdp",
    "no_sdp",
    "invalid_candidate",
    "no_candidate",
    "client_not_found",
    "processing_failed",
    "add_failed",
    "remove_failed",
    "internal_error",
};
static_assert(kNames.size() == static_cast<std::size_t>(ErrorCode::InternalError) + 1);

}  // namespace

std::string_view code_name(ErrorCode c) noexcept {
    const auto i = static_cast<std::size_t>(c);
    return i < kNames.size() ? kNames[i] : "internal_error";
}

bool code_from_name(std::string_view name, ErrorCode& out) noexcept {
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        if (kNames[i] == name) {
            out = static_cast<ErrorCode>(i);
            return true;
        }
    }
    return false;
}

}  // namespace tern::sig::api
