#include "signaling/backend/rest/request_auth.hpp"

#include "common/ascii.hpp"
#include "common/base64url.hpp"

#include <algorithm>

namespace tern::sig::backend::rest {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20);
           });
}

ApiError not_logged_in() {
    return ApiError{401, "Current user is not logged in"};
}

ApiResult<Caller> caller_of(BackendService& service, UserId id) {
    auto user = service.store().user_by_id(id);
    if (!user) {
        return unexpected(user.error().kind == StoreErrorKind::NotFound ? not_logged_in()
                                                                        : api_error(user.error()));
    }
    return Caller{*user, actor_of(*user)};
}

}  // namespace

bool ocs_api_request(const RestRequest& req) noexcept {
    return iequals(trim_ows(req.ocs_api_request), "true");
}

std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view header) {
    header = trim_ows(header);
    if (header.size() < 6 || !iequals(header.substr(0, 6), "basic ")) {
        return std::nullopt;
    }
    std::string b64(trim_ows(header.substr(6)));
    if (b64.find_first_of("-_") != std::string::npos) {
        return std::nullopt;  // base64url is not what Basic uses
    }
    std::replace(b64.begin(), b64.end(), '+', '-');
    std::replace(b64.begin(), b64.end(), '/', '_');
    auto plain = base64url_decode(b64);
    if (!plain) {
        return std::nullopt;
    }
    const std::size_t colon = plain->find(':');
    if (colon == std::string::npos) {
        return std::nullopt;
    }
    return std::pair{plain->substr(0, colon), plain->substr(colon + 1)};
}

std::string_view cookie_value(std::string_view header, std::string_view name) noexcept {
    while (!header.empty()) {
        const std::size_t semi = header.find(';');
        const std::string_view part = trim_ows(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        const std::size_t eq = part.find('=');
        if (eq != std::string_view::npos && part.substr(0, eq) == name) {
            return part.substr(eq + 1);
        }
    }
    return {};
}

NamedActor actor_of(const User& user) {
    return NamedActor{Actor{ActorType::Users, user.name},
                      user.display_name.empty() ? user.name : user.display_name};
}

ApiResult<Caller> authenticate(BackendService& service, const RestRequest& req, RestNow now) {
    const std::string_view token = cookie_value(req.cookie, kSessionCookie);
    if (!token.empty() && req.authorization.empty()) {
        auto session = service.sessions().verify(token, now.s);
        if (!session) {
            return unexpected(not_logged_in());
        }
        if (!ocs_api_request(req) &&
            !LoginSessions::csrf_matches(*session, trim_ows(req.request_token))) {
            return unexpected(ApiError{401, "CSRF check failed"});
        }
        return caller_of(service, session->user);
    }
    if (!ocs_api_request(req)) {
        return unexpected(ApiError{401, "CSRF check failed: send the header OCS-APIRequest: true"});
    }
    if (req.authorization.empty()) {
        return unexpected(not_logged_in());
    }
    auto credentials = basic_credentials(req.authorization);
    if (!credentials) {
        return unexpected(ApiError{401, "the Authorization header is not HTTP Basic"});
    }
    const auto& [name, password] = *credentials;
    if (auto known = service.credentials().find(name, password, now.us)) {
        auto cached = caller_of(service, *known);
        if (cached) {
            return cached;
        }
    }
    if (!service.throttle().admit(req.client_ip, name, now.us)) {
        return unexpected(ApiError{429, "too many login attempts; wait a while"});
    }
    auto user = service.users().authenticate(name, password, now.s);
    if (!user) {
        if (user.error().kind == AuthErrorKind::WrongPassword ||
            user.error().kind == AuthErrorKind::InvalidInput) {
            service.throttle().record_failure(name, now.us);
            return unexpected(ApiError{401, "wrong user name or password"});
        }
        return unexpected(api_error(user.error()));
    }
    service.throttle().record_success(name);
    service.credentials().remember(name, password, user->id, now.us);
    return Caller{*user, actor_of(*user)};
}

}  // namespace tern::sig::backend::rest
