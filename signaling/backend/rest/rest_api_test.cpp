// The REST router as a whole: capabilities, the envelope's versions and formats, routing
// errors, parameter errors, authentication failures: each a clear OCS error.
#include "signaling/backend/rest/capabilities_api.hpp"
#include "signaling/backend/rest/rest_test_support.hpp"

using namespace tern::sig::backend;
using namespace tern::sig::backend::rest;

TEST_CASE("rest api: capabilities list the features and config clients read", "[rest]") {
    RestFixture f;
    RestRequest r = f.request("GET", "/ocs/v2.php/cloud/capabilities");
    r.authorization.clear();  // public, like Nextcloud's
    const RestReply reply = f.call(r);
    CHECK(reply.status == 200);
    CHECK(reply.content_type == "application/json; charset=utf-8");
    const auto spreed = RestFixture::data(reply)["capabilities"]["spreed"];
    const auto& features = spreed["features"];
    for (const char* name : {"conversation-v4", "chat-v2", "delete-messages", "signaling-v3",
                             "reactions", "webinary-lobby"}) {
        INFO(name);
        CHECK(std::find(features.begin(), features.end(), name) != features.end());
    }
    CHECK(spreed["config"]["chat"]["max-length"] == 32000);
    CHECK(spreed["config"]["attachments"]["allowed"] == false);
    CHECK(spreed["config"]["conversations"]["can-create"] == true);
    CHECK(spreed["config"]["call"]["enabled"] == true);
    CHECK(spreed["config"]["signaling"]["session-ping-limit"] == 200);
}

TEST_CASE("rest api: v1 paths answer 100 in HTTP 200; XML on request", "[rest]") {
    RestFixture f;
    const RestReply v1 = f.call("GET", "/ocs/v1.php/cloud/capabilities");
    CHECK(v1.status == 200);
    CHECK(RestFixture::ocs(v1)["meta"]["statuscode"] == 100);
    const RestReply missing = f.call("GET", "/ocs/v1.php/apps/spreed/api/v4/room/abcdefgh");
    CHECK(missing.status == 200);
    CHECK(RestFixture::ocs(missing)["meta"]["statuscode"] == 998);

    const RestReply xml = f.call("GET", "/ocs/v2.php/cloud/capabilities?format=xml");
    CHECK(xml.content_type == "application/xml; charset=utf-8");
    CHECK(xml.body.find("<element>conversation-v4</element>") != std::string::npos);
    RestRequest accept = f.request("GET", std::string(kRoomApi));
    accept.accept = "application/xml";
    const RestReply list = f.call(accept);
    CHECK(list.status == 200);
    CHECK(list.body.find("<status>ok</status>") != std::string::npos);
}

TEST_CASE("rest api: unknown paths 404, wrong methods 405, bad bodies 400 or 415", "[rest]") {
    RestFixture f;
    auto status = [&](const RestReply& r) {
        INFO(r.body);
        CHECK(RestFixture::ocs(r)["meta"]["status"] == "failure");
        CHECK_FALSE(RestFixture::ocs(r)["meta"]["message"].get<std::string>().empty());
        return r.status;
    };
    CHECK(status(f.call("GET", "/ocs/v2.php/apps/spreed/api/v9/room")) == 404);
    CHECK(status(f.call("GET", "/ocs/v2.php/apps/files/api/v1/x")) == 404);
    CHECK(status(f.call("POST", "/ocs/v2.php/cloud/capabilities")) == 405);
    CHECK(status(f.call("PATCH", std::string(kRoomApi))) == 405);
    CHECK(status(f.call("GET", std::string(kRoomApi) + "/NOT-A-TOKEN")) == 404);
    CHECK(status(f.call("GET", std::string(kRoomApi) + "?a=%zz")) == 400);
    CHECK(status(f.call("POST", std::string(kRoomApi), "roomType=2&roomName=%")) == 400);
    CHECK(status(f.call(f.request("POST", std::string(kRoomApi), "{bad", "application/json"))) ==
          400);
    CHECK(status(f.call(f.request("POST", std::string(kRoomApi), "x", "multipart/form-data"))) ==
          415);
    CHECK(status(f.call(f.request("POST", std::string(kRoomApi), "x", "text/plain"))) == 415);
    CHECK(f.room_count() == 0);
}

TEST_CASE("rest api: without a login 401 and nothing is stored", "[rest]") {
    RestFixture f;
    RestRequest r = f.request("POST", std::string(kRoomApi), "roomType=2&roomName=Team");
    r.authorization.clear();
    RestReply reply = f.call(r);
    CHECK(reply.status == 401);
    CHECK(RestFixture::header(reply, "WWW-Authenticate").starts_with("Basic"));
    r.authorization = basic_auth("alice", "wrong-password");
    CHECK(f.call(r).status == 401);
    r.authorization = f.alice;
    r.ocs_api_request.clear();
    CHECK(f.call(r).status == 401);
    CHECK(f.room_count() == 0);
}

TEST_CASE("rest api: JSON bodies work like form bodies", "[rest]") {
    RestFixture f;
    const RestReply made =
        f.call(f.request("POST", std::string(kRoomApi), R"({"roomType":3,"roomName":"Open"})",
                         "application/json; charset=utf-8"));
    CHECK(made.status == 201);
    CHECK(RestFixture::data(made)["type"] == 3);
    CHECK(RestFixture::data(made)["name"] == "Open");
}

TEST_CASE("rest api: a page's own request gets its 401 without a Basic challenge", "[rest]") {
    RestFixture f;
    RestRequest r = f.request("GET", std::string(kRoomApi), "");
    r.authorization = basic_auth("alice", "wrong-password");
    r.requested_with = "XMLHttpRequest";
    const RestReply reply = f.call(r);
    CHECK(reply.status == 401);
    // Nextcloud's rule: the browser would answer the challenge with its own login dialog.
    CHECK(RestFixture::header(reply, "WWW-Authenticate").empty());
}
