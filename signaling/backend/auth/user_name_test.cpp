// The input rules: user names (empty, overlong, characters, leading '.' or '-'), display names
// and labels (length, control characters, broken UTF-8), passwords (short, long, CR/LF/NUL).
#include "signaling/backend/auth/user_name.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend;

TEST_CASE("user name: what is accepted", "[backend][auth]") {
    for (const char* ok :
         {"alice", "Bob", "a", "bot.matterbridge", "j_doe-2", "x@example.org", "0day"}) {
        INFO(ok);
        CHECK_FALSE(user_name_problem(ok));
    }
    CHECK_FALSE(user_name_problem(std::string(kMaxUserNameLen, 'a')));
}

TEST_CASE("user name: what is refused, and why", "[backend][auth]") {
    CHECK(*user_name_problem("") == "the user name is empty");
    CHECK_THAT(*user_name_problem(std::string(kMaxUserNameLen + 1, 'a')),
               Catch::Contains("longer than 64"));
    for (const char* bad :
         {"a b", "a'b", "a/b", "a:b", "\xc3\xa9t\xc3\xa9", "a\nb", "a\tb", "%41"}) {
        INFO(bad);
        CHECK_THAT(*user_name_problem(bad), Catch::Contains("only letters"));
    }
    CHECK_THAT(*user_name_problem(".hidden"), Catch::Contains("may not start"));
    CHECK_THAT(*user_name_problem("-rf"), Catch::Contains("may not start"));
}

TEST_CASE("display names and labels: UTF-8 text of bounded length", "[backend][auth]") {
    CHECK_FALSE(display_name_problem(""));
    CHECK_FALSE(display_name_problem("Zo\xc3\xab O'Brien \xf0\x9f\x98\x80"));
    CHECK_FALSE(display_name_problem(std::string(kMaxDisplayNameLen, 'x')));
    CHECK_THAT(*display_name_problem(std::string(kMaxDisplayNameLen + 1, 'x')),
               Catch::Contains("longer than 255"));
    CHECK(display_name_problem("tab\there"));
    CHECK(display_name_problem("line\nbreak"));
    CHECK(display_name_problem("\x7f"));
    CHECK(display_name_problem("\xc3"));              // cut short
    CHECK(display_name_problem("\xc0\xaf"));          // overlong
    CHECK(display_name_problem("\xed\xa0\x80"));      // a surrogate
    CHECK(display_name_problem("\xf4\x90\x80\x80"));  // beyond U+10FFFF
    CHECK(display_name_problem("\xe0\x80\xaf"));      // overlong, three bytes
    CHECK_FALSE(label_problem("matterbridge on host7"));
    CHECK_THAT(*label_problem(std::string(kMaxLabelLen + 1, 'x')), Catch::Contains("label"));
}

TEST_CASE("passwords: length and line characters", "[backend][auth]") {
    CHECK_FALSE(password_problem("8 chars!"));
    CHECK_FALSE(password_problem(std::string(kMaxPasswordLen, 'p')));
    CHECK_THAT(*password_problem(""), Catch::Contains("shorter than 8"));
    CHECK_THAT(*password_problem("seven.."), Catch::Contains("shorter than 8"));
    CHECK_THAT(*password_problem(std::string(kMaxPasswordLen + 1, 'p')),
               Catch::Contains("longer than 1024"));
    CHECK(password_problem("pass\nword"));
    CHECK(password_problem("pass\rword"));
    CHECK(password_problem(std::string("pass\0word", 9)));
}
