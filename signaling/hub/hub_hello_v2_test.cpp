// Hello v2: the JWT Talk gives a client, checked against the key in the backend's capabilities;
// signaling-protocol.md §8 item 8.
#include "common/crypto/jwt.hpp"
#include "signaling/hub/hub_test_harness.hpp"

#include <algorithm>

using namespace tern;
using namespace tern::sig;
using namespace tern::sig::test;

namespace {

struct TokenKey {
    std::string private_pem;
    std::string public_pem;
    TokenKey() {
        auto pair = crypto::generate_key_pem(crypto::JwsAlg::ES256);
        REQUIRE(pair);
        private_pem = pair->first;
        public_pem = pair->second;
    }
    std::string sign(const json& claims) const {
        auto key = crypto::private_key_from_pem(private_pem);
        REQUIRE(key);
        auto token = crypto::sign_jws(crypto::JwsAlg::ES256, key->get(), claims.dump());
        REQUIRE(token);
        return *token;
    }
};

json hello_v2(const std::string& token) {
    json h = HubHarness::hello_v1("");
    h["hello"]["version"] = "2.0";
    h["hello"]["auth"]["params"] = {{"token", token}};
    return h;
}

BackendReply capabilities(const std::string& key_pem) {
    json signaling = json::object();
    if (!key_pem.empty()) {
        signaling["hello-v2-token-key"] = key_pem;
    }
    const json data = {
        {"capabilities",
         {{"spreed", {{"features", {"signaling-v3"}}, {"config", {{"signaling", signaling}}}}}}}};
    BackendReply r = ok_reply(data);
    r.max_age_s = 300;
    return r;
}

int64_t seconds(const HubHarness& h) {
    return static_cast<int64_t>(h.now / 1'000'000);
}

}  // namespace

TEST_CASE("hub §8.8: a v2 hello is checked with the capabilities' key, without an auth request",
          "[signaling][hub]") {
    HubHarness h;
    const TokenKey key;
    const int64_t now = seconds(h);
    const json claims = {{"iat", now},
                         {"exp", now + 60},
                         {"sub", "alice"},
                         {"userdata", {{"displayname", "Alice"}}}};
    h.open(1);
    const Effects fx = h.text(1, hello_v2(key.sign(claims)));
    CHECK(frames(fx, 1).empty());
    REQUIRE(fx.calls.size() == 1);
    CHECK(fx.calls[0].method == HttpMethod::Get);
    CHECK(fx.calls[0].url == "https://nc.test/ocs/v2.php/cloud/capabilities");
    const json hello = only_frame(
        h.hub->on_backend_reply(fx.calls[0].call, capabilities(key.public_pem), h.now), 1);
    CHECK(hello["hello"]["version"] == "2.0");
    CHECK(hello["hello"]["userid"] == "alice");

    // Cached now: the next hello is answered at once, and nothing asks the backend.
    h.open(2);
    const Effects second = h.text(2, hello_v2(key.sign(claims)));
    CHECK(second.calls.empty());
    CHECK(only_frame(second, 2)["hello"]["userid"] == "alice");
    const Client bob = h.connect(3, "bob");
    CHECK(
        h.text(3, {{"id", "j"}, {"type", "room"}, {"room", {{"roomid", "r1"}}}}).calls.at(0).url ==
        "https://nc.test/ocs/v2.php/apps/spreed/api/v3/signaling/backend");
    (void)bob;
}

TEST_CASE("hub §8.8: expired, not yet valid and badly signed tokens", "[signaling][hub]") {
    HubHarness h;
    const TokenKey key;
    const TokenKey other;
    const int64_t now = seconds(h);
    h.open(1);
    const Effects first =
        h.text(1, hello_v2(key.sign({{"iat", now - 300}, {"exp", now - 120}, {"sub", "alice"}})));
    REQUIRE(first.calls.size() == 1);
    const Effects expired =
        h.hub->on_backend_reply(first.calls[0].call, capabilities(key.public_pem), h.now);
    CHECK(only_frame(expired, 1)["error"]["code"] == "token_expired");
    CHECK(only_frame(h.text(1, hello_v2(key.sign(
                                   {{"iat", now + 300}, {"exp", now + 360}, {"sub", "alice"}}))),
                     1)["error"]["code"] == "token_not_valid_yet");
    CHECK(only_frame(
              h.text(1, hello_v2(other.sign({{"iat", now}, {"exp", now + 60}, {"sub", "alice"}}))),
              1)["error"]["code"] == "invalid_token");
    CHECK(h.hub->stats().sessions == 0);
}

TEST_CASE("hub §3.2: a backend without a token key is asked once more, then the hello fails",
          "[signaling][hub]") {
    HubHarness h;
    const TokenKey key;
    const int64_t now = seconds(h);
    h.open(1);
    const Effects fx =
        h.text(1, hello_v2(key.sign({{"iat", now}, {"exp", now + 60}, {"sub", "alice"}})));
    const Effects again = h.hub->on_backend_reply(fx.calls.at(0).call, capabilities(""), h.now);
    CHECK(frames(again, 1).empty());
    REQUIRE(again.calls.size() == 1);  // the forced refetch
    const Effects done = h.hub->on_backend_reply(again.calls[0].call, capabilities(""), h.now);
    CHECK(only_frame(done, 1)["error"]["code"] == "invalid_token");
    CHECK(done.calls.empty());
}

TEST_CASE(
    "hub §8.36: with a session-ping-limit, all rooms of a backend are pinged together, in chunks",
    "[signaling][hub]") {
    HubHarness h;
    const TokenKey key;
    const int64_t now = seconds(h);
    h.open(9);
    const Effects fx =
        h.text(9, hello_v2(key.sign({{"iat", now}, {"exp", now + 60}, {"sub", "zoe"}})));
    BackendReply caps = capabilities(key.public_pem);
    json doc = json::parse(caps.body);
    doc["ocs"]["data"]["capabilities"]["spreed"]["config"]["signaling"]["session-ping-limit"] = 2;
    caps.body = doc.dump();
    h.hub->on_backend_reply(fx.calls.at(0).call, caps, h.now);

    const Client a = h.connect(1, "a");
    const Client b = h.connect(2, "b");
    const Client c = h.connect(3, "c");
    h.join(a, "r1", "nc1");
    h.join(b, "r1", "nc2");
    h.join(c, "r2", "nc3");
    const auto pings = call_bodies(h.advance(10'000'000));
    REQUIRE(pings.size() == 2);
    std::vector<std::string> seen;
    for (const json& p : pings) {
        CHECK(p["ping"]["roomid"] == "");
        CHECK(p["ping"]["entries"].size() <= 2);
        for (const json& e : p["ping"]["entries"]) {
            seen.push_back(e["sessionid"]);
        }
    }
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<std::string>{"nc1", "nc2", "nc3"});
    CHECK(call_bodies(h.advance(10'000'000)).size() == 2);  // once per interval, not once per room
}
