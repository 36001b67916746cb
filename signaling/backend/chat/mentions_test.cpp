// Mentions: bare and quoted names, guests, @all, names compared without regard to case, a
// name's trailing punctuation, e-mail addresses and unknown names left alone, one placeholder
// per participant however often named, and the rich objects in valid JSON.
#include "signaling/backend/chat/mentions.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend;

namespace {

Participant person(ActorType type, const std::string& id, const std::string& name) {
    Participant p;
    p.actor = Actor{type, id};
    p.display_name = name;
    return p;
}

const std::vector<Participant> kPeople{
    person(ActorType::Users, "alice", "Alice A."),
    person(ActorType::Users, "bob.smith", "Bob"),
    person(ActorType::Users, "user with space", "Spacey"),
    person(ActorType::Guests, "abc123", "Visitor"),
};
const MentionRoom kRoom{"tok00000", "Team", false};

ParsedMessage parse(std::string_view text) {
    return parse_mentions(text, kPeople, kRoom);
}

}  // namespace

TEST_CASE("mentions: a bare user name", "[backend][chat]") {
    const ParsedMessage p = parse("hi @alice, how are you?");
    CHECK(p.message == "hi {mention-user1}, how are you?");
    CHECK(p.message_parameters ==
          R"({"mention-user1":{"type":"user","id":"alice","name":"Alice A."}})");
    REQUIRE(p.mentions.size() == 1);
    CHECK(p.mentions[0].actor == Actor{ActorType::Users, "alice"});
}

TEST_CASE("mentions: quoted names, guests, @all", "[backend][chat]") {
    const ParsedMessage p = parse(R"(@"user with space" and @"guest/abc123" and @all)");
    CHECK(p.message == "{mention-user1} and {mention-guest1} and {mention-call1}");
    CHECK(p.message_parameters ==
          R"({"mention-call1":{"type":"call","id":"tok00000","name":"Team","call-type":"group"},)"
          R"("mention-guest1":{"type":"guest","id":"guest/abc123","name":"Visitor"},)"
          R"("mention-user1":{"type":"user","id":"user with space","name":"Spacey"}})");
    REQUIRE(p.mentions.size() == 3);
    CHECK(p.mentions[0].actor == Actor{ActorType::Users, "user with space"});
    CHECK(p.mentions[1].actor == Actor{ActorType::Guests, "abc123"});
    CHECK_FALSE(p.mentions[2].actor);  // @all
}

TEST_CASE("mentions: case, punctuation, repeats", "[backend][chat]") {
    const ParsedMessage p = parse("@ALICE. @bob.smith! @alice @Alice");
    CHECK(p.message == "{mention-user1}. {mention-user2}! {mention-user1} {mention-user1}");
    CHECK(p.mentions.size() == 2);
}

TEST_CASE("mentions: what names nobody stays as written", "[backend][chat]") {
    for (const char* text : {"mail me at x@alice", "@nobody here", "@", "@\"unclosed", "@\"\"",
                             "a@all", "@\"alice\nb\"", "{mention-user1}"}) {
        const ParsedMessage p = parse(text);
        CHECK(p.message == text);
        CHECK(p.message_parameters == "{}");
        CHECK(p.mentions.empty());
    }
    // Guests are named quoted (their ids hold a '/'), as Talk's clients write them.
    const ParsedMessage guests = parse("@\"guest/zzz\" @guest/abc123");
    CHECK(guests.message == "@\"guest/zzz\" @guest/abc123");
    CHECK(guests.mentions.empty());
}
