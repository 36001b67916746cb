// The INI dialect as goconf reads server.conf: comments, separators, case, continuations,
// repeats, and the two lines it cannot read.
#include "signaling/config/ini_reader.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig;

TEST_CASE("INI reader: sections, entries and their lines", "[signaling][config]") {
    const auto doc = read_ini("# comment\n"
                              "; another\n"
                              "\n"
                              "[HTTP]\n"
                              "  Listen =  127.0.0.1:8080  \n"
                              "[ backend-ID ]\r\n"
                              "url: https://nc.example/\r\n"
                              "secret = a#b ; inline comment\n"
                              "empty =\n");
    REQUIRE(doc);
    REQUIRE(doc->sections.size() == 2);
    CHECK(doc->sections[0].name == "http");
    CHECK(doc->sections[0].line == 4);
    CHECK(doc->sections[1].name == "backend-id");
    REQUIRE(doc->entries.size() == 4);
    CHECK(doc->entries[0].section == "http");
    CHECK(doc->entries[0].key == "listen");
    CHECK(doc->entries[0].value == "127.0.0.1:8080");  // split at '=', the ':' stays
    CHECK(doc->entries[0].line == 5);
    CHECK(doc->entries[1].key == "url");
    CHECK(doc->entries[1].value == "https://nc.example/");  // ':' separates when it comes first
    CHECK(doc->entries[2].value == "a#b");                  // '#' inside a value is kept
    CHECK(doc->entries[3].value.empty());
    CHECK(doc->entries[3].line == 9);
}

TEST_CASE("INI reader: inline comments need a space or tab before them", "[signaling][config]") {
    const auto doc = read_ini("[a]\nx = 1 # one\ny = 2\t; two\nz = 3;4\n");
    REQUIRE(doc);
    CHECK(doc->entries[0].value == "1");
    CHECK(doc->entries[1].value == "2");
    CHECK(doc->entries[2].value == "3;4");
}

TEST_CASE("INI reader: \"rem\" lines are comments, as in goconf", "[signaling][config]") {
    const auto doc = read_ini("[a]\nREM this is a comment\nremark = also a comment\nx = 1\n");
    REQUIRE(doc);
    REQUIRE(doc->entries.size() == 1);
    CHECK(doc->entries[0].key == "x");
}

TEST_CASE("INI reader: entries before a section are in [default]", "[signaling][config]") {
    const auto doc = read_ini("host = example.com\n[a]\nx = 1\n");
    REQUIRE(doc);
    CHECK(doc->entries[0].section == "default");
    CHECK(doc->entries[1].section == "a");
}

TEST_CASE("INI reader: a line without separator continues the entry", "[signaling][config]") {
    // Only text without '=' or ':' continues: "  ws://b:2" would be the key "ws".
    const auto doc = read_ini("[backend]\nbackends = a,\n  b, c # comment\nx = 1\n");
    REQUIRE(doc);
    REQUIRE(doc->entries.size() == 2);
    CHECK(doc->entries[0].value == "a,\nb, c");
    CHECK(doc->entries[0].line == 2);
}

TEST_CASE("INI reader: repeats are kept in order", "[signaling][config]") {
    const auto doc = read_ini("[a]\nx = 1\n[b]\n[a]\nx = 2\n");
    REQUIRE(doc);
    CHECK(doc->sections.size() == 3);
    REQUIRE(doc->entries.size() == 2);
    CHECK(doc->entries[1].value == "2");
    CHECK(doc->entries[1].line == 5);
}

TEST_CASE("INI reader: unreadable lines name their line", "[signaling][config]") {
    const auto empty = read_ini("[a]\n\n[ ]\n");
    REQUIRE_FALSE(empty);
    CHECK(empty.error().line == 3);
    CHECK(empty.error().message == "empty section name");

    const auto stray = read_ini("# c\n[a]\njust words\n");
    REQUIRE_FALSE(stray);
    CHECK(stray.error().line == 3);

    const auto leading_sep = read_ini("[a]\n= value\n");
    REQUIRE_FALSE(leading_sep);
    CHECK(leading_sep.error().line == 2);
}

TEST_CASE("INI reader: empty and comment-only texts", "[signaling][config]") {
    CHECK(read_ini("")->entries.empty());
    CHECK(read_ini("# only\n; comments")->sections.empty());
    const auto no_newline = read_ini("[a]\nx = 1");
    REQUIRE(no_newline);
    CHECK(no_newline->entries.at(0).value == "1");
}
