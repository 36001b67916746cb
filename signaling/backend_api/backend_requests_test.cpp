// The request bodies this server POSTs to Nextcloud, compared as JSON with the shapes of
// signaling-protocol.md §4 (and checklist items 6, 10, 14, 36, 39).
#include "signaling/backend_api/backend_requests.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace tern::sig;
using nlohmann::json;

TEST_CASE("backend requests: auth forwards the hello params unchanged", "[signaling][backend]") {
    const auto body =
        write_backend_request(api::BackendAuthRequest{R"({"userid":"alice","ticket":"t"})"});
    CHECK(
        json::parse(body) ==
        json::parse(
            R"({"type":"auth","auth":{"version":"1.0","params":{"userid":"alice","ticket":"t"}}})"));
    // The checksum test vector's body, byte for byte: the writer adds no spaces.
    CHECK(write_backend_request(api::BackendAuthRequest{R"({"hello":"world"})"}) ==
          R"({"type":"auth","auth":{"version":"1.0","params":{"hello":"world"}}})");
}

TEST_CASE("backend requests: room join has no action, leave has one, options only when set",
          "[signaling][backend]") {
    api::BackendRoomRequest join{"r1", "alice", "nc1", false, "", "", std::nullopt};
    CHECK(
        json::parse(write_backend_request(join)) ==
        json::parse(
            R"({"type":"room","room":{"version":"1.0","roomid":"r1","userid":"alice","sessionid":"nc1"}})"));

    api::BackendRoomRequest leave = join;
    leave.leave = true;
    CHECK(json::parse(write_backend_request(leave)) ==
          json::parse(R"({"type":"room","room":{"version":"1.0","roomid":"r1","userid":"alice",)"
                      R"("sessionid":"nc1","action":"leave"}})"));

    api::BackendRoomRequest guest{"r1", "", "nc2", false, "phone-1", "phones", 3};
    CHECK(
        json::parse(write_backend_request(guest)) ==
        json::parse(
            R"({"type":"room","room":{"version":"1.0","roomid":"r1","userid":"","sessionid":"nc2",)"
            R"("actorid":"phone-1","actortype":"phones","incall":3}})"));
}

TEST_CASE("backend requests: ping entries omit an empty userid; merged rooms have roomid \"\"",
          "[signaling][backend]") {
    api::BackendPingRequest ping{"r1", {{"nc1", "alice"}, {"virtual-pub", ""}}};
    CHECK(json::parse(write_backend_request(ping)) ==
          json::parse(R"({"type":"ping","ping":{"version":"1.0","roomid":"r1","entries":[)"
                      R"({"sessionid":"nc1","userid":"alice"},{"sessionid":"virtual-pub"}]}})"));
    api::BackendPingRequest merged{"", {}};
    CHECK(json::parse(write_backend_request(merged)) ==
          json::parse(R"({"type":"ping","ping":{"version":"1.0","roomid":"","entries":[]}})"));
}

TEST_CASE("backend requests: pings chunked at the session-ping-limit", "[signaling][backend]") {
    std::vector<api::BackendPingEntry> entries;
    for (int i = 0; i < 5; ++i) {
        entries.push_back({"nc" + std::to_string(i), i % 2 == 0 ? "u" + std::to_string(i) : ""});
    }
    const auto chunks = write_backend_pings("", entries, 2);
    REQUIRE(chunks.size() == 3);
    CHECK(json::parse(chunks[0]) ==
          json::parse(R"({"type":"ping","ping":{"version":"1.0","roomid":"","entries":[)"
                      R"({"sessionid":"nc0","userid":"u0"},{"sessionid":"nc1"}]}})"));
    CHECK(json::parse(chunks[2])["ping"]["entries"] ==
          json::parse(R"([{"sessionid":"nc4","userid":"u4"}])"));
    // No limit: one body, the same as write_backend_request.
    const auto one = write_backend_pings("r1", entries, 0);
    REQUIRE(one.size() == 1);
    CHECK(one[0] == write_backend_request(api::BackendPingRequest{"r1", entries}));
    CHECK(write_backend_pings("r1", {}, 200).empty());
    CHECK(write_backend_pings("", entries, 200).size() == 1);
}

TEST_CASE("backend requests: virtual session add and remove", "[signaling][backend]") {
    api::BackendSessionRequest add{"r1", true, "V", "", R"({"type":"phone","number":"+4911"})"};
    CHECK(
        json::parse(write_backend_request(add)) ==
        json::parse(R"({"type":"session","session":{"version":"1.0","roomid":"r1","action":"add",)"
                    R"("sessionid":"V","userid":"","user":{"type":"phone","number":"+4911"}}})"));
    api::BackendSessionRequest remove{"r1", false, "V", "", ""};
    CHECK(json::parse(write_backend_request(remove)) ==
          json::parse(
              R"({"type":"session","session":{"version":"1.0","roomid":"r1","action":"remove",)"
              R"("sessionid":"V","userid":""}})"));
}

TEST_CASE("backend requests: endpoint URLs from the normalised base", "[signaling][backend]") {
    CHECK(backend_signaling_url("https://nc.test/", 3) ==
          "https://nc.test/ocs/v2.php/apps/spreed/api/v3/signaling/backend");
    CHECK(backend_signaling_url("https://nc.test/sub/", 1) ==
          "https://nc.test/sub/ocs/v2.php/apps/spreed/api/v1/signaling/backend");
    CHECK(backend_signaling_url("https://nc.test/", 2) ==
          "https://nc.test/ocs/v2.php/apps/spreed/api/v2/signaling/backend");
    CHECK(backend_signaling_url("https://nc.test/", 7) ==
          "https://nc.test/ocs/v2.php/apps/spreed/api/v1/signaling/backend");
    CHECK(backend_capabilities_url("http://nc.test:8080/") ==
          "http://nc.test:8080/ocs/v2.php/cloud/capabilities");
}
