// Who may do what: the lobby (closed, timer, moderators and the ignore-lobby right), read-only,
// the chat and call rights, in-call flags trimmed to the publishing rights, moderator-only
// settings by room type, promotion and demotion, removal.
#include "signaling/backend/rooms/permissions.hpp"
#include "signaling/backend/rooms/room_policy.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend;

namespace {

Room group() {
    Room r;
    r.type = RoomType::Group;
    return r;
}

Participant member(int64_t id, ParticipantType type, uint32_t bits = 0) {
    Participant p;
    p.id = id;
    p.type = type;
    p.permissions = bits;
    return p;
}

const Participant kUser = member(1, ParticipantType::User);
const Participant kMod = member(2, ParticipantType::Moderator);
const Participant kOwner = member(3, ParticipantType::Owner);
const Participant kGuest = member(4, ParticipantType::Guest);

TalkErrorKind kind_of(const TalkResult<Done>& r) {
    REQUIRE_FALSE(r);
    return r.error().kind;
}

}  // namespace

TEST_CASE("room policy: the lobby keeps non-moderators out until opened or timed out",
          "[backend][rooms]") {
    Room r = group();
    CHECK(check_read_chat(r, kUser, 100));
    r.lobby = LobbyState::NonModerators;
    CHECK(lobby_closed(r, 100));
    CHECK(kind_of(check_read_chat(r, kUser, 100)) == TalkErrorKind::LobbyActive);
    CHECK(kind_of(check_post_chat(r, kGuest, 100)) == TalkErrorKind::LobbyActive);
    CHECK(kind_of(check_join_call(r, kUser, 100)) == TalkErrorKind::LobbyActive);
    CHECK(check_read_chat(r, kMod, 100));
    CHECK(check_post_chat(r, kOwner, 100));
    const Participant ignores =
        member(5, ParticipantType::User,
               permission::kCustom | permission::kIgnoreLobby | permission::kChat);
    CHECK(check_post_chat(r, ignores, 100));
    CHECK_FALSE(lobby_timer_due(r, 100));

    r.lobby_timer_s = 200;
    CHECK(kind_of(check_read_chat(r, kUser, 199)) == TalkErrorKind::LobbyActive);
    CHECK_FALSE(lobby_timer_due(r, 199));
    CHECK(lobby_timer_due(r, 200));
    CHECK(check_read_chat(r, kUser, 200));  // the timer passed: open even before it is lifted
}

TEST_CASE("room policy: read-only stops posting and calls for everyone", "[backend][rooms]") {
    Room r = group();
    r.read_only = true;
    CHECK(check_read_chat(r, kUser, 0));
    CHECK(kind_of(check_post_chat(r, kUser, 0)) == TalkErrorKind::Forbidden);
    CHECK(kind_of(check_post_chat(r, kOwner, 0)) == TalkErrorKind::Forbidden);
    CHECK(kind_of(check_start_call(r, kMod, 0)) == TalkErrorKind::Forbidden);
    CHECK(kind_of(check_join_call(r, kUser, 0)) == TalkErrorKind::Forbidden);
}

TEST_CASE("room policy: the chat and call rights", "[backend][rooms]") {
    Room r = group();
    CHECK(check_post_chat(r, kUser, 0));
    CHECK(check_start_call(r, kGuest, 0));
    const Participant listener =
        member(6, ParticipantType::User, permission::kCustom | permission::kJoinCall);
    CHECK(kind_of(check_post_chat(r, listener, 0)) == TalkErrorKind::Forbidden);
    CHECK(kind_of(check_start_call(r, listener, 0)) == TalkErrorKind::Forbidden);
    CHECK(check_join_call(r, listener, 0));
    // Audio and video are dropped without the publishing rights; being in the call is not.
    CHECK(allowed_call_flags(r, listener, call_flag::kAll) ==
          (call_flag::kInCall | call_flag::kWithPhone));
    CHECK(allowed_call_flags(r, kUser, call_flag::kInCall | call_flag::kWithVideo) ==
          (call_flag::kInCall | call_flag::kWithVideo));
    CHECK(allowed_call_flags(r, kUser, 0xff) == call_flag::kAll);
}

TEST_CASE("room policy: settings are for moderators of group and public rooms",
          "[backend][rooms]") {
    Room r = group();
    CHECK(check_change_settings(r, kMod));
    CHECK(kind_of(check_change_settings(r, kUser)) == TalkErrorKind::Forbidden);
    r.type = RoomType::OneToOne;
    CHECK(kind_of(check_change_settings(r, kOwner)) == TalkErrorKind::InvalidInput);
    r.type = RoomType::Public;
    CHECK(check_change_type(r, kMod, RoomType::Group));
    CHECK(kind_of(check_change_type(r, kMod, RoomType::OneToOne)) == TalkErrorKind::InvalidInput);
    CHECK(check_moderator(member(7, ParticipantType::GuestModerator)));
    CHECK(kind_of(check_moderator(kGuest)) == TalkErrorKind::Forbidden);
}

TEST_CASE("room policy: promotion and demotion", "[backend][rooms]") {
    const Room r = group();
    CHECK(*promoted_type(r, kMod, kUser) == ParticipantType::Moderator);
    CHECK(*promoted_type(r, kMod, member(8, ParticipantType::UserSelfJoined)) ==
          ParticipantType::Moderator);
    CHECK(*promoted_type(r, kOwner, kGuest) == ParticipantType::GuestModerator);
    CHECK(promoted_type(r, kOwner, kMod).error().kind == TalkErrorKind::InvalidInput);
    CHECK(promoted_type(r, kUser, kGuest).error().kind == TalkErrorKind::Forbidden);

    CHECK(*demoted_type(r, kOwner, kMod) == ParticipantType::User);
    CHECK(*demoted_type(r, kMod, member(9, ParticipantType::GuestModerator)) ==
          ParticipantType::Guest);
    CHECK(demoted_type(r, kMod, kOwner).error().kind == TalkErrorKind::Forbidden);
    CHECK(demoted_type(r, kMod, kMod).error().kind == TalkErrorKind::InvalidInput);
    CHECK(demoted_type(r, kMod, kUser).error().kind == TalkErrorKind::InvalidInput);
}

TEST_CASE("room policy: leaving and removing", "[backend][rooms]") {
    Room r = group();
    CHECK(check_remove(r, kUser, kUser));  // leaving
    CHECK(kind_of(check_remove(r, kUser, kGuest)) == TalkErrorKind::Forbidden);
    CHECK(check_remove(r, kMod, kUser));
    CHECK(kind_of(check_remove(r, kMod, kOwner)) == TalkErrorKind::Forbidden);
    CHECK(check_remove(r, kOwner, member(10, ParticipantType::Owner)));
    r.type = RoomType::OneToOne;
    CHECK(kind_of(check_remove(r, kOwner, member(11, ParticipantType::Owner))) ==
          TalkErrorKind::InvalidInput);
}

TEST_CASE("room policy: Talk's status codes, in one place", "[backend][rooms]") {
    CHECK(talk_status(TalkErrorKind::InvalidInput) == 400);
    CHECK(talk_status(TalkErrorKind::Forbidden) == 403);
    CHECK(talk_status(TalkErrorKind::WrongPassword) == 403);
    CHECK(talk_status(TalkErrorKind::NotFound) == 404);
    CHECK(talk_status(TalkErrorKind::NotAComment) == 405);
    CHECK(talk_status(TalkErrorKind::LobbyActive) == 412);
    CHECK(talk_status(TalkErrorKind::TooLong) == 413);
    CHECK(talk_status(TalkErrorKind::TooMany) == 429);
    CHECK(talk_status(TalkErrorKind::Store) == 500);
}
