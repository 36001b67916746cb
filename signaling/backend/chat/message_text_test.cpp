// The text rules: UTF-8 length in code points (and what is not UTF-8), empty messages, Talk's
// 32,000-character limit with a message that says so.
#include "signaling/backend/chat/message_text.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tern::sig::backend;

TEST_CASE("message text: length in code points", "[backend][chat]") {
    CHECK(utf8_length("") == 0u);
    CHECK(utf8_length("hello") == 5u);
    CHECK(utf8_length("h\xc3\xa9llo") == 5u);      // é
    CHECK(utf8_length("\xe2\x82\xac") == 1u);      // €
    CHECK(utf8_length("\xf0\x9f\x91\x8d") == 1u);  // 👍
    CHECK_FALSE(utf8_length("\xc3"));              // cut short
    CHECK_FALSE(utf8_length("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(utf8_length("\xed\xa0\x80"));      // a surrogate
    CHECK_FALSE(utf8_length("\xf4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(utf8_length("\xff"));
    CHECK_FALSE(utf8_length("a\x80z"));  // a stray continuation byte
}

TEST_CASE("message text: empty, not UTF-8, too long", "[backend][chat]") {
    CHECK(check_message_text("hi"));
    CHECK(check_message_text("  x  "));
    CHECK(check_message_text("").error().kind == TalkErrorKind::InvalidInput);
    CHECK(check_message_text(" \n\t ").error().kind == TalkErrorKind::InvalidInput);
    CHECK(check_message_text("\xff").error().kind == TalkErrorKind::InvalidInput);

    CHECK(check_message_text(std::string(kMaxMessageChars, 'a')));
    auto over = check_message_text(std::string(kMaxMessageChars + 1, 'a'));
    REQUIRE_FALSE(over);
    CHECK(over.error().kind == TalkErrorKind::TooLong);
    CHECK(talk_status(over.error().kind) == 413);
    CHECK_THAT(over.error().message, Catch::Contains("32001") && Catch::Contains("32000"));

    // Characters, not bytes: 32,000 euro signs are 96,000 bytes and allowed.
    std::string euros;
    for (std::size_t i = 0; i < kMaxMessageChars; ++i) {
        euros += "\xe2\x82\xac";
    }
    CHECK(check_message_text(euros));
    CHECK(check_message_text(euros + "\xe2\x82\xac").error().kind == TalkErrorKind::TooLong);
}
