// Signaling settings (ticket, TURN credentials) and the signaling backend endpoint (signed
// auth, room, ping and session requests), as the reference server or tern's hub calls it.
#include "common/turn/credentials.hpp"
#include "signaling/backend/rest/rest_test_support.hpp"
#include "signaling/backend/rest/talk_ticket.hpp"
#include "signaling/backend_api/checksum.hpp"

using namespace tern::sig;
using namespace tern::sig::backend;
using namespace tern::sig::backend::rest;

namespace {

constexpr std::string_view kSettings = "/ocs/v2.php/apps/spreed/api/v3/signaling/settings";
constexpr std::string_view kBackend = "/ocs/v2.php/apps/spreed/api/v3/signaling/backend";

RestRequest signed_post(RestFixture& f, const std::string& body,
                        std::string_view secret = kBackendSecret) {
    RestRequest r = f.request("POST", std::string(kBackend), body, "application/json");
    r.authorization.clear();
    r.signaling_random = backend_random();
    r.signaling_checksum = backend_checksum(secret, r.signaling_random, body);
    return r;
}

}  // namespace

TEST_CASE("rest signaling settings: server, ticket, STUN and TURN with credentials", "[rest]") {
    RestFixture f;
    const RestReply r = f.call("GET", std::string(kSettings));
    REQUIRE(r.status == 200);
    const auto d = RestFixture::data(r);
    CHECK(d["signalingMode"] == "external");
    CHECK(d["server"] == "http://127.0.0.1:8080");
    CHECK(d["userId"] == "alice");
    const std::string ticket = d["ticket"];
    CHECK(verify_ticket("0123456789abcdef0123456789abcdef", "alice", ticket, f.now.s));
    CHECK(d["helloAuthParams"]["1.0"]["userid"] == "alice");
    CHECK(d["helloAuthParams"]["1.0"]["ticket"] == ticket);
    CHECK(d["stunservers"][0]["urls"][0] == "stun:198.51.100.7:3478");
    CHECK(d["stunservers"].size() == 1);
    const auto turn = d["turnservers"][0];
    CHECK(turn["urls"].size() == 2);
    const std::string user = turn["username"];
    CHECK(user == std::to_string(f.now.s + 24 * 3600) + ":alice");
    CHECK(turn["credential"] == tern::turn::rest_password("turn-secret", user));
}

TEST_CASE("rest signaling settings: a room token must be the caller's", "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    CHECK(f.call("GET", std::string(kSettings) + "?token=" + token, {}, f.bob).status == 200);
    CHECK(f.call("GET", std::string(kSettings) + "?token=" + token, {}, f.carol).status == 404);
    CHECK(f.call("POST", std::string(kSettings)).status == 405);
    RestRequest anon = f.request("GET", std::string(kSettings));
    anon.authorization.clear();
    CHECK(f.call(anon).status == 401);
}

TEST_CASE("rest signaling backend: auth with the settings' ticket", "[rest]") {
    RestFixture f;
    const std::string ticket = RestFixture::data(f.call("GET", std::string(kSettings)))["ticket"];
    const RestReply ok = f.call(signed_post(
        f, R"({"type":"auth","auth":{"version":"1.0","params":{"userid":"alice","ticket":")" +
               ticket + R"("}}})"));
    CHECK(ok.status == 200);
    const auto a = RestFixture::data(ok);
    CHECK(a["type"] == "auth");
    CHECK(a["auth"]["userid"] == "alice");
    CHECK(a["auth"]["user"]["displayname"] == "Alice");

    const auto error_code = [&](const RestRequest& r) {
        const RestReply reply = f.call(r);
        CHECK(reply.status == 200);
        return RestFixture::data(reply)["error"]["code"].get<std::string>();
    };
    CHECK(
        error_code(signed_post(f, R"({"type":"auth","auth":{"params":{"userid":"bob","ticket":")" +
                                      ticket + R"("}}})")) == "invalid_ticket");
    CHECK(error_code(signed_post(f, R"({"type":"auth","auth":{"params":{"userid":"alice"}}})",
                                 "wrong-secret")) == "invalid_request");
    CHECK(error_code(signed_post(f, R"({"type":"dance"})")) == "invalid_request");
    CHECK(error_code(signed_post(f, "not json")) == "invalid_request");
    RestRequest short_random = signed_post(f, R"({"type":"ping","ping":{"roomid":""}})");
    short_random.signaling_random = "short";
    short_random.signaling_checksum = backend_checksum(kBackendSecret, "short", short_random.body);
    CHECK(error_code(short_random) == "invalid_request");
    const RestReply guest = f.call(signed_post(f, R"({"type":"auth","auth":{"params":{}}})"));
    CHECK(RestFixture::data(guest)["type"] == "auth");
    CHECK_FALSE(RestFixture::data(guest)["auth"].contains("userid"));
}

TEST_CASE("rest signaling backend: room join and leave by the Talk session", "[rest]") {
    RestFixture f;
    const std::string token = f.group_with_bob();
    const std::string session = RestFixture::data(
        f.call("POST", std::string(kRoomApi) + "/" + token + "/participants/active", {},
               f.bob))["sessionId"];
    const std::string join = R"({"type":"room","room":{"version":"1.0","roomid":")" + token +
                             R"(","userid":"bob","sessionid":")" + session + R"("}})";
    const RestReply joined = f.call(signed_post(f, join));
    const auto room = RestFixture::data(joined)["room"];
    CHECK(room["roomid"] == token);
    CHECK(room["properties"]["name"] == "Team");
    CHECK(room["properties"]["type"] == 2);
    const auto& perms = room["permissions"];
    CHECK(std::find(perms.begin(), perms.end(), "publish-media") != perms.end());
    CHECK(std::find(perms.begin(), perms.end(), "control") == perms.end());

    const std::string wrong = R"({"type":"room","room":{"roomid":")" + token +
                              R"(","userid":"carol","sessionid":"nope"}})";
    CHECK(RestFixture::data(f.call(signed_post(f, wrong)))["error"]["code"] == "no_such_room");
    const std::string other = R"({"type":"room","room":{"roomid":"zzzzzzzz","userid":"bob",)"
                              R"("sessionid":")" +
                              session + R"("}})";
    CHECK(RestFixture::data(f.call(signed_post(f, other)))["error"]["code"] == "no_such_room");

    const std::string leave = R"({"type":"room","room":{"roomid":")" + token +
                              R"(","userid":"bob","sessionid":")" + session +
                              R"(","action":"leave"}})";
    CHECK(RestFixture::data(f.call(signed_post(f, leave)))["type"] == "room");
    auto people =
        RestFixture::data(f.call("GET", std::string(kRoomApi) + "/" + token + "/participants"));
    CHECK(people[1]["sessionIds"].empty());

    const RestReply ping = f.call(
        signed_post(f, R"({"type":"ping","ping":{"roomid":")" + token + R"(","entries":[]}})"));
    CHECK(RestFixture::data(ping)["type"] == "room");
    CHECK(f.call(f.request("GET", std::string(kBackend))).status == 405);
}
