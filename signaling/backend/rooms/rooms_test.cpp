// Rooms over a real store: creation by type (names, one-to-one and note-to-self unique, both
// partners owners), membership, adding users, joining public rooms (password, guest and
// self-joined types), promotion and demotion, removal, settings (rename, public, password,
// lobby and its timer, read-only, default permissions, SIP with dial-in id and PINs), the call
// (start, join, leave, the last one out, ending for everyone), and the system message each
// change leaves.
#include "signaling/backend/rooms/permissions.hpp"
#include "signaling/backend/rooms/room_policy.hpp"
#include "signaling/backend/rooms/rooms.hpp"
#include "signaling/backend/rooms/rooms_test_support.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend;

namespace {

struct Fixture : RoomsFixture {
    Membership member(const Room& room, const NamedActor& who) {
        auto m = rooms.membership(room.token, who.actor);
        REQUIRE(m);
        return *m;
    }

    /// The newest message's system key.
    std::string last_system(const Room& room) {
        auto m = store->messages_before(room.id, INT64_MAX, 1);
        REQUIRE(m);
        REQUIRE(m->size() == 1);
        return (*m)[0].system_message;
    }

    Room group(const NamedActor& owner = kAlice, RoomType type = RoomType::Group) {
        auto r = rooms.create(owner, type, "Team", 100);
        REQUIRE(r);
        return r->room;
    }
};

}  // namespace

TEST_CASE("rooms: a group room has its creator as owner and says it was created",
          "[backend][rooms]") {
    Fixture f;
    auto made = f.rooms.create(kAlice, RoomType::Group, "Team", 100);
    REQUIRE(made);
    CHECK(made->created);
    CHECK(is_room_token(made->room.token));
    CHECK(made->room.name == "Team");
    CHECK(made->room.type == RoomType::Group);
    CHECK(made->room.last_message_id == 1);
    const Membership m = f.member(made->room, kAlice);
    CHECK(m.participant.type == ParticipantType::Owner);
    CHECK(m.participant.display_name == "Alice");
    CHECK(f.last_system(made->room) == "conversation_created");
    auto other = f.rooms.create(kAlice, RoomType::Group, "Team", 100);
    REQUIRE(other);
    CHECK(other->room.token != made->room.token);  // names need not be unique
}

TEST_CASE("rooms: creation rules", "[backend][rooms]") {
    Fixture f;
    CHECK(f.rooms.create(kAlice, RoomType::Group, "", 1).error().kind ==
          TalkErrorKind::InvalidInput);
    CHECK(f.rooms.create(kAlice, RoomType::Group, std::string(256, 'x'), 1).error().kind ==
          TalkErrorKind::InvalidInput);
    CHECK(f.rooms.create(kAlice, RoomType::Group, "a\nb", 1).error().kind ==
          TalkErrorKind::InvalidInput);
    CHECK(f.rooms.create(kAlice, RoomType::Changelog, "x", 1).error().kind ==
          TalkErrorKind::InvalidInput);
    CHECK(f.rooms.create(kAlice, RoomType::OneToOne, "x", 1).error().kind ==
          TalkErrorKind::InvalidInput);
    CHECK(f.rooms.create(kGuest, RoomType::Group, "x", 1).error().kind == TalkErrorKind::Forbidden);
    CHECK(f.rooms.create(kAlice, RoomType::Public, std::string(255, 'x'), 1));
}

TEST_CASE("rooms: one one-to-one room per pair, both owners", "[backend][rooms]") {
    Fixture f;
    auto first = f.rooms.one_to_one(kAlice, kBob, 100);
    REQUIRE(first);
    CHECK(first->created);
    CHECK(first->room.type == RoomType::OneToOne);
    auto again = f.rooms.one_to_one(kBob, kAlice, 200);
    REQUIRE(again);
    CHECK_FALSE(again->created);
    CHECK(again->room.id == first->room.id);
    const NamedActor shouting{Actor{ActorType::Users, "ALICE"}, "Alice"};
    CHECK(one_to_one_key("Bob", "ALICE") == one_to_one_key("alice", "bob"));
    CHECK(one_to_one_key("alice", "bob") == "alice\nbob");
    CHECK(f.member(first->room, kAlice).participant.type == ParticipantType::Owner);
    CHECK(f.member(first->room, kBob).participant.type == ParticipantType::Owner);
    CHECK(f.store->participants(first->room.id)->size() == 2);
    CHECK(f.store->room_by_id(first->room.id)->last_message_id == 1);  // created once

    CHECK(f.rooms.one_to_one(kAlice, shouting, 1).error().kind == TalkErrorKind::InvalidInput);
    CHECK(f.rooms.one_to_one(kAlice, kGuest, 1).error().kind == TalkErrorKind::InvalidInput);
    auto other_pair = f.rooms.one_to_one(kAlice, kCarol, 100);
    REQUIRE(other_pair);
    CHECK(other_pair->room.id != first->room.id);
}

TEST_CASE("rooms: one note-to-self room per user", "[backend][rooms]") {
    Fixture f;
    auto note = f.rooms.create(kAlice, RoomType::NoteToSelf, "", 100);
    REQUIRE(note);
    CHECK(note->created);
    CHECK(note->room.type == RoomType::NoteToSelf);
    auto again = f.rooms.create(kAlice, RoomType::NoteToSelf, "", 100);
    REQUIRE(again);
    CHECK_FALSE(again->created);
    CHECK(again->room.id == note->room.id);
    CHECK(f.rooms.create(kBob, RoomType::NoteToSelf, "", 100)->room.id != note->room.id);
}

TEST_CASE("rooms: membership, adding users, removing them", "[backend][rooms]") {
    Fixture f;
    const Room room = f.group();
    CHECK(f.rooms.membership(room.token, kBob.actor).error().kind == TalkErrorKind::NotFound);
    CHECK(f.rooms.membership("zzzzzzzz", kAlice.actor).error().kind == TalkErrorKind::NotFound);
    CHECK(f.rooms.membership("bad token", kAlice.actor).error().kind == TalkErrorKind::NotFound);

    const Membership alice = f.member(room, kAlice);
    auto bob = f.rooms.add_user(alice, kBob, 110);
    REQUIRE(bob);
    CHECK(bob->type == ParticipantType::User);
    CHECK(f.last_system(room) == "user_added");
    CHECK(f.rooms.add_user(alice, kBob, 111)->id == bob->id);  // once
    CHECK(f.rooms.add_user(alice, kGuest, 111).error().kind == TalkErrorKind::InvalidInput);

    const Membership as_bob = f.member(room, kBob);
    CHECK(f.rooms.add_user(as_bob, kCarol, 120).error().kind == TalkErrorKind::Forbidden);
    CHECK(f.rooms.remove(as_bob, alice.participant.id, 120).error().kind ==
          TalkErrorKind::Forbidden);
    CHECK(f.rooms.remove(alice, 9999, 120).error().kind == TalkErrorKind::NotFound);
    REQUIRE(f.rooms.remove(alice, bob->id, 130));
    CHECK(f.last_system(room) == "user_removed");
    CHECK(f.rooms.membership(room.token, kBob.actor).error().kind == TalkErrorKind::NotFound);
}

TEST_CASE("rooms: public rooms are joined by the link, with the password", "[backend][rooms]") {
    Fixture f;
    const Room closed = f.group();
    CHECK(f.rooms.join_public(closed.token, kGuest, "", 1).error().kind == TalkErrorKind::NotFound);

    const Room open = f.group(kAlice, RoomType::Public);
    auto set = f.rooms.set_password(f.member(open, kAlice), "s3cret pass", 150);
    REQUIRE(set);
    CHECK(set->password_hash.rfind("$argon2id$", 0) == 0);
    CHECK(f.last_system(open) == "password_set");

    CHECK(f.rooms.join_public(open.token, kGuest, "wrong", 160).error().kind ==
          TalkErrorKind::WrongPassword);
    auto guest = f.rooms.join_public(open.token, kGuest, "s3cret pass", 160);
    REQUIRE(guest);
    CHECK(guest->type == ParticipantType::Guest);
    CHECK(guest->display_name == "Visitor");
    auto bob = f.rooms.join_public(open.token, kBob, "s3cret pass", 170);
    REQUIRE(bob);
    CHECK(bob->type == ParticipantType::UserSelfJoined);
    // Joining again (a reload) gives the same participant, password or not.
    CHECK(f.rooms.join_public(open.token, kGuest, "", 180)->id == guest->id);

    REQUIRE(f.rooms.set_password(f.member(open, kAlice), "", 190));
    CHECK(f.last_system(open) == "password_removed");
    CHECK(f.rooms.join_public(open.token, kCarol, "", 200));
    CHECK(f.rooms.set_password(f.member(closed, kAlice), "pw", 1).error().kind ==
          TalkErrorKind::InvalidInput);
}

TEST_CASE("rooms: promotion and demotion leave their messages", "[backend][rooms]") {
    Fixture f;
    const Room room = f.group(kAlice, RoomType::Public);
    const Membership alice = f.member(room, kAlice);
    auto bob = f.rooms.add_user(alice, kBob, 110);
    auto guest = f.rooms.join_public(room.token, kGuest, "", 111);
    REQUIRE((bob && guest));

    auto promoted = f.rooms.promote(alice, bob->id, 120);
    REQUIRE(promoted);
    CHECK(promoted->type == ParticipantType::Moderator);
    CHECK(f.last_system(room) == "moderator_promoted");
    auto guest_mod = f.rooms.promote(alice, guest->id, 121);
    REQUIRE(guest_mod);
    CHECK(guest_mod->type == ParticipantType::GuestModerator);
    CHECK(f.last_system(room) == "guest_moderator_promoted");

    const Membership as_bob = f.member(room, kBob);
    CHECK(f.rooms.demote(as_bob, alice.participant.id, 130).error().kind ==
          TalkErrorKind::Forbidden);  // the owner
    auto demoted = f.rooms.demote(alice, bob->id, 131);
    REQUIRE(demoted);
    CHECK(demoted->type == ParticipantType::User);
    CHECK(f.last_system(room) == "moderator_demoted");
    CHECK(f.rooms.demote(alice, bob->id, 132).error().kind == TalkErrorKind::InvalidInput);
}

TEST_CASE("rooms: settings change with their messages, by moderators only", "[backend][rooms]") {
    Fixture f;
    const Room room = f.group();
    const Membership alice = f.member(room, kAlice);
    REQUIRE(f.rooms.add_user(alice, kBob, 101));
    const Membership bob = f.member(room, kBob);

    CHECK(f.rooms.rename(bob, "Mine", 110).error().kind == TalkErrorKind::Forbidden);
    auto renamed = f.rooms.rename(alice, "Renamed", 110);
    REQUIRE(renamed);
    CHECK(renamed->name == "Renamed");
    CHECK(f.last_system(room) == "conversation_renamed");

    auto described = f.rooms.set_description(f.member(room, kAlice), "what we do", 111);
    REQUIRE(described);
    CHECK(described->description == "what we do");
    CHECK(f.last_system(room) == "description_set");

    auto made_public = f.rooms.set_public(f.member(room, kAlice), true, 112);
    REQUIRE(made_public);
    CHECK(made_public->type == RoomType::Public);
    CHECK(f.last_system(room) == "guests_allowed");

    auto locked = f.rooms.set_read_only(f.member(room, kAlice), true, 113);
    REQUIRE(locked);
    CHECK(locked->read_only);
    CHECK(f.last_system(room) == "read_only");
    const int64_t before = f.store->room_by_id(room.id)->last_message_id;
    REQUIRE(f.rooms.set_read_only(f.member(room, kAlice), true, 114));  // no change: no message
    CHECK(f.store->room_by_id(room.id)->last_message_id == before);

    const uint32_t chat_only = permission::kCustom | permission::kChat;
    auto defaults = f.rooms.set_default_permissions(f.member(room, kAlice), chat_only);
    REQUIRE(defaults);
    CHECK(defaults->default_permissions == chat_only);
    CHECK(f.rooms.set_default_permissions(f.member(room, kAlice), 128).error().kind ==
          TalkErrorKind::InvalidInput);
    auto own = f.rooms.set_permissions(f.member(room, kAlice), bob.participant.id,
                                       permission::kCustom | permission::kJoinCall);
    REQUIRE(own);
    CHECK(own->permissions == (permission::kCustom | permission::kJoinCall));
}

TEST_CASE("rooms: the lobby and its timer", "[backend][rooms]") {
    Fixture f;
    const Room room = f.group();
    const Membership alice = f.member(room, kAlice);
    REQUIRE(f.rooms.add_user(alice, kBob, 101));

    auto closed = f.rooms.set_lobby(alice, LobbyState::NonModerators, 500, 110);
    REQUIRE(closed);
    CHECK(closed->lobby == LobbyState::NonModerators);
    CHECK(closed->lobby_timer_s == 500);
    CHECK(f.last_system(room) == "lobby_non_moderators");
    const Membership bob = f.member(room, kBob);
    CHECK(check_read_chat(bob.room, bob.participant, 499).error().kind ==
          TalkErrorKind::LobbyActive);

    auto early = f.rooms.open_lobby_if_due(bob.room, 499);
    REQUIRE(early);
    CHECK(early->lobby == LobbyState::NonModerators);
    auto due = f.rooms.open_lobby_if_due(bob.room, 500);
    REQUIRE(due);
    CHECK(due->lobby == LobbyState::AllParticipants);
    CHECK_FALSE(due->lobby_timer_s);
    CHECK(f.last_system(room) == "lobby_timer_reached");
    CHECK(check_read_chat(*due, bob.participant, 501));
    // A request that loaded the room before it was opened opens nothing and says nothing.
    const int64_t messages = f.store->room_by_id(room.id)->last_message_id;
    auto late = f.rooms.open_lobby_if_due(bob.room, 502);
    REQUIRE(late);
    CHECK(late->lobby == LobbyState::AllParticipants);
    CHECK(f.store->room_by_id(room.id)->last_message_id == messages);

    CHECK(
        f.rooms.set_lobby(f.member(room, kAlice), LobbyState::AllParticipants, 5, 1).error().kind ==
        TalkErrorKind::InvalidInput);
}

TEST_CASE("rooms: SIP gives a dial-in id and PINs to users", "[backend][rooms]") {
    Fixture f;
    const Room room = f.group();
    const Membership alice = f.member(room, kAlice);
    REQUIRE(f.rooms.add_user(alice, kBob, 101));
    auto sip = f.rooms.set_sip(alice, SipState::Pin);
    REQUIRE(sip);
    CHECK(sip->sip == SipState::Pin);
    REQUIRE(sip->dial_in_id);
    CHECK(is_phone_digits(*sip->dial_in_id, kDialInIdLen));
    CHECK(f.store->room_by_dial_in_id(*sip->dial_in_id)->id == room.id);
    auto people = f.store->participants(room.id);
    REQUIRE(people);
    for (const Participant& p : *people) {
        REQUIRE(p.pin);
        CHECK(is_phone_digits(*p.pin, kPinLen));
        CHECK(f.store->participant_by_pin(room.id, *p.pin)->id == p.id);
    }
    // A user added later gets one too; the dial-in id stays.
    auto carol = f.rooms.add_user(f.member(room, kAlice), kCarol, 102);
    REQUIRE(carol);
    CHECK(carol->pin);
    auto off = f.rooms.set_sip(f.member(room, kAlice), SipState::Disabled);
    REQUIRE(off);
    CHECK(off->dial_in_id == sip->dial_in_id);
}

TEST_CASE("rooms: the call starts, is joined, left, and ends with the last one",
          "[backend][rooms]") {
    Fixture f;
    const Room room = f.group();
    REQUIRE(f.rooms.add_user(f.member(room, kAlice), kBob, 101));

    auto alice = f.rooms.join_call(f.member(room, kAlice),
                                   call_flag::kWithAudio | call_flag::kWithVideo, 200);
    REQUIRE(alice);
    CHECK(alice->participant.in_call ==
          (call_flag::kInCall | call_flag::kWithAudio | call_flag::kWithVideo));
    CHECK(alice->participant.in_call_since_s == 200);
    CHECK(alice->room.call_started_s == 200);
    CHECK(f.last_system(room) == "call_started");
    CHECK(f.store->room_by_id(room.id)->call_started_s == 200);

    auto bob = f.rooms.join_call(f.member(room, kBob), call_flag::kWithAudio, 210);
    REQUIRE(bob);
    CHECK(f.last_system(room) == "call_joined");
    CHECK(f.store->room_by_id(room.id)->call_started_s == 200);

    auto left = f.rooms.leave_call(f.member(room, kBob), 220);
    REQUIRE(left);
    CHECK(left->participant.in_call == 0);
    CHECK(f.last_system(room) == "call_left");
    CHECK(f.store->room_by_id(room.id)->call_started_s == 200);
    CHECK(f.store->room_by_id(room.id)->call_flags ==
          (call_flag::kInCall | call_flag::kWithAudio | call_flag::kWithVideo));

    REQUIRE(f.rooms.leave_call(f.member(room, kAlice), 230));
    CHECK(f.last_system(room) == "call_ended");
    auto after = f.store->room_by_id(room.id);
    CHECK_FALSE(after->call_started_s);
    CHECK(after->call_flags == 0);
}

TEST_CASE("rooms: a moderator ends the call for everyone; rights apply", "[backend][rooms]") {
    Fixture f;
    const Room room = f.group();
    const Membership alice = f.member(room, kAlice);
    auto bob_p = f.rooms.add_user(alice, kBob, 101);
    REQUIRE(bob_p);
    REQUIRE(f.rooms.set_permissions(alice, bob_p->id, permission::kCustom | permission::kJoinCall));
    CHECK(f.rooms.join_call(f.member(room, kBob), call_flag::kWithAudio, 150).error().kind ==
          TalkErrorKind::Forbidden);  // may join, not start
    REQUIRE(f.rooms.join_call(f.member(room, kAlice), 0, 200));
    auto bob = f.rooms.join_call(f.member(room, kBob), call_flag::kWithAudio, 210);
    REQUIRE(bob);
    CHECK(bob->participant.in_call == call_flag::kInCall);  // no audio without the right

    CHECK(f.rooms.end_call_for_everyone(f.member(room, kBob), 220).error().kind ==
          TalkErrorKind::Forbidden);
    auto ended = f.rooms.end_call_for_everyone(f.member(room, kAlice), 230);
    REQUIRE(ended);
    CHECK_FALSE(ended->call_started_s);
    CHECK(f.last_system(room) == "call_ended_everyone");
    auto people = f.store->participants(room.id);
    REQUIRE(people);
    for (const Participant& p : *people) {
        CHECK(p.in_call == 0);
    }
}
