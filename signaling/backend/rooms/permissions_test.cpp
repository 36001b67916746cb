// Talk's permission chain: moderators may do everything; else the participant's own bits, the
// room's default, Talk's default (everything but ignoring the lobby); which values are valid.
#include "signaling/backend/rooms/permissions.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend;

namespace {

Participant of_type(ParticipantType type, uint32_t bits = 0) {
    Participant p;
    p.type = type;
    p.permissions = bits;
    return p;
}

}  // namespace

TEST_CASE("permissions: the bits are Talk's", "[backend][rooms]") {
    CHECK(permission::kStartCall == 2);
    CHECK(permission::kJoinCall == 4);
    CHECK(permission::kIgnoreLobby == 8);
    CHECK(permission::kPublishAudio == 16);
    CHECK(permission::kPublishVideo == 32);
    CHECK(permission::kPublishScreen == 64);
    CHECK(permission::kChat == 128);
    CHECK(permission::kAll == 254);
}

TEST_CASE("permissions: moderators and guests by type", "[backend][rooms]") {
    CHECK(is_moderator(ParticipantType::Owner));
    CHECK(is_moderator(ParticipantType::Moderator));
    CHECK(is_moderator(ParticipantType::GuestModerator));
    CHECK_FALSE(is_moderator(ParticipantType::User));
    CHECK_FALSE(is_moderator(ParticipantType::Guest));
    CHECK_FALSE(is_moderator(ParticipantType::UserSelfJoined));
    CHECK(is_guest(ParticipantType::Guest));
    CHECK(is_guest(ParticipantType::GuestModerator));
    CHECK_FALSE(is_guest(ParticipantType::User));
}

TEST_CASE("permissions: the chain from participant to room to Talk's default", "[backend][rooms]") {
    Room room;
    const uint32_t chat_only = permission::kCustom | permission::kChat;
    const uint32_t call_only = permission::kCustom | permission::kJoinCall;

    CHECK(effective_permissions(room, of_type(ParticipantType::User)) ==
          (permission::kAll & ~permission::kIgnoreLobby));
    room.default_permissions = chat_only;
    CHECK(effective_permissions(room, of_type(ParticipantType::User)) == chat_only);
    CHECK(effective_permissions(room, of_type(ParticipantType::Guest, call_only)) == call_only);
    // Moderators, whatever is set.
    CHECK(effective_permissions(room, of_type(ParticipantType::Moderator, call_only)) ==
          permission::kAll);
    CHECK(effective_permissions(room, of_type(ParticipantType::GuestModerator)) ==
          permission::kAll);
    // kCustom alone: nothing allowed, on purpose.
    CHECK(effective_permissions(room, of_type(ParticipantType::User, permission::kCustom)) ==
          permission::kCustom);
}

TEST_CASE("permissions: valid values", "[backend][rooms]") {
    CHECK(valid_permissions(0));
    CHECK(valid_permissions(1));
    CHECK(valid_permissions(255));
    CHECK(valid_permissions(1 | 128));
    CHECK_FALSE(valid_permissions(128));  // rights without kCustom
    CHECK_FALSE(valid_permissions(256 | 1));
}
