#include "signaling/backend/store/store_result.hpp"

namespace tern::sig::backend {

const char* to_string(StoreErrorKind kind) noexcept {
    switch (kind) {
    case StoreErrorKind::NotFound: return "not found";
    case StoreErrorKind::Conflict: return "conflict";
    case StoreErrorKind::Busy: return "busy";
    case StoreErrorKind::TooNew: return "schema too new";
    case StoreErrorKind::Io: return "i/o";
    }
    return "?";
}

}  // namespace tern::sig::backend
