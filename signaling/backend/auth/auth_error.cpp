#include "signaling/backend/auth/auth_error.hpp"

namespace tern::sig::backend {

AuthError auth_error_from(const StoreError& e) {
    switch (e.kind) {
    case StoreErrorKind::NotFound: return AuthError{AuthErrorKind::UnknownUser, e.message};
    case StoreErrorKind::Conflict: return AuthError{AuthErrorKind::Exists, e.message};
    default: return AuthError{AuthErrorKind::Store, e.message};
    }
}

}  // namespace tern::sig::backend
