// JsonWriter: nesting and commas, string escapes (RFC 8259 §7), numbers, raw splices; every
// output parses back to what was written.
#include "signaling/api/json_writer.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

using tern::sig::api::JsonWriter;

TEST_CASE("JsonWriter: nested objects and arrays with commas where they belong",
          "[signaling][api]") {
    std::string out;
    JsonWriter w{out};
    w.begin_object()
        .field("a", 1)
        .key("b")
        .begin_array()
        .value("x")
        .value(true)
        .null()
        .begin_object()
        .end_object();
    w.end_array().field("c", std::numeric_limits<uint64_t>::max()).field("d", int64_t{-5});
    w.raw_field("e", R"({"k":[1,2]})").end_object();
    CHECK(w.complete());
    CHECK(out ==
          R"({"a":1,"b":["x",true,null,{}],"c":18446744073709551615,"d":-5,"e":{"k":[1,2]}})");
    CHECK_NOTHROW(nlohmann::json::parse(out));
}

TEST_CASE("JsonWriter: strings are escaped and read back unchanged", "[signaling][api]") {
    std::string s = "quote\" backslash\\ newline\n tab\t cr\r nul";
    s.push_back('\0');
    s += " bell\x07 unicode \xc3\xa4\xe2\x82\xac";
    std::string out;
    JsonWriter w{out};
    w.begin_object().field("s", s).end_object();
    CHECK(out.find('\n') == std::string::npos);
    CHECK(out.find("\\u0000") != std::string::npos);
    CHECK(out.find("\\u0007") != std::string::npos);
    CHECK(nlohmann::json::parse(out)["s"].get<std::string>() == s);
}

TEST_CASE("JsonWriter: unbalanced or too deep output is reported", "[signaling][api]") {
    std::string out;
    JsonWriter open{out};
    open.begin_object();
    CHECK_FALSE(open.complete());
    std::string deep;
    JsonWriter w{deep};
    for (int i = 0; i < JsonWriter::kMaxDepth + 1; ++i) {
        w.begin_array();
    }
    for (int i = 0; i < JsonWriter::kMaxDepth + 1; ++i) {
        w.end_array();
    }
    CHECK_FALSE(w.complete());
}
