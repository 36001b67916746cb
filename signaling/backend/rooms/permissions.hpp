// Talk's participant permissions: bits that say what a participant may do in a room, and the
// chain that decides them (the participant's own, else the room's default, else Talk's
// default). Moderators (owners, moderators, guest moderators) may always do everything.
//
// Talk also has per-call permissions (set for the length of one call); tern does not keep them
// yet, so the chain skips that link.
#pragma once

#include "signaling/backend/store/room_records.hpp"

#include <cstdint>

namespace tern::sig::backend {

/// Talk's permission bits (values as in the API).
namespace permission {
inline constexpr uint32_t kDefault = 0;  // not set: the next link of the chain decides
inline constexpr uint32_t kCustom = 1;   // set on purpose (so "nothing allowed" is not 0)
inline constexpr uint32_t kStartCall = 2;
inline constexpr uint32_t kJoinCall = 4;
inline constexpr uint32_t kIgnoreLobby = 8;
inline constexpr uint32_t kPublishAudio = 16;
inline constexpr uint32_t kPublishVideo = 32;
inline constexpr uint32_t kPublishScreen = 64;
inline constexpr uint32_t kChat = 128;
/// Every right there is (what moderators have).
inline constexpr uint32_t kAll =
    kStartCall | kJoinCall | kIgnoreLobby | kPublishAudio | kPublishVideo | kPublishScreen | kChat;
}  // namespace permission

/// Owners, moderators and guest moderators.
bool is_moderator(ParticipantType type) noexcept;
/// Guests and guest moderators.
bool is_guest(ParticipantType type) noexcept;

/// What the participant may do: kAll for moderators; else the participant's own bits when set,
/// else the room's default when set, else everything but ignoring the lobby.
uint32_t effective_permissions(const Room& room, const Participant& participant) noexcept;

/// Whether `bits` is a value Talk accepts for a participant or a room default: kDefault, or
/// kCustom with any of the rights.
bool valid_permissions(uint32_t bits) noexcept;

}  // namespace tern::sig::backend
