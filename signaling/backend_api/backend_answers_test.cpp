// Nextcloud's answers: the OCS envelope, each answer type, Talk's errors and throttling, and
// bodies that are not answers at all.
#include "signaling/backend_api/backend_answers.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace tern::sig;
using nlohmann::json;

namespace {

std::string ocs(std::string_view data, int status = 200) {
    return R"({"ocs":{"meta":{"status":"ok","statuscode":)" + std::to_string(status) +
           R"(,"message":"OK"},"data":)" + std::string(data) + "}}";
}

template <class T>
T answer_as(std::string_view body) {
    auto r = parse_backend_answer(body);
    REQUIRE(r);
    REQUIRE(std::holds_alternative<T>(*r));
    return std::get<T>(*r);
}

BackendAnswerError error_of(std::string_view body) {
    auto r = parse_backend_answer(body);
    REQUIRE_FALSE(r);
    return r.error();
}

}  // namespace

TEST_CASE("backend answers: auth, OCS-wrapped or bare", "[signaling][backend]") {
    const std::string data =
        R"({"type":"auth","auth":{"version":"1.0","userid":"alice","user":{"displayname":"Alice"}}})";
    for (const auto& body : {ocs(data), data}) {
        const auto a = answer_as<api::BackendAuthAnswer>(body);
        CHECK(a.user_id == "alice");
        CHECK(json::parse(a.user) == json{{"displayname", "Alice"}});
    }
    const auto guest =
        answer_as<api::BackendAuthAnswer>(ocs(R"({"type":"auth","auth":{"version":"1.0"}})"));
    CHECK(guest.user_id.empty());
    CHECK(guest.user.empty());
}

TEST_CASE("backend answers: room with properties, permissions and session",
          "[signaling][backend]") {
    const auto r = answer_as<api::BackendRoomAnswer>(ocs(
        R"({"type":"room","room":{"version":"1.0","roomid":"r1","properties":{"name":"Team","type":2},)"
        R"("permissions":["publish-media","control"],"session":{"userid":"alice"}}})"));
    CHECK(r.room_id == "r1");
    CHECK(json::parse(r.properties) == json{{"name", "Team"}, {"type", 2}});
    REQUIRE(r.permissions);
    CHECK(*r.permissions == std::vector<std::string>{"publish-media", "control"});
    CHECK(json::parse(r.session) == json{{"userid", "alice"}});

    // No permissions member: nullopt (everything allowed); an empty list is a list.
    const auto bare =
        answer_as<api::BackendRoomAnswer>(ocs(R"({"type":"room","room":{"version":"1.0"}})"));
    CHECK(bare.room_id.empty());
    CHECK_FALSE(bare.permissions);
    CHECK(bare.properties.empty());
    CHECK(bare.session.empty());
    const auto none = answer_as<api::BackendRoomAnswer>(
        R"({"type":"room","room":{"roomid":"r","permissions":[]}})");
    REQUIRE(none.permissions);
    CHECK(none.permissions->empty());
}

TEST_CASE("backend answers: Talk's errors are kept whole, even under a failure status",
          "[signaling][backend]") {
    const auto e = answer_as<api::BackendError>(ocs(
        R"({"type":"error","error":{"code":"invalid_ticket","message":"x","details":{"a":1}}})"));
    CHECK(e.code == "invalid_ticket");
    CHECK(e.message == "x");
    CHECK(json::parse(e.details) == json{{"a", 1}});

    const auto failed = answer_as<api::BackendError>(
        R"({"ocs":{"meta":{"status":"failure","statuscode":404,"message":""},)"
        R"("data":{"type":"error","error":{"code":"no_such_room","message":"The user is not invited"}}}})");
    CHECK(failed.code == "no_such_room");
    CHECK(failed.details.empty());
}

TEST_CASE("backend answers: OCS status 429 is throttling", "[signaling][backend]") {
    const auto e = error_of(R"({"ocs":{"meta":{"status":"failure","statuscode":429},"data":[]}})");
    CHECK(e.throttled);
    CHECK(error_of(ocs(R"({"type":"error","error":{"code":"x"}})", 429)).throttled);
}

TEST_CASE("backend answers: other types are named for the caller", "[signaling][backend]") {
    CHECK(answer_as<api::BackendOtherAnswer>(ocs(R"({"type":"ping"})")).type == "ping");
    CHECK(answer_as<api::BackendOtherAnswer>(R"({"type":"unknown_type","x":1})").type ==
          "unknown_type");
}

TEST_CASE("backend answers: malformed bodies are errors, never crashes", "[signaling][backend]") {
    for (const char* body : {
             "",
             "<html>Internal Server Error</html>",
             "[]",
             "\"auth\"",
             "{",
             R"({"type":""})",
             R"({"user":1})",
             R"({"type":5})",
             R"({"type":"auth"})",
             R"({"type":"auth","auth":[]})",
             R"({"type":"auth","auth":{"userid":7}})",
             R"({"type":"room","room":{"permissions":"all"}})",
             R"({"type":"room","room":{"permissions":[1]}})",
             R"({"type":"room","room":{"properties":[]}})",
             R"({"type":"error","error":{"message":"no code"}})",
             R"({"ocs":{"meta":{"statuscode":500}}})",
             R"({"ocs":{"meta":{"statuscode":200},"data":[]}})",
             R"({"ocs":{"data":{"notype":1}}})",
         }) {
        INFO(body);
        const auto e = error_of(body);
        CHECK_FALSE(e.message.empty());
        CHECK_FALSE(e.throttled);
    }
}

TEST_CASE("backend answers: only application/json replies are read", "[signaling][backend]") {
    const std::string data = R"({"type":"auth","auth":{"version":"1.0","userid":"alice"}})";
    for (const char* ct : {"application/json", "application/json; charset=utf-8",
                           "Application/JSON", " application/json"}) {
        INFO(ct);
        CHECK(parse_backend_answer(ct, data));
    }
    for (const char* ct :
         {"", "text/html", "text/plain; charset=utf-8", "application/jsonp", "application/js"}) {
        INFO(ct);
        auto r = parse_backend_answer(ct, data);
        REQUIRE_FALSE(r);
        CHECK_FALSE(r.error().throttled);
    }
}
