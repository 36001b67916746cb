// The Store contract for chat (store.hpp), on every implementation: ids per room counting from
// 1 in commit order (also with two writers at once), history pages both ways, replies, edits,
// deletions (taking mentions and reactions along), reactions, read markers and the unread and
// mention counts, and that everything is there after reopening.
#include "signaling/backend/store/store_suite_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <thread>

using namespace tern::sig::backend;

namespace {

const Actor kAlice{ActorType::Users, "alice"};
const Actor kBob{ActorType::Users, "bob"};
const Actor kGuest{ActorType::Guests, "g-1"};

RoomId add_room(Store& store, const std::string& token) {
    NewRoom r;
    r.token = token;
    r.created_s = 100;
    auto room = store.add_room(r);
    REQUIRE(room);
    return room->id;
}

int64_t add_participant(Store& store, RoomId room, const Actor& actor) {
    NewParticipant p;
    p.room = room;
    p.actor = actor;
    p.type = actor.type == ActorType::Guests ? ParticipantType::Guest : ParticipantType::User;
    auto added = store.add_participant(p);
    REQUIRE(added);
    return added->id;
}

NewChatMessage comment(RoomId room, const Actor& actor, const std::string& text,
                       int64_t at = 1000) {
    NewChatMessage m;
    m.room = room;
    m.actor = actor;
    m.actor_display_name = actor.id;
    m.created_s = at;
    m.message = text;
    return m;
}

ChatMessage post(Store& store, const NewChatMessage& m) {
    auto posted = store.post_message(m);
    INFO((posted ? std::string() : posted.error().message));
    REQUIRE(posted);
    return *posted;
}

}  // namespace

TEST_CASE("store chat: ids count per room from 1, fields come back", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    const RoomId a = add_room(*store, "chat000a");
    const RoomId b = add_room(*store, "chat000b");

    NewChatMessage first = comment(a, kAlice, "hello {mention-user1}", 2000);
    first.message_parameters = R"({"mention-user1":{"type":"user","id":"bob","name":"Bob"}})";
    first.reference_id = "ref-1";
    first.silent = true;
    first.actor_display_name = "Alice A.";
    const ChatMessage m1 = post(*store, first);
    CHECK(m1.id == 1);
    CHECK(m1.room == a);
    CHECK(m1.actor == kAlice);
    CHECK(m1.actor_display_name == "Alice A.");
    CHECK(m1.created_s == 2000);
    CHECK(m1.message == "hello {mention-user1}");
    CHECK(m1.message_parameters == first.message_parameters);
    CHECK(m1.message_type == "comment");
    CHECK(m1.system_message.empty());
    CHECK(m1.reference_id == "ref-1");
    CHECK(m1.silent);
    CHECK_FALSE(m1.parent);
    CHECK_FALSE(m1.last_edit);
    CHECK_FALSE(m1.deleted_s);

    NewChatMessage reply = comment(a, kBob, "hi", 2001);
    reply.parent = m1.id;
    const ChatMessage m2 = post(*store, reply);
    CHECK(m2.id == 2);
    CHECK(m2.parent == 1);
    CHECK(post(*store, comment(b, kBob, "elsewhere")).id == 1);

    NewChatMessage system = comment(a, kAlice, "{actor} added {user}", 2002);
    system.system_message = "user_added";
    system.message_type = "system";
    CHECK(post(*store, system).id == 3);

    auto room = store->room_by_id(a);
    REQUIRE(room);
    CHECK(room->last_message_id == 3);
    CHECK(room->last_activity_s == 2002);
    auto back = store->message(a, 1);
    REQUIRE(back);
    CHECK(back->message_parameters == first.message_parameters);
    CHECK(back->silent);
    CHECK(store->message(b, 2).error().kind == StoreErrorKind::NotFound);
    CHECK(store->post_message(comment(RoomId{9999}, kAlice, "x")).error().kind ==
          StoreErrorKind::NotFound);
}

TEST_CASE("store chat: history pages before and after an id", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    const RoomId a = add_room(*store, "page0000");
    const RoomId other = add_room(*store, "page0001");
    for (int i = 1; i <= 10; ++i) {
        post(*store, comment(a, kAlice, "m" + std::to_string(i)));
        post(*store, comment(other, kAlice, "o" + std::to_string(i)));
    }
    auto newest = store->messages_before(a, INT64_MAX, 3);
    REQUIRE(newest);
    REQUIRE(newest->size() == 3);
    CHECK((*newest)[0].id == 10);
    CHECK((*newest)[2].id == 8);
    CHECK((*newest)[0].message == "m10");
    auto older = store->messages_before(a, 8, 100);
    REQUIRE(older);
    REQUIRE(older->size() == 7);
    CHECK(older->front().id == 7);
    CHECK(older->back().id == 1);
    CHECK(store->messages_before(a, 1, 10)->empty());

    auto future = store->messages_after(a, 4, 3);
    REQUIRE(future);
    REQUIRE(future->size() == 3);
    CHECK((*future)[0].id == 5);
    CHECK((*future)[2].id == 7);
    CHECK(store->messages_after(a, 10, 10)->empty());
    auto all = store->messages_after(a, 0, 100);
    REQUIRE(all);
    CHECK(all->size() == 10);
    for (const ChatMessage& m : *all) {
        CHECK(m.room == a);
    }
}

TEST_CASE("store chat: two writers in one room get every id once, in order", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto setup = open_store(f, dir);
    const RoomId a = add_room(*setup, "busy0000");
    constexpr int kEach = 40;
    auto writer = [&](const Actor& actor, std::vector<int64_t>& ids, bool& ok) {
        auto s = f.open(dir.path());
        if (!s) {
            return;
        }
        for (int i = 0; i < kEach; ++i) {
            auto m = (*s)->post_message(comment(a, actor, std::to_string(i)));
            if (!m) {
                return;
            }
            ids.push_back(m->id);
        }
        ok = true;
    };
    std::vector<int64_t> alice_ids;
    std::vector<int64_t> bob_ids;
    bool alice_ok = false;
    bool bob_ok = false;
    std::thread t1(writer, std::cref(kAlice), std::ref(alice_ids), std::ref(alice_ok));
    std::thread t2(writer, std::cref(kBob), std::ref(bob_ids), std::ref(bob_ok));
    t1.join();
    t2.join();
    REQUIRE(alice_ok);
    REQUIRE(bob_ok);
    CHECK(std::is_sorted(alice_ids.begin(), alice_ids.end()));
    CHECK(std::is_sorted(bob_ids.begin(), bob_ids.end()));
    auto all = setup->messages_after(a, 0, 1000);
    REQUIRE(all);
    REQUIRE(all->size() == 2 * kEach);
    for (std::size_t i = 0; i < all->size(); ++i) {
        CHECK((*all)[i].id == static_cast<int64_t>(i) + 1);
    }
    CHECK(setup->room_by_id(a)->last_message_id == 2 * kEach);
}

TEST_CASE("store chat: edits and deletions", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    const RoomId a = add_room(*store, "edit0000");
    const int64_t bob = add_participant(*store, a, kBob);
    NewChatMessage m = comment(a, kAlice, "hi {mention-user1}");
    m.mentions = {ChatMention{kBob}};
    const ChatMessage posted = post(*store, m);
    CHECK(store->unread_counts(bob)->direct_mentions == 1);

    ChatEdit edit;
    edit.room = a;
    edit.id = posted.id;
    edit.message = "hi all";
    edit.message_parameters = "{}";
    edit.mentions = {ChatMention{}};
    edit.mark = ChatEditMark{kAlice, "Alice", 3000};
    auto edited = store->edit_message(edit);
    REQUIRE(edited);
    CHECK(edited->message == "hi all");
    REQUIRE(edited->last_edit);
    CHECK(edited->last_edit->actor == kAlice);
    CHECK(edited->last_edit->actor_display_name == "Alice");
    CHECK(edited->last_edit->at_s == 3000);
    CHECK(store->message(a, posted.id)->last_edit->at_s == 3000);
    auto counts = store->unread_counts(bob);
    CHECK(counts->mentions == 1);  // @all now
    CHECK(counts->direct_mentions == 0);
    edit.id = 99;
    CHECK(store->edit_message(edit).error().kind == StoreErrorKind::NotFound);

    REQUIRE(store->add_reaction(Reaction{a, posted.id, kBob, "Bob", "❤️", 3001}));
    auto deleted = store->delete_message(a, posted.id, ChatEditMark{kBob, "Bob", 3002});
    REQUIRE(deleted);
    CHECK(deleted->message_type == "comment_deleted");
    CHECK(deleted->message.empty());
    CHECK(deleted->message_parameters == "{}");
    CHECK(deleted->deleted_s == 3002);
    CHECK(deleted->last_edit->actor == kBob);
    CHECK(store->reactions(a, posted.id)->empty());
    counts = store->unread_counts(bob);
    CHECK(counts->messages == 0);
    CHECK(counts->mentions == 0);
    CHECK(store->delete_message(a, 99, ChatEditMark{kBob, "", 1}).error().kind ==
          StoreErrorKind::NotFound);
}

TEST_CASE("store chat: reactions are added once, listed, removed", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    const RoomId a = add_room(*store, "react000");
    const ChatMessage m = post(*store, comment(a, kAlice, "react to me"));
    REQUIRE(store->add_reaction(Reaction{a, m.id, kBob, "Bob", "👍", 10}));
    REQUIRE(store->add_reaction(Reaction{a, m.id, kGuest, "Guest", "👍", 11}));
    REQUIRE(store->add_reaction(Reaction{a, m.id, kBob, "Bob", "🎉", 12}));
    auto twice = store->add_reaction(Reaction{a, m.id, kBob, "Bob", "👍", 13});
    REQUIRE_FALSE(twice);
    CHECK(twice.error().kind == StoreErrorKind::Conflict);
    CHECK(store->add_reaction(Reaction{a, 42, kBob, "Bob", "👍", 13}).error().kind ==
          StoreErrorKind::NotFound);

    auto list = store->reactions(a, m.id);
    REQUIRE(list);
    REQUIRE(list->size() == 3);
    CHECK((*list)[0].actor == kBob);
    CHECK((*list)[0].reaction == "👍");
    CHECK((*list)[0].actor_display_name == "Bob");
    CHECK((*list)[0].created_s == 10);
    CHECK((*list)[1].actor == kGuest);
    CHECK((*list)[2].reaction == "🎉");

    REQUIRE(store->remove_reaction(a, m.id, kBob, "👍"));
    CHECK(store->remove_reaction(a, m.id, kBob, "👍").error().kind == StoreErrorKind::NotFound);
    CHECK(store->reactions(a, m.id)->size() == 2);
}

TEST_CASE("store chat: read markers and unread and mention counts", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    const RoomId a = add_room(*store, "read0000");
    const RoomId other = add_room(*store, "read0001");
    const int64_t alice = add_participant(*store, a, kAlice);
    const int64_t bob = add_participant(*store, a, kBob);
    const int64_t guest = add_participant(*store, a, kGuest);

    post(*store, comment(a, kAlice, "one"));  // 1
    NewChatMessage to_bob = comment(a, kAlice, "@bob");
    to_bob.mentions = {ChatMention{kBob}};
    post(*store, to_bob);  // 2
    NewChatMessage to_all = comment(a, kAlice, "@all");
    to_all.mentions = {ChatMention{}, ChatMention{kBob}};  // bob named too: counted once
    post(*store, to_all);                                  // 3
    NewChatMessage system = comment(a, kAlice, "{actor} renamed");
    system.message_type = "system";
    system.system_message = "conversation_renamed";
    system.mentions = {ChatMention{kBob}};  // system messages are never unread
    post(*store, system);                   // 4
    NewChatMessage own = comment(a, kBob, "@alice and me @bob");
    own.mentions = {ChatMention{kAlice}, ChatMention{kBob}};
    post(*store, own);  // 5
    NewChatMessage elsewhere = comment(other, kAlice, "@bob elsewhere");
    elsewhere.mentions = {ChatMention{kBob}};
    post(*store, elsewhere);

    auto b = store->unread_counts(bob);
    REQUIRE(b);
    CHECK(b->messages == 3);  // 1, 2, 3: not the system message, not bob's own
    CHECK(b->mentions == 2);  // 2, 3: not the system message, not bob's own
    CHECK(b->direct_mentions == 2);
    auto g = store->unread_counts(guest);
    CHECK(g->messages == 4);
    CHECK(g->mentions == 1);  // @all
    CHECK(g->direct_mentions == 0);
    auto al = store->unread_counts(alice);
    CHECK(al->messages == 1);
    CHECK(al->mentions == 1);
    CHECK(al->direct_mentions == 1);

    REQUIRE(store->set_read_marker(bob, 2));
    CHECK(store->participant_by_id(bob)->last_read_message == 2);
    b = store->unread_counts(bob);
    CHECK(b->messages == 1);
    CHECK(b->mentions == 1);
    CHECK(b->direct_mentions == 1);
    REQUIRE(store->set_read_marker(bob, 5));
    CHECK(store->unread_counts(bob)->messages == 0);
    REQUIRE(store->set_read_marker(bob, 1));  // marked unread again
    CHECK(store->unread_counts(bob)->messages == 2);

    CHECK(store->set_read_marker(9999, 1).error().kind == StoreErrorKind::NotFound);
    CHECK(store->unread_counts(9999).error().kind == StoreErrorKind::NotFound);
}

TEST_CASE("store chat: messages and reactions are there after reopening", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    RoomId a;
    {
        auto store = open_store(f, dir);
        a = add_room(*store, "keep0000");
        const ChatMessage m = post(*store, comment(a, kAlice, "kept \xc3\xa9 'quoted' \"x\""));
        REQUIRE(store->add_reaction(Reaction{a, m.id, kBob, "Bob", "👍", 10}));
    }
    auto store = open_store(f, dir);
    auto m = store->message(a, 1);
    REQUIRE(m);
    CHECK(m->message == "kept \xc3\xa9 'quoted' \"x\"");
    CHECK(store->reactions(a, 1)->size() == 1);
    CHECK(post(*store, comment(a, kBob, "next")).id == 2);
}

TEST_CASE("store chat: a page's reactions at once, and the last common read", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    const RoomId a = add_room(*store, "page1000");
    const RoomId other = add_room(*store, "page1001");
    for (int i = 0; i < 5; ++i) {
        post(*store, comment(a, kAlice, "m"));
        post(*store, comment(other, kAlice, "o"));
    }
    REQUIRE(store->add_reaction(Reaction{a, 4, kBob, "Bob", "🎉", 10}));
    REQUIRE(store->add_reaction(Reaction{a, 2, kBob, "Bob", "👍", 11}));
    REQUIRE(store->add_reaction(Reaction{a, 2, kGuest, "G", "👍", 12}));
    REQUIRE(store->add_reaction(Reaction{a, 5, kBob, "Bob", "👍", 13}));
    REQUIRE(store->add_reaction(Reaction{other, 3, kBob, "Bob", "👍", 14}));
    auto page = store->reactions_in(a, 2, 4);
    REQUIRE(page);
    REQUIRE(page->size() == 3);
    CHECK((*page)[0].message_id == 2);
    CHECK((*page)[1].actor == kGuest);
    CHECK((*page)[2].message_id == 4);

    CHECK(*store->last_common_read(a) == 0);  // nobody in the room yet
    const int64_t alice = add_participant(*store, a, kAlice);
    const int64_t bob = add_participant(*store, a, kBob);
    add_participant(*store, a, kGuest);  // guests are not counted
    REQUIRE(store->set_read_marker(alice, 5));
    REQUIRE(store->set_read_marker(bob, 3));
    CHECK(*store->last_common_read(a) == 3);
    REQUIRE(store->set_read_marker(bob, 5));
    CHECK(*store->last_common_read(a) == 5);
}
