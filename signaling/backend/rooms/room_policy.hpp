// Who may do what in a room: Talk's rules over room type, participant type, permission bits
// (permissions.hpp), read-only and the lobby, as decisions without side effects. Each check
// returns Done or the TalkError the API answers with; the caller has already made sure the
// participant belongs to the room (else NotFound).
//
// The lobby: with LobbyState::NonModerators, participants who are not moderators and lack the
// ignore-lobby permission are kept out of chat and call (412) until a moderator opens it, or
// until its timer passes; the first request after that opens it for everyone
// (lobby_timer_due(), and the lobby_timer_reached system message).
#pragma once

#include "signaling/backend/rooms/talk_error.hpp"
#include "signaling/backend/store/room_records.hpp"

#include <cstdint>

namespace tern::sig::backend {

/// Talk's in-call flags (values as in the API).
namespace call_flag {
inline constexpr uint32_t kInCall = 1;
inline constexpr uint32_t kWithAudio = 2;
inline constexpr uint32_t kWithVideo = 4;
inline constexpr uint32_t kWithPhone = 8;
inline constexpr uint32_t kAll = kInCall | kWithAudio | kWithVideo | kWithPhone;
}  // namespace call_flag

/// Whether the lobby is closed at `now_s` (on, and its timer, if any, not passed yet).
bool lobby_closed(const Room& room, int64_t now_s) noexcept;
/// Whether the lobby keeps `participant` out at `now_s`.
bool lobby_blocks(const Room& room, const Participant& participant, int64_t now_s) noexcept;
/// Whether the lobby is on with a timer that has passed: time to open it.
bool lobby_timer_due(const Room& room, int64_t now_s) noexcept;

/// Reading the chat: only the lobby stands in the way.
TalkResult<Done> check_read_chat(const Room& room, const Participant& p, int64_t now_s);
/// Posting, replying, reacting: the lobby, read-only, the chat permission.
TalkResult<Done> check_post_chat(const Room& room, const Participant& p, int64_t now_s);
/// Starting a call (when none is on): the lobby, read-only, the start-call permission.
TalkResult<Done> check_start_call(const Room& room, const Participant& p, int64_t now_s);
/// Joining the call that is on: the lobby, read-only, the join-call permission.
TalkResult<Done> check_join_call(const Room& room, const Participant& p, int64_t now_s);
/// The in-call flags `p` may have, from those asked for: audio, video need the publishing
/// rights (kInCall and kWithPhone pass unchanged). Talk drops what is not allowed, silently.
uint32_t allowed_call_flags(const Room& room, const Participant& p, uint32_t asked) noexcept;

/// Moderator-only actions (lobby, read-only, permissions, removing others, renaming).
TalkResult<Done> check_moderator(const Participant& p);
/// Changing a room's settings (name, description, lobby, read-only, password, SIP, default
/// permissions): a moderator, in a group or public room (one-to-one, note-to-self and
/// changelog rooms have none to change).
TalkResult<Done> check_change_settings(const Room& room, const Participant& p);
/// Making the room public or private: as settings, and only between Group and Public.
TalkResult<Done> check_change_type(const Room& room, const Participant& p, RoomType to);

/// The type `target` gets when promoted by `actor`: Moderator for users, GuestModerator for
/// guests. InvalidInput when the target is a moderator already or an owner.
TalkResult<ParticipantType> promoted_type(const Room& room, const Participant& actor,
                                          const Participant& target);
/// The type `target` gets when demoted: User or Guest. InvalidInput for an owner or a
/// participant who is no moderator.
TalkResult<ParticipantType> demoted_type(const Room& room, const Participant& actor,
                                         const Participant& target);
/// Removing `target` from the room: anyone may leave; a moderator may remove others but an
/// owner only by an owner; nobody is removed from a one-to-one room by someone else.
TalkResult<Done> check_remove(const Room& room, const Participant& actor,
                              const Participant& target);

}  // namespace tern::sig::backend
