#include "signaling/backend/rooms/permissions.hpp"

namespace tern::sig::backend {

bool is_moderator(ParticipantType type) noexcept {
    return type == ParticipantType::Owner || type == ParticipantType::Moderator ||
           type == ParticipantType::GuestModerator;
}

bool is_guest(ParticipantType type) noexcept {
    return type == ParticipantType::Guest || type == ParticipantType::GuestModerator;
}

uint32_t effective_permissions(const Room& room, const Participant& participant) noexcept {
    if (is_moderator(participant.type)) {
        return permission::kAll;
    }
    if (participant.permissions != permission::kDefault) {
        return participant.permissions;
    }
    if (room.default_permissions != permission::kDefault) {
        return room.default_permissions;
    }
    return permission::kAll & ~permission::kIgnoreLobby;
}

bool valid_permissions(uint32_t bits) noexcept {
    if (bits == permission::kDefault) {
        return true;
    }
    return (bits & permission::kCustom) != 0 &&
           (bits & ~(permission::kAll | permission::kCustom)) == 0;
}

}  // namespace tern::sig::backend
