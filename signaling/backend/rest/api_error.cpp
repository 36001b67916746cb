#include "signaling/backend/rest/api_error.hpp"

namespace tern::sig::backend::rest {

ApiError api_error(const TalkError& e) {
    return ApiError{talk_status(e.kind), e.message};
}

ApiError api_error(const AuthError& e) {
    switch (e.kind) {
    case AuthErrorKind::InvalidInput: return ApiError{400, e.message};
    case AuthErrorKind::UnknownUser: return ApiError{404, e.message};
    case AuthErrorKind::Exists: return ApiError{409, e.message};
    case AuthErrorKind::WrongPassword:
    case AuthErrorKind::NoSession:
    case AuthErrorKind::Expired: return ApiError{401, e.message};
    case AuthErrorKind::Throttled: return ApiError{429, e.message};
    case AuthErrorKind::Store: break;
    }
    return ApiError{500, e.message};
}

ApiError api_error(const StoreError& e) {
    return api_error(talk_error_from(e));
}

}  // namespace tern::sig::backend::rest
