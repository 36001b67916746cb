// The chat over a real store: posting (rights, text rules, replies, mentions, the author's read
// marker), history pages and the long poll's answers with X-Chat-Last-Given, edits and
// deletions (author or moderator, time windows, comments only) with their system messages,
// reactions, read markers and unread counts.
#include "signaling/backend/chat/chat.hpp"
#include "signaling/backend/chat/message_text.hpp"
#include "signaling/backend/rooms/permissions.hpp"
#include "signaling/backend/rooms/rooms_test_support.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace tern::sig::backend;

namespace {

struct Fixture : RoomsFixture {
    Chat chat;
    Room room;

    Fixture() : chat(*store) {
        auto r = rooms.create(kAlice, RoomType::Group, "Team", 100);  // message 1
        REQUIRE(r);
        room = r->room;
        REQUIRE(rooms.add_user(as(kAlice), kBob, 100));    // message 2
        REQUIRE(rooms.add_user(as(kAlice), kCarol, 100));  // message 3
    }

    /// The participant as loaded for a request (the room as it is now).
    Membership as(const NamedActor& who) {
        auto m = rooms.membership(room.token, who.actor);
        REQUIRE(m);
        return *m;
    }

    ChatMessage say(const NamedActor& who, const std::string& text, int64_t at = 1000) {
        auto m = chat.post(as(who), PostRequest{text, {}, "", false}, at);
        INFO((m ? std::string() : m.error().message));
        REQUIRE(m);
        return *m;
    }

    ChatMessage newest() {
        auto m = store->messages_before(room.id, INT64_MAX, 1);
        REQUIRE(m);
        REQUIRE_FALSE(m->empty());
        return m->front();
    }
};

}  // namespace

TEST_CASE("chat: a post with a reply and a mention", "[backend][chat]") {
    Fixture f;
    const ChatMessage first = f.say(kAlice, "hello");
    CHECK(first.id == 4);
    CHECK(first.actor == kAlice.actor);
    CHECK(first.actor_display_name == "Alice");
    CHECK(first.message_type == "comment");
    CHECK(f.as(kAlice).participant.last_read_message == 4);  // one's own message is read

    auto reply = f.chat.post(f.as(kBob), PostRequest{"@alice hi", first.id, "ref-9", true}, 1001);
    REQUIRE(reply);
    CHECK(reply->parent == first.id);
    CHECK(reply->message == "{mention-user1} hi");
    CHECK_THAT(reply->message_parameters, Catch::Contains(R"("id":"alice")"));
    CHECK(reply->reference_id == "ref-9");
    CHECK(reply->silent);
    auto counts = f.chat.unread(f.as(kAlice));
    REQUIRE(counts);
    CHECK(counts->messages == 1);
    CHECK(counts->direct_mentions == 1);
}

TEST_CASE("chat: posting is refused with Talk's errors", "[backend][chat]") {
    Fixture f;
    CHECK(f.chat.post(f.as(kBob), PostRequest{"", {}, "", false}, 1).error().kind ==
          TalkErrorKind::InvalidInput);
    CHECK(
        f.chat
            .post(f.as(kBob), PostRequest{std::string(kMaxMessageChars + 1, 'x'), {}, "", false}, 1)
            .error()
            .kind == TalkErrorKind::TooLong);
    CHECK(f.chat.post(f.as(kBob), PostRequest{"x", 999, "", false}, 1).error().kind ==
          TalkErrorKind::InvalidInput);  // no such message
    CHECK(f.chat.post(f.as(kBob), PostRequest{"x", 1, "", false}, 1).error().kind ==
          TalkErrorKind::InvalidInput);  // a system message
    CHECK(f.chat.post(f.as(kBob), PostRequest{"x", {}, std::string(65, 'r'), false}, 1)
              .error()
              .kind == TalkErrorKind::InvalidInput);

    REQUIRE(f.rooms.set_read_only(f.as(kAlice), true, 10));
    CHECK(f.chat.post(f.as(kBob), PostRequest{"x", {}, "", false}, 11).error().kind ==
          TalkErrorKind::Forbidden);
    REQUIRE(f.rooms.set_read_only(f.as(kAlice), false, 12));

    REQUIRE(f.rooms.set_lobby(f.as(kAlice), LobbyState::NonModerators, {}, 13));
    CHECK(f.chat.post(f.as(kBob), PostRequest{"x", {}, "", false}, 14).error().kind ==
          TalkErrorKind::LobbyActive);
    CHECK(f.chat.receive(f.as(kBob), ReceiveRequest{}, 14).error().kind ==
          TalkErrorKind::LobbyActive);
    CHECK(f.chat.post(f.as(kAlice), PostRequest{"moderators still talk", {}, "", false}, 14));
    REQUIRE(f.rooms.set_lobby(f.as(kAlice), LobbyState::AllParticipants, {}, 15));

    const Membership bob = f.as(kBob);
    REQUIRE(f.rooms.set_permissions(f.as(kAlice), bob.participant.id,
                                    permission::kCustom | permission::kJoinCall));
    CHECK(f.chat.post(f.as(kBob), PostRequest{"x", {}, "", false}, 16).error().kind ==
          TalkErrorKind::Forbidden);
}

TEST_CASE("chat: history pages and the long poll", "[backend][chat]") {
    Fixture f;
    for (int i = 0; i < 5; ++i) {
        f.say(kAlice, "m" + std::to_string(i));  // ids 4..8
    }
    ReceiveRequest history;
    history.limit = 3;
    auto page = f.chat.receive(f.as(kBob), history, 2000);
    REQUIRE(page);
    REQUIRE(page->messages.size() == 3);
    CHECK(page->messages[0].id == 8);
    CHECK(page->messages[2].id == 6);
    CHECK(page->last_given == 6);
    CHECK_FALSE(page->wait);
    history.last_known = *page->last_given;
    page = f.chat.receive(f.as(kBob), history, 2000);
    REQUIRE(page);
    CHECK(page->messages.front().id == 5);
    history.include_last_known = true;
    CHECK(f.chat.receive(f.as(kBob), history, 2000)->messages.front().id == 6);

    ReceiveRequest future;
    future.look_into_future = true;
    future.last_known = 6;
    auto news = f.chat.receive(f.as(kBob), future, 2000);
    REQUIRE(news);
    REQUIRE(news->messages.size() == 2);
    CHECK(news->messages[0].id == 7);
    CHECK(news->last_given == 8);
    CHECK(f.as(kBob).participant.last_read_message == 8);  // setReadMarker

    future.last_known = 8;
    auto nothing = f.chat.receive(f.as(kBob), future, 2000);
    REQUIRE(nothing);
    CHECK(nothing->wait);
    CHECK(nothing->messages.empty());
    CHECK_FALSE(nothing->last_given);

    future.limit = 1000;  // clamped to 200
    future.last_known = 0;
    future.set_read_marker = false;
    CHECK(f.chat.receive(f.as(kCarol), future, 2000)->messages.size() == 8);
    CHECK(f.as(kCarol).participant.last_read_message == 0);
}

TEST_CASE("chat: edits and deletions by the author or a moderator, in time", "[backend][chat]") {
    Fixture f;
    const ChatMessage bobs = f.say(kBob, "typo", 1000);
    auto edited = f.chat.edit(f.as(kBob), bobs.id, "fixed @carol", 1100);
    REQUIRE(edited);
    CHECK(edited->message == "fixed {mention-user1}");
    REQUIRE(edited->last_edit);
    CHECK(edited->last_edit->at_s == 1100);
    ChatMessage note = f.newest();
    CHECK(note.system_message == "message_edited");
    CHECK(note.parent == bobs.id);
    CHECK(f.chat.unread(f.as(kCarol))->direct_mentions == 1);

    CHECK(f.chat.edit(f.as(kCarol), bobs.id, "not mine", 1100).error().kind ==
          TalkErrorKind::Forbidden);
    CHECK(f.chat.edit(f.as(kAlice), bobs.id, "moderated", 1200));  // the owner moderates
    CHECK(f.chat.edit(f.as(kBob), bobs.id, "late", 1000 + kEditWindowS + 1).error().kind ==
          TalkErrorKind::InvalidInput);
    CHECK(f.chat.edit(f.as(kBob), 1, "system", 1100).error().kind == TalkErrorKind::NotAComment);
    CHECK(f.chat.edit(f.as(kBob), 999, "none", 1100).error().kind == TalkErrorKind::NotFound);

    CHECK(f.chat.remove(f.as(kBob), bobs.id, 1000 + kDeleteWindowS + 1).error().kind ==
          TalkErrorKind::InvalidInput);
    auto deleted = f.chat.remove(f.as(kBob), bobs.id, 1300);
    REQUIRE(deleted);
    CHECK(deleted->message_type == "comment_deleted");
    note = f.newest();
    CHECK(note.system_message == "message_deleted");
    CHECK(note.parent == bobs.id);
    CHECK(f.chat.remove(f.as(kBob), bobs.id, 1301).error().kind == TalkErrorKind::NotAComment);
    CHECK(f.chat.unread(f.as(kCarol))->mentions == 0);
}

TEST_CASE("chat: reactions", "[backend][chat]") {
    Fixture f;
    const ChatMessage m = f.say(kAlice, "react");
    CHECK(*f.chat.react(f.as(kBob), m.id, "👍", 1100));
    CHECK_FALSE(*f.chat.react(f.as(kBob), m.id, "👍", 1101));  // there already: Talk's 200
    CHECK(*f.chat.react(f.as(kCarol), m.id, "👍", 1102));
    CHECK(*f.chat.react(f.as(kCarol), m.id, "🎉", 1103));
    const ChatMessage note = f.newest();
    CHECK(note.system_message == "reaction");
    CHECK(note.message == "🎉");
    CHECK(note.parent == m.id);

    auto list = f.chat.reactions(f.as(kAlice), m.id, 1200);
    REQUIRE(list);
    const auto counts = reaction_counts(*list);
    CHECK(counts.at("👍") == 2);
    CHECK(counts.at("🎉") == 1);

    REQUIRE(f.chat.unreact(f.as(kBob), m.id, "👍", 1300));
    CHECK(f.newest().system_message == "reaction_revoked");
    CHECK(f.chat.unreact(f.as(kBob), m.id, "👍", 1301).error().kind == TalkErrorKind::NotFound);
    CHECK(reaction_counts(*f.chat.reactions(f.as(kAlice), m.id, 1400)).at("👍") == 1);

    CHECK(f.chat.react(f.as(kBob), m.id, "", 1).error().kind == TalkErrorKind::InvalidInput);
    CHECK(f.chat.react(f.as(kBob), m.id, "a b", 1).error().kind == TalkErrorKind::InvalidInput);
    CHECK(f.chat.react(f.as(kBob), 1, "👍", 1).error().kind == TalkErrorKind::InvalidInput);
    CHECK(f.chat.react(f.as(kBob), 999, "👍", 1).error().kind == TalkErrorKind::NotFound);
}

TEST_CASE("chat: read markers and unread counts", "[backend][chat]") {
    Fixture f;
    f.say(kAlice, "one");         // 4
    f.say(kAlice, "@all two");    // 5
    f.say(kAlice, "@bob three");  // 6
    auto c = f.chat.unread(f.as(kBob));
    REQUIRE(c);
    CHECK(c->messages == 3);  // the system messages before are not counted
    CHECK(c->mentions == 2);
    CHECK(c->direct_mentions == 1);

    REQUIRE(f.chat.mark_read(f.as(kBob), 5));
    c = f.chat.unread(f.as(kBob));
    CHECK(c->messages == 1);
    CHECK(c->mentions == 1);
    REQUIRE(f.chat.mark_read(f.as(kBob), 999));  // at most the newest message
    CHECK(f.as(kBob).participant.last_read_message == 6);
    CHECK(f.chat.unread(f.as(kBob))->messages == 0);

    REQUIRE(f.chat.mark_unread(f.as(kBob)));
    CHECK(f.as(kBob).participant.last_read_message == 5);
    CHECK(f.chat.unread(f.as(kBob))->messages == 1);
}

TEST_CASE("chat: a shared file, with and without a caption", "[backend][chat]") {
    Fixture f;
    SharedFile file;
    file.id = "77";
    file.name = "notes.txt";
    file.size = 12;
    file.path = "Talk/notes.txt";
    file.link = "https://tern.example/f/77";
    file.mimetype = "text/plain";
    auto bare = f.chat.share_file(f.as(kBob), file, PostRequest{}, 1000);
    REQUIRE(bare);
    CHECK(bare->message == "{file}");
    CHECK(bare->message_type == "comment");
    auto params = nlohmann::json::parse(bare->message_parameters);
    CHECK(params["file"]["id"] == "77");
    CHECK(params["file"]["name"] == "notes.txt");

    auto captioned =
        f.chat.share_file(f.as(kBob), file, PostRequest{"for @alice", {}, "ref", false}, 1001);
    REQUIRE(captioned);
    CHECK(captioned->message == "for {mention-user1}");
    params = nlohmann::json::parse(captioned->message_parameters);
    CHECK(params["file"]["link"] == "https://tern.example/f/77");
    CHECK(params["mention-user1"]["id"] == "alice");
    CHECK(f.chat.unread(f.as(kAlice))->direct_mentions == 1);

    file.link.clear();
    CHECK(f.chat.share_file(f.as(kBob), file, PostRequest{}, 1002).error().kind ==
          TalkErrorKind::InvalidInput);
}

TEST_CASE("chat: a page's reactions for its reader, and the last common read", "[backend][chat]") {
    Fixture f;
    const ChatMessage one = f.say(kAlice, "one");  // 4
    const ChatMessage two = f.say(kAlice, "two");  // 5
    REQUIRE(f.chat.react(f.as(kBob), one.id, "👍", 1100));
    REQUIRE(f.chat.react(f.as(kCarol), one.id, "👍", 1101));
    REQUIRE(f.chat.react(f.as(kCarol), one.id, "🎉", 1102));
    ReceiveRequest history;
    history.limit = 20;
    auto page = f.chat.receive(f.as(kBob), history, 1200);
    REQUIRE(page);
    auto extras = f.chat.page_reactions(f.as(kBob), page->messages);
    REQUIRE(extras);
    REQUIRE(extras->count(one.id) == 1);
    CHECK(extras->at(one.id).reactions.at("👍") == 2);
    CHECK(extras->at(one.id).reactions.at("🎉") == 1);
    CHECK(extras->at(one.id).reactions_self == std::vector<std::string>{"👍"});
    CHECK(extras->count(two.id) == 0);
    CHECK(f.chat.page_reactions(f.as(kBob), {})->empty());

    // alice read her own messages; bob and carol read nothing yet.
    CHECK(*f.chat.last_common_read(f.as(kAlice)) == 0);
    REQUIRE(f.chat.mark_read(f.as(kBob), two.id));
    REQUIRE(f.chat.mark_read(f.as(kCarol), one.id));
    CHECK(*f.chat.last_common_read(f.as(kAlice)) == one.id);
}
