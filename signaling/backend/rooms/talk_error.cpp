#include "signaling/backend/rooms/talk_error.hpp"

namespace tern::sig::backend {

int talk_status(TalkErrorKind kind) noexcept {
    switch (kind) {
    case TalkErrorKind::InvalidInput: return 400;
    case TalkErrorKind::Forbidden:
    case TalkErrorKind::WrongPassword: return 403;
    case TalkErrorKind::NotFound: return 404;
    case TalkErrorKind::NotAComment: return 405;
    case TalkErrorKind::LobbyActive: return 412;
    case TalkErrorKind::TooLong: return 413;
    case TalkErrorKind::TooMany: return 429;
    case TalkErrorKind::Store: return 500;
    }
    return 500;
}

TalkError talk_error_from(const StoreError& e) {
    return TalkError{e.kind == StoreErrorKind::NotFound ? TalkErrorKind::NotFound
                                                        : TalkErrorKind::Store,
                     e.message};
}

}  // namespace tern::sig::backend
