#include "signaling/backend/rooms/room_policy.hpp"

#include "signaling/backend/rooms/permissions.hpp"

namespace tern::sig::backend {

namespace {

TalkError forbidden(const char* why) {
    return TalkError{TalkErrorKind::Forbidden, why};
}

TalkError invalid(const char* why) {
    return TalkError{TalkErrorKind::InvalidInput, why};
}

bool has(const Room& room, const Participant& p, uint32_t bit) {
    return (effective_permissions(room, p) & bit) != 0;
}

/// The lobby, then read-only, then `bit`: the order Talk checks them in.
TalkResult<Done> check_active(const Room& room, const Participant& p, int64_t now_s, uint32_t bit,
                              const char* denied) {
    if (lobby_blocks(room, p, now_s)) {
        return unexpected(TalkError{TalkErrorKind::LobbyActive, "the lobby is closed"});
    }
    if (room.read_only) {
        return unexpected(forbidden("the conversation is read-only"));
    }
    if (!has(room, p, bit)) {
        return unexpected(forbidden(denied));
    }
    return Done{};
}

bool settable(RoomType type) {
    return type == RoomType::Group || type == RoomType::Public;
}

}  // namespace

bool lobby_closed(const Room& room, int64_t now_s) noexcept {
    if (room.lobby != LobbyState::NonModerators) {
        return false;
    }
    return !room.lobby_timer_s || now_s < *room.lobby_timer_s;
}

bool lobby_blocks(const Room& room, const Participant& participant, int64_t now_s) noexcept {
    return lobby_closed(room, now_s) && !has(room, participant, permission::kIgnoreLobby);
}

bool lobby_timer_due(const Room& room, int64_t now_s) noexcept {
    return room.lobby == LobbyState::NonModerators && room.lobby_timer_s &&
           now_s >= *room.lobby_timer_s;
}

TalkResult<Done> check_read_chat(const Room& room, const Participant& p, int64_t now_s) {
    if (lobby_blocks(room, p, now_s)) {
        return unexpected(TalkError{TalkErrorKind::LobbyActive, "the lobby is closed"});
    }
    return Done{};
}

TalkResult<Done> check_post_chat(const Room& room, const Participant& p, int64_t now_s) {
    return check_active(room, p, now_s, permission::kChat, "no permission to chat");
}

TalkResult<Done> check_start_call(const Room& room, const Participant& p, int64_t now_s) {
    return check_active(room, p, now_s, permission::kStartCall, "no permission to start a call");
}

TalkResult<Done> check_join_call(const Room& room, const Participant& p, int64_t now_s) {
    return check_active(room, p, now_s, permission::kJoinCall, "no permission to join the call");
}

uint32_t allowed_call_flags(const Room& room, const Participant& p, uint32_t asked) noexcept {
    const uint32_t rights = effective_permissions(room, p);
    uint32_t flags = asked & call_flag::kAll;
    if ((rights & permission::kPublishAudio) == 0) {
        flags &= ~call_flag::kWithAudio;
    }
    if ((rights & permission::kPublishVideo) == 0) {
        flags &= ~call_flag::kWithVideo;
    }
    return flags;
}

TalkResult<Done> check_moderator(const Participant& p) {
    if (!is_moderator(p.type)) {
        return unexpected(forbidden("only moderators may do that"));
    }
    return Done{};
}

TalkResult<Done> check_change_settings(const Room& room, const Participant& p) {
    if (auto m = check_moderator(p); !m) {
        return m;
    }
    if (!settable(room.type)) {
        return unexpected(invalid("this kind of conversation has no such setting"));
    }
    return Done{};
}

TalkResult<Done> check_change_type(const Room& room, const Participant& p, RoomType to) {
    if (auto s = check_change_settings(room, p); !s) {
        return s;
    }
    if (!settable(to)) {
        return unexpected(invalid("a conversation can only be made public or private"));
    }
    return Done{};
}

TalkResult<ParticipantType> promoted_type(const Room& room, const Participant& actor,
                                          const Participant& target) {
    if (auto s = check_change_settings(room, actor); !s) {
        return unexpected(s.error());
    }
    switch (target.type) {
    case ParticipantType::User:
    case ParticipantType::UserSelfJoined: return ParticipantType::Moderator;
    case ParticipantType::Guest: return ParticipantType::GuestModerator;
    default: return unexpected(invalid("the participant is a moderator already"));
    }
}

TalkResult<ParticipantType> demoted_type(const Room& room, const Participant& actor,
                                         const Participant& target) {
    if (auto s = check_change_settings(room, actor); !s) {
        return unexpected(s.error());
    }
    if (actor.id == target.id) {
        return unexpected(invalid("moderators cannot demote themselves"));
    }
    switch (target.type) {
    case ParticipantType::Moderator: return ParticipantType::User;
    case ParticipantType::GuestModerator: return ParticipantType::Guest;
    case ParticipantType::Owner: return unexpected(forbidden("the owner cannot be demoted"));
    default: return unexpected(invalid("the participant is no moderator"));
    }
}

TalkResult<Done> check_remove(const Room& room, const Participant& actor,
                              const Participant& target) {
    if (actor.id == target.id) {
        return Done{};
    }
    if (room.type == RoomType::OneToOne || room.type == RoomType::NoteToSelf) {
        return unexpected(invalid("nobody can be removed from a one-to-one conversation"));
    }
    if (auto m = check_moderator(actor); !m) {
        return m;
    }
    if (target.type == ParticipantType::Owner && actor.type != ParticipantType::Owner) {
        return unexpected(forbidden("only an owner may remove an owner"));
    }
    return Done{};
}

}  // namespace tern::sig::backend
