// The server's frames: shapes the reference server writes (and Talk's clients read).
#include "signaling/api/server_messages.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <nlohmann/json.hpp>

using namespace tern::sig::api;
using nlohmann::json;

TEST_CASE("server messages: welcome lists features sorted", "[signaling][api]") {
    std::string out;
    const std::array<std::string_view, 3> f{"welcome", "hello-v2", "mcu"};
    write_welcome(out, f);
    const auto j = json::parse(out);
    CHECK(j["type"] == "welcome");
    CHECK(j["welcome"]["version"] == std::string(kServerVersion));
    CHECK(j["welcome"]["features"] == json{"hello-v2", "mcu", "welcome"});
    CHECK_FALSE(j["welcome"].contains("country"));
}

TEST_CASE("server messages: hello reply always has userid and the server's features",
          "[signaling][api]") {
    std::string out;
    const std::array<std::string_view, 2> f{"mcu", "hello-v2"};
    write_hello_reply(out, {"1", "2.0", "pub", "priv", "", f});
    const auto j = json::parse(out);
    CHECK(j["id"] == "1");
    CHECK(j["hello"]["userid"] == "");
    CHECK(j["hello"]["sessionid"] == "pub");
    CHECK(j["hello"]["resumeid"] == "priv");
    CHECK(j["hello"]["server"]["features"] == json{"hello-v2", "mcu"});
}

TEST_CASE("server messages: errors, bye and room replies", "[signaling][api]") {
    std::string e;
    write_error(e, "2", ErrorCode::AlreadyJoined, "already joined", R"({"room":{"roomid":"abc"}})");
    auto j = json::parse(e);
    CHECK(
        j ==
        json::parse(
            R"({"id":"2","type":"error","error":{"code":"already_joined","message":"already joined",)"
            R"("details":{"room":{"roomid":"abc"}}}})"));
    std::string fwd;
    write_error(fwd, "", ErrorCode::InternalError, "from the backend", {}, "some_backend_code");
    CHECK(json::parse(fwd)["error"]["code"] == "some_backend_code");
    CHECK_FALSE(json::parse(fwd).contains("id"));

    std::string bye;
    write_bye(bye, "9");
    CHECK(json::parse(bye) == json::parse(R"({"id":"9","type":"bye"})"));
    std::string bye2;
    write_bye(bye2, "", "hello_timeout");
    CHECK(json::parse(bye2) == json::parse(R"({"type":"bye","bye":{"reason":"hello_timeout"}})"));

    std::string room;
    write_room_reply(room, {"2", "abc", R"({"name":"Team","type":2})", 1048576, 2097152});
    CHECK(
        json::parse(room) ==
        json::parse(
            R"({"id":"2","type":"room","room":{"roomid":"abc","properties":{"name":"Team","type":2},)"
            R"("bandwidth":{"maxstreambitrate":1048576,"maxscreenbitrate":2097152}}})"));
    std::string left;
    write_room_reply(left, {"3", "", {}, 0, 0});
    CHECK(json::parse(left) == json::parse(R"({"id":"3","type":"room","room":{"roomid":""}})"));
}

TEST_CASE("server messages: every error code has its wire name and back", "[signaling][api]") {
    for (int i = 0; i <= static_cast<int>(ErrorCode::InternalError); ++i) {
        const auto c = static_cast<ErrorCode>(i);
        ErrorCode back{};
        REQUIRE(code_from_name(code_name(c), back));
        CHECK(back == c);
    }
    ErrorCode x{};
    CHECK_FALSE(code_from_name("no_such_code", x));
}
