// The Store contract for rooms and participants (store.hpp), on every implementation: rooms by
// token, id, dial-in id and one-to-one key; the unique keys; settings and call state written
// and read back; participants with their types, permissions, call flags, sessions and PINs;
// the rooms of an actor; removal cascading to participants and chat.
#include "signaling/backend/store/store_suite_test_support.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace tern::sig::backend;

namespace {

NewRoom new_room(const std::string& token, RoomType type = RoomType::Group) {
    NewRoom r;
    r.token = token;
    r.type = type;
    r.name = "Room " + token;
    r.created_s = 1000;
    return r;
}

NewParticipant new_participant(RoomId room, const std::string& user,
                               ParticipantType type = ParticipantType::User) {
    NewParticipant p;
    p.room = room;
    p.actor = Actor{ActorType::Users, user};
    p.display_name = "Display " + user;
    p.type = type;
    p.joined_s = 1100;
    return p;
}

}  // namespace

TEST_CASE("store rooms: added and found by token, id, dial-in id and pair", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);

    NewRoom n = new_room("abcd1234", RoomType::Public);
    n.description = "about";
    n.password_hash = "$argon2id$pw";
    n.default_permissions = 128 | 1;
    n.dial_in_id = "1234567890";
    auto room = store->add_room(n);
    REQUIRE(room);
    CHECK(room->token == "abcd1234");
    CHECK(room->type == RoomType::Public);
    CHECK(room->name == "Room abcd1234");
    CHECK(room->description == "about");
    CHECK(room->password_hash == "$argon2id$pw");
    CHECK(room->default_permissions == 129);
    CHECK(room->lobby == LobbyState::AllParticipants);
    CHECK_FALSE(room->read_only);
    CHECK(room->last_message_id == 0);
    CHECK(room->created_s == 1000);
    CHECK(room->last_activity_s == 1000);
    CHECK_FALSE(room->one_to_one_key);

    CHECK(store->room_by_token("abcd1234")->id == room->id);
    CHECK(store->room_by_id(room->id)->token == "abcd1234");
    CHECK(store->room_by_dial_in_id("1234567890")->id == room->id);
    CHECK(store->room_by_token("nope0000").error().kind == StoreErrorKind::NotFound);
    CHECK(store->room_by_id(RoomId{9999}).error().kind == StoreErrorKind::NotFound);

    NewRoom pair = new_room("pair0001", RoomType::OneToOne);
    pair.one_to_one_key = "alice\nbob";
    auto one = store->add_room(pair);
    REQUIRE(one);
    CHECK(store->room_by_one_to_one_key("alice\nbob")->id == one->id);
    CHECK(store->room_by_one_to_one_key("alice\ncarol").error().kind == StoreErrorKind::NotFound);
}

TEST_CASE("store rooms: token, dial-in id and pair are unique", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    NewRoom a = new_room("aaaa0000");
    a.dial_in_id = "555";
    a.one_to_one_key = "x\ny";
    REQUIRE(store->add_room(a));

    auto same_token = store->add_room(new_room("aaaa0000"));
    REQUIRE_FALSE(same_token);
    CHECK(same_token.error().kind == StoreErrorKind::Conflict);
    CHECK_THAT(same_token.error().message, Catch::Contains("aaaa0000"));

    NewRoom b = new_room("bbbb0000");
    b.dial_in_id = "555";
    CHECK(store->add_room(b).error().kind == StoreErrorKind::Conflict);
    b.dial_in_id.reset();
    b.one_to_one_key = "x\ny";
    CHECK(store->add_room(b).error().kind == StoreErrorKind::Conflict);
    // Rooms without a dial-in id or a pair do not collide with each other.
    REQUIRE(store->add_room(new_room("cccc0000")));
    REQUIRE(store->add_room(new_room("dddd0000")));

    auto d = store->room_by_token("dddd0000");
    REQUIRE(d);
    d->dial_in_id = "555";
    CHECK(store->update_room(*d).error().kind == StoreErrorKind::Conflict);
}

TEST_CASE("store rooms: settings are written and read back; the call and activity are not",
          "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    auto room = store->add_room(new_room("set00000"));
    REQUIRE(room);
    Room r = *room;
    r.type = RoomType::Public;
    r.name = "renamed";
    r.description = "new description";
    r.password_hash = "$argon2id$x";
    r.default_permissions = 1 | 4 | 16;
    r.lobby = LobbyState::NonModerators;
    r.lobby_timer_s = 5000;
    r.read_only = true;
    r.sip = SipState::Pin;
    r.dial_in_id = "987654321";
    r.call_flags = 7;          // set_in_call's
    r.call_started_s = 4000;   // set_in_call's
    r.last_activity_s = 4000;  // posting's
    r.token = "ignored0";      // never written
    REQUIRE(store->update_room(r));

    auto back = store->room_by_id(room->id);
    REQUIRE(back);
    CHECK(back->token == "set00000");
    CHECK(back->type == RoomType::Public);
    CHECK(back->name == "renamed");
    CHECK(back->description == "new description");
    CHECK(back->password_hash == "$argon2id$x");
    CHECK(back->default_permissions == 21);
    CHECK(back->lobby == LobbyState::NonModerators);
    CHECK(back->lobby_timer_s == 5000);
    CHECK(back->read_only);
    CHECK(back->sip == SipState::Pin);
    CHECK(back->dial_in_id == "987654321");
    CHECK(back->call_flags == 0);
    CHECK_FALSE(back->call_started_s);
    CHECK(back->last_activity_s == 1000);

    back->lobby_timer_s.reset();
    back->dial_in_id.reset();
    back->read_only = false;
    REQUIRE(store->update_room(*back));
    auto cleared = store->room_by_id(room->id);
    CHECK_FALSE(cleared->lobby_timer_s);
    CHECK_FALSE(cleared->dial_in_id);
    CHECK_FALSE(cleared->read_only);

    r.id = RoomId{9999};
    r.dial_in_id.reset();
    CHECK(store->update_room(r).error().kind == StoreErrorKind::NotFound);
}

TEST_CASE("store rooms: participants are added, found, updated and removed", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    auto room = store->add_room(new_room("part0000"));
    REQUIRE(room);

    NewParticipant owner = new_participant(room->id, "alice", ParticipantType::Owner);
    owner.pin = "1234567";
    auto a = store->add_participant(owner);
    REQUIRE(a);
    CHECK(a->room == room->id);
    CHECK(a->actor == Actor{ActorType::Users, "alice"});
    CHECK(a->display_name == "Display alice");
    CHECK(a->type == ParticipantType::Owner);
    CHECK(a->permissions == 0);
    CHECK(a->in_call == 0);
    CHECK_FALSE(a->session_id);
    CHECK(a->pin == "1234567");
    CHECK(a->joined_s == 1100);

    NewParticipant guest;
    guest.room = room->id;
    guest.actor = Actor{ActorType::Guests, "g-1"};
    guest.type = ParticipantType::Guest;
    auto g = store->add_participant(guest);
    REQUIRE(g);
    CHECK(g->id != a->id);

    auto again = store->add_participant(new_participant(room->id, "alice"));
    REQUIRE_FALSE(again);
    CHECK(again.error().kind == StoreErrorKind::Conflict);
    NewParticipant same_pin = new_participant(room->id, "bob");
    same_pin.pin = "1234567";
    CHECK(store->add_participant(same_pin).error().kind == StoreErrorKind::Conflict);
    CHECK(store->add_participant(new_participant(RoomId{9999}, "bob")).error().kind ==
          StoreErrorKind::NotFound);

    CHECK(store->participant(room->id, Actor{ActorType::Users, "alice"})->id == a->id);
    CHECK(store->participant(room->id, Actor{ActorType::Guests, "alice"}).error().kind ==
          StoreErrorKind::NotFound);
    CHECK(store->participant_by_id(g->id)->actor.type == ActorType::Guests);
    CHECK(store->participant_by_pin(room->id, "1234567")->id == a->id);
    CHECK(store->participant_by_pin(room->id, "7654321").error().kind == StoreErrorKind::NotFound);

    Participant joined = *g;
    joined.display_name = "Guest One";
    joined.type = ParticipantType::GuestModerator;
    joined.permissions = 1 | 2 | 4;
    joined.in_call = 1 | 2;  // set_in_call's, not written here
    joined.session_id = "session-g1";
    REQUIRE(store->update_participant(joined));
    auto s = store->participant_by_session("session-g1");
    REQUIRE(s);
    CHECK(s->id == g->id);
    CHECK(s->display_name == "Guest One");
    CHECK(s->type == ParticipantType::GuestModerator);
    CHECK(s->permissions == 7);
    CHECK(s->in_call == 0);

    Participant other = *a;
    other.session_id = "session-g1";
    CHECK(store->update_participant(other).error().kind == StoreErrorKind::Conflict);

    auto list = store->participants(room->id);
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK((*list)[0].id == a->id);
    CHECK((*list)[1].id == g->id);

    REQUIRE(store->remove_participant(g->id));
    CHECK(store->remove_participant(g->id).error().kind == StoreErrorKind::NotFound);
    CHECK(store->participants(room->id)->size() == 1);
}

TEST_CASE("store rooms: an actor's rooms, and removal takes everything with the room",
          "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    auto r1 = store->add_room(new_room("zzzz0001"));
    auto r2 = store->add_room(new_room("aaaa0002"));
    auto r3 = store->add_room(new_room("mmmm0003"));
    REQUIRE((r1 && r2 && r3));
    for (const auto& r : {*r1, *r2}) {
        REQUIRE(store->add_participant(new_participant(r.id, "alice")));
    }
    REQUIRE(store->add_participant(new_participant(r3->id, "bob")));

    auto mine = store->rooms_of(Actor{ActorType::Users, "alice"});
    REQUIRE(mine);
    REQUIRE(mine->size() == 2);
    CHECK((*mine)[0].token == "aaaa0002");
    CHECK((*mine)[1].token == "zzzz0001");
    CHECK(store->rooms_of(Actor{ActorType::Guests, "alice"})->empty());

    NewChatMessage m;
    m.room = r1->id;
    m.actor = Actor{ActorType::Users, "alice"};
    m.message = "hello @bob";
    m.mentions = {ChatMention{Actor{ActorType::Users, "bob"}}};
    auto posted = store->post_message(m);
    REQUIRE(posted);
    REQUIRE(store->add_reaction(
        Reaction{r1->id, posted->id, Actor{ActorType::Users, "alice"}, "", "👍", 1}));

    REQUIRE(store->remove_room(r1->id));
    CHECK(store->remove_room(r1->id).error().kind == StoreErrorKind::NotFound);
    CHECK(store->room_by_token("zzzz0001").error().kind == StoreErrorKind::NotFound);
    CHECK(store->rooms_of(Actor{ActorType::Users, "alice"})->size() == 1);
    CHECK(store->message(r1->id, posted->id).error().kind == StoreErrorKind::NotFound);
    CHECK(store->reactions(r1->id, posted->id)->empty());
    // The token is free again; the new room is another one with its own message ids.
    auto again = store->add_room(new_room("zzzz0001"));
    REQUIRE(again);
    CHECK(again->id != r1->id);
    CHECK(again->last_message_id == 0);
}

TEST_CASE("store rooms: the call starts with the first one in and ends with the last one out",
          "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    auto room = store->add_room(new_room("call0000"));
    REQUIRE(room);
    auto a = store->add_participant(new_participant(room->id, "alice"));
    auto b = store->add_participant(new_participant(room->id, "bob"));
    REQUIRE((a && b));

    auto first = store->set_in_call(a->id, 1 | 2, 5000);
    REQUIRE(first);
    CHECK(first->started);
    CHECK_FALSE(first->ended);
    CHECK(first->previous_flags == 0);
    CHECK(first->participant.in_call == 3);
    CHECK(first->participant.in_call_since_s == 5000);
    CHECK(first->room.call_started_s == 5000);
    CHECK(first->room.call_flags == 3);
    CHECK(first->room.last_activity_s == 5000);

    auto second = store->set_in_call(b->id, 1 | 4, 5010);
    REQUIRE(second);
    CHECK_FALSE(second->started);
    CHECK(second->room.call_flags == 7);
    CHECK(second->room.call_started_s == 5000);
    auto again = store->set_in_call(a->id, 1, 5020);  // flags change, still in: since kept
    REQUIRE(again);
    CHECK(again->previous_flags == 3);
    CHECK(again->participant.in_call_since_s == 5000);
    CHECK(again->room.call_flags == 5);

    auto left = store->set_in_call(a->id, 0, 5030);
    REQUIRE(left);
    CHECK_FALSE(left->ended);
    CHECK_FALSE(left->participant.in_call_since_s);
    CHECK(left->room.call_flags == 5);
    auto last = store->set_in_call(b->id, 0, 5040);
    REQUIRE(last);
    CHECK(last->ended);
    CHECK_FALSE(last->room.call_started_s);
    auto stored = store->room_by_id(room->id);
    CHECK(stored->call_flags == 0);
    CHECK_FALSE(stored->call_started_s);
    CHECK(store->participant_by_id(b->id)->in_call == 0);
    CHECK(store->set_in_call(9999, 1, 1).error().kind == StoreErrorKind::NotFound);

    REQUIRE(store->set_in_call(a->id, 1, 6000));
    REQUIRE(store->set_in_call(b->id, 1, 6001));
    CHECK(*store->end_call(room->id));
    CHECK_FALSE(*store->end_call(room->id));
    CHECK_FALSE(store->room_by_id(room->id)->call_started_s);
    CHECK(store->participant_by_id(a->id)->in_call == 0);
    CHECK_FALSE(store->participant_by_id(b->id)->in_call_since_s);
}

TEST_CASE("store rooms: two writers joining and leaving at once leave no call behind",
          "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto setup = open_store(f, dir);
    auto room = setup->add_room(new_room("race0000"));
    REQUIRE(room);
    auto a = setup->add_participant(new_participant(room->id, "alice"));
    auto b = setup->add_participant(new_participant(room->id, "bob"));
    REQUIRE((a && b));
    constexpr int kRounds = 25;
    auto toggler = [&](int64_t participant, int& starts, int& ends, bool& ok) {
        auto s = f.open(dir.path());
        if (!s) {
            return;
        }
        for (int i = 0; i < kRounds; ++i) {
            auto in = (*s)->set_in_call(participant, 1, i);
            auto out = (*s)->set_in_call(participant, 0, i);
            if (!in || !out) {
                return;
            }
            starts += in->started ? 1 : 0;
            ends += out->ended ? 1 : 0;
        }
        ok = true;
    };
    int starts_a = 0, ends_a = 0, starts_b = 0, ends_b = 0;
    bool ok_a = false, ok_b = false;
    std::thread ta(toggler, a->id, std::ref(starts_a), std::ref(ends_a), std::ref(ok_a));
    std::thread tb(toggler, b->id, std::ref(starts_b), std::ref(ends_b), std::ref(ok_b));
    ta.join();
    tb.join();
    REQUIRE((ok_a && ok_b));
    // Every call that started ended, once: the room is left without one.
    CHECK(starts_a + starts_b == ends_a + ends_b);
    CHECK(starts_a + starts_b >= 1);
    auto after = setup->room_by_id(room->id);
    REQUIRE(after);
    CHECK_FALSE(after->call_started_s);
    CHECK(after->call_flags == 0);
}

TEST_CASE("store rooms: a room is created with its owners and first message, or not at all",
          "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    NewChatMessage created;
    created.actor = Actor{ActorType::Users, "alice"};
    created.message = "{actor} created the conversation";
    created.message_type = "system";
    created.system_message = "conversation_created";
    created.created_s = 1000;
    const std::vector<NewParticipant> owners{
        new_participant(RoomId{}, "alice", ParticipantType::Owner),
        new_participant(RoomId{}, "bob", ParticipantType::Owner)};

    NewRoom pair = new_room("crea0000", RoomType::OneToOne);
    pair.one_to_one_key = "alice\nbob";
    auto room = store->create_room(pair, owners, created);
    REQUIRE(room);
    CHECK(room->last_message_id == 1);
    auto people = store->participants(room->id);
    REQUIRE(people);
    REQUIRE(people->size() == 2);
    CHECK((*people)[0].type == ParticipantType::Owner);
    CHECK((*people)[1].actor.id == "bob");
    auto first = store->message(room->id, 1);
    REQUIRE(first);
    CHECK(first->system_message == "conversation_created");

    // The same pair again: a conflict, and nothing of the second attempt stays.
    pair.token = "crea0001";
    CHECK(store->create_room(pair, owners, created).error().kind == StoreErrorKind::Conflict);
    CHECK(store->room_by_token("crea0001").error().kind == StoreErrorKind::NotFound);
    // A failure after the room's row (the same member twice) takes the row back too.
    const std::vector<NewParticipant> twice{new_participant(RoomId{}, "carol"),
                                            new_participant(RoomId{}, "carol")};
    CHECK(store->create_room(new_room("crea0002"), twice, created).error().kind ==
          StoreErrorKind::Conflict);
    CHECK(store->room_by_token("crea0002").error().kind == StoreErrorKind::NotFound);
    CHECK(store->rooms_of(Actor{ActorType::Users, "carol"})->empty());
}

TEST_CASE("store rooms: the lobby timer opens the lobby once", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    auto room = store->add_room(new_room("lobb0000"));
    REQUIRE(room);
    CHECK_FALSE(*store->open_lobby_if_due(room->id, 9999));  // no lobby
    Room r = *room;
    r.lobby = LobbyState::NonModerators;
    REQUIRE(store->update_room(r));
    CHECK_FALSE(*store->open_lobby_if_due(room->id, 9999));  // no timer: only by hand
    r.lobby_timer_s = 500;
    REQUIRE(store->update_room(r));
    CHECK_FALSE(*store->open_lobby_if_due(room->id, 499));
    CHECK(*store->open_lobby_if_due(room->id, 500));
    CHECK_FALSE(*store->open_lobby_if_due(room->id, 501));  // the second one finds it open
    auto after = store->room_by_id(room->id);
    CHECK(after->lobby == LobbyState::AllParticipants);
    CHECK_FALSE(after->lobby_timer_s);
}
