// The parameter parsers: form and query vectors (WHATWG's rules), PHP arrays, JSON bodies, the
// typed readers, and malformed input refused whole.
#include "signaling/backend/rest/request_params.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend::rest;

TEST_CASE("request params: form pairs decode + and %XX, keep order and repeats", "[rest]") {
    RequestParams p;
    REQUIRE(p.add_form("message=Hello+world%21&replyTo=3&x=&flag&message=again"));
    CHECK(p.get("message") == "Hello world!");
    CHECK(p.all("message") == std::vector<std::string_view>{"Hello world!", "again"});
    CHECK(p.get("replyTo") == "3");
    CHECK(p.get("x") == "");
    CHECK(p.get("flag") == "");
    CHECK_FALSE(p.has("missing"));
}

TEST_CASE("request params: UTF-8 and an '=' inside a value", "[rest]") {
    RequestParams p;
    REQUIRE(p.add_form("message=%C3%A4%F0%9F%98%80&expr=a%3Db=c&reaction=%F0%9F%91%8D"));
    CHECK(p.get("message") == "\xC3\xA4\xF0\x9F\x98\x80");
    CHECK(p.get("expr") == "a=b=c");
    CHECK(p.get("reaction") == "\xF0\x9F\x91\x8D");
}

TEST_CASE("request params: PHP arrays and empty pairs", "[rest]") {
    RequestParams p;
    REQUIRE(p.add_form("&&parts%5B%5D=a&parts[]=b&=novalue&"));
    CHECK(p.all("parts[]") == std::vector<std::string_view>{"a", "b"});
    CHECK(p.size() == 2);
}

TEST_CASE("request params: malformed form input is refused", "[rest]") {
    for (const char* bad : {"a=%", "a=%4", "a=%G1", "a=%00", "%zz=1", "a=%C3%28", "a=%ED%A0%80",
                            "a=%C0%AF", "a=%FF"}) {
        RequestParams p;
        INFO(bad);
        CHECK_FALSE(p.add_form(bad));
    }
}

TEST_CASE("request params: at most kMaxParams pairs", "[rest]") {
    std::string many;
    for (std::size_t i = 0; i <= kMaxParams; ++i) {
        many += "a=1&";
    }
    RequestParams p;
    CHECK_FALSE(p.add_form(many));
}

TEST_CASE("request params: JSON bodies become pairs", "[rest]") {
    RequestParams p;
    REQUIRE(p.add_json(R"({"roomType":2,"roomName":"Team","silent":true,"n":null,)"
                       R"("parts":["a",1],"obj":{"k":"v"},"mixed":[{"a":1}]})"));
    CHECK(p.get("roomType") == "2");
    CHECK(p.get("roomName") == "Team");
    CHECK(p.get("silent") == "true");
    CHECK_FALSE(p.has("n"));
    CHECK(p.all("parts[]") == std::vector<std::string_view>{"a", "1"});
    CHECK(p.get("obj") == R"({"k":"v"})");
    CHECK(p.get("mixed") == R"([{"a":1}])");
}

TEST_CASE("request params: malformed JSON bodies are refused", "[rest]") {
    for (const char* bad : {"", "{", "[1,2]", "\"text\"", "{\"a\":}", "{'a':1}", "null"}) {
        RequestParams p;
        INFO(bad);
        CHECK_FALSE(p.add_json(bad));
    }
}

TEST_CASE("request params: typed readers", "[rest]") {
    RequestParams p;
    REQUIRE(p.add_form("a=12&b=-3&c=1x&d=&t=true&f=0&y=yes&w=maybe&big=99999999999999999999"));
    CHECK(*p.integer("a") == std::optional<int64_t>{12});
    CHECK(*p.integer("b") == std::optional<int64_t>{-3});
    CHECK_FALSE(p.integer("c"));
    CHECK_FALSE(p.integer("d"));
    CHECK_FALSE(p.integer("big"));
    CHECK(*p.integer("none") == std::nullopt);
    CHECK(*p.boolean("t") == std::optional<bool>{true});
    CHECK(*p.boolean("f") == std::optional<bool>{false});
    CHECK(*p.boolean("y") == std::optional<bool>{true});
    CHECK(*p.boolean("d") == std::optional<bool>{false});
    CHECK_FALSE(p.boolean("w"));
    CHECK(*p.boolean("none") == std::nullopt);
}

TEST_CASE("request params: a JSON string that looks like JSON stays a string", "[rest]") {
    // Found by the fuzz target (corpus seed json_string_bracket).
    RequestParams p;
    REQUIRE(p.add_json(R"({"kk":"[","o":"{}"})"));
    CHECK(p.get("kk") == "[");
    CHECK(p.get("o") == "{}");
    CHECK_FALSE(p.has("kk[]"));
}
