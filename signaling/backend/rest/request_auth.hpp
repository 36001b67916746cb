// Who is calling the REST API, as Nextcloud decides it:
//
// - HTTP Basic with a user's name and either the user's password or one of the user's app
//   passwords (auth/users.hpp); every attempt passes the login throttle first (429 over it), and
//   a failure counts against the name. Credentials that logged in within the last minute are
//   taken from the shard's CredentialCache without a hash or a throttle attempt.
// - A browser's login session: the cookie `tern_session` holds the session token
//   (auth/login_sessions.hpp); the page proves it is ours with the session's CSRF token in the
//   `requesttoken` header, or with `OCS-APIRequest: true` (which a cross-site form cannot send).
// - Every OCS request must carry `OCS-APIRequest: true` (or, with a session, the CSRF token):
//   without it the answer is 401 "CSRF check failed", as Nextcloud's.
//
// Guests (no login) are not served yet: every API but the capabilities and the signaling
// backend endpoint needs a user.
#pragma once

#include "signaling/backend/rest/api_error.hpp"
#include "signaling/backend/rest/backend_service.hpp"
#include "signaling/backend/rest/rest_exchange.hpp"
#include "signaling/backend/rooms/system_message.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tern::sig::backend::rest {

inline constexpr std::string_view kSessionCookie = "tern_session";

struct Caller {
    User user;
    NamedActor who;  // the user as a room actor
};

/// The caller of `req`, or why not (401, 429, 500).
ApiResult<Caller> authenticate(BackendService& service, const RestRequest& req, RestNow now);

/// Whether the request proves it is no cross-site form (OCS-APIRequest: true).
bool ocs_api_request(const RestRequest& req) noexcept;

/// The user name and password of a Basic Authorization header; nullopt when it is none.
std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view header);

/// The value of cookie `name` in a Cookie header; "" when absent.
std::string_view cookie_value(std::string_view header, std::string_view name) noexcept;

/// A user as a room actor: type users, id the user name, display name (else the name).
NamedActor actor_of(const User& user);

}  // namespace tern::sig::backend::rest
