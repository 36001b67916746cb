// For the REST API tests: a BackendService over a fresh SQLite store in a temporary folder
// (argon2id at its cheapest), users alice, bob and carol, and calls made the way the HTTP edge
// makes them, with the envelope's data parsed back.
#pragma once

#include "common/base64url.hpp"
#include "signaling/backend/rest/rest_router.hpp"
#include "signaling/backend/store/store_factories_test_support.hpp"
#include "signaling/backend/store/temp_dir_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace tern::sig::backend::rest {

inline std::string basic_auth(std::string_view user, std::string_view password) {
    std::string b64 = base64url_encode(std::string(user) + ":" + std::string(password));
    std::replace(b64.begin(), b64.end(), '-', '+');
    std::replace(b64.begin(), b64.end(), '_', '/');
    while (b64.size() % 4 != 0) {
        b64 += '=';
    }
    return "Basic " + b64;
}

inline constexpr std::string_view kRoomApi = "/ocs/v2.php/apps/spreed/api/v4/room";
inline constexpr std::string_view kChatApi = "/ocs/v2.php/apps/spreed/api/v1/chat/";
inline constexpr std::string_view kBackendSecret = "backend-secret-for-the-tests";

struct RestFixture {
    TempDir dir;
    std::unique_ptr<BackendService> service;
    RestNow now{1'800'000'000, 1'800'000'000'000'000};
    std::string alice = basic_auth("alice", "alice-password");
    std::string bob = basic_auth("bob", "bob-password");
    std::string carol = basic_auth("carol", "carol-password");

    RestFixture() {
        auto store = store_factories().front().open(dir.path());
        REQUIRE(store);
        RestSettings s;
        s.ticket_key = "0123456789abcdef0123456789abcdef";
        s.backend_secrets = {std::string(kBackendSecret)};
        s.turn_secret = "turn-secret";
        s.turn_servers = {"turn:198.51.100.7:3478?transport=udp",
                          "turns:turn.example.com:5349?transport=tcp"};
        service = std::make_unique<BackendService>(std::move(*store), s, Argon2Params{64, 1, 1});
        for (const char* who : {"alice", "bob", "carol"}) {
            std::string display(who);
            display[0] = static_cast<char>(display[0] - 32);
            REQUIRE(service->users().add(who, display, std::string(who) + "-password", now.s));
        }
    }

    RestRequest request(std::string method, const std::string& target, std::string body = {},
                        std::string content_type = {}) const {
        RestRequest r;
        r.method = std::move(method);
        const std::size_t q = target.find('?');
        r.path = target.substr(0, q);
        r.query = q == std::string::npos ? std::string() : target.substr(q + 1);
        r.body = std::move(body);
        r.content_type = std::move(content_type);
        if (!r.body.empty() && r.content_type.empty()) {
            r.content_type = "application/x-www-form-urlencoded";
        }
        r.authorization = alice;
        r.ocs_api_request = "true";
        r.client_ip = "192.0.2.1";
        r.base_url = "http://127.0.0.1:8080";
        return r;
    }

    RestOutcome outcome(const RestRequest& r) { return handle_rest(*service, r, now); }

    RestReply call(const RestRequest& r) {
        RestOutcome o = outcome(r);
        REQUIRE(std::holds_alternative<RestReply>(o));
        return std::get<RestReply>(std::move(o));
    }

    /// A call as `auth` (alice when empty).
    RestReply call(std::string method, const std::string& target, std::string body = {},
                   const std::string& auth = {}) {
        RestRequest r = request(std::move(method), target, std::move(body));
        if (!auth.empty()) {
            r.authorization = auth;
        }
        return call(r);
    }

    static nlohmann::json ocs(const RestReply& r) { return nlohmann::json::parse(r.body)["ocs"]; }
    static nlohmann::json data(const RestReply& r) { return ocs(r)["data"]; }

    static std::string header(const RestReply& r, std::string_view name) {
        for (const auto& [k, v] : r.headers) {
            if (k == name) {
                return v;
            }
        }
        return {};
    }

    /// A group room made by alice with bob in it; returns its token.
    std::string group_with_bob(const std::string& name = "Team") {
        auto made = call("POST", std::string(kRoomApi), "roomType=2&roomName=" + name);
        REQUIRE(made.status == 201);
        std::string token = data(made)["token"];
        REQUIRE(call("POST", std::string(kRoomApi) + "/" + token + "/participants",
                     "newParticipant=bob&source=users")
                    .status == 200);
        return token;
    }

    /// How many rooms `auth` sees.
    std::size_t room_count(const std::string& auth = {}) {
        auto r = call("GET", std::string(kRoomApi), {}, auth);
        REQUIRE(r.status == 200);
        return data(r).size();
    }
};

}  // namespace tern::sig::backend::rest
