// Request authentication: Basic with passwords and app passwords, the login throttle, browser
// sessions with their CSRF token, the OCS-APIRequest rule, and the header parsers.
#include "signaling/backend/rest/request_auth.hpp"
#include "signaling/backend/rest/rest_test_support.hpp"

using namespace tern::sig::backend;
using namespace tern::sig::backend::rest;

TEST_CASE("request auth: Basic header and cookie parsers", "[rest]") {
    auto c = basic_credentials("Basic YWxpY2U6c2VjcmV0OndpdGg6Y29sb25z");
    REQUIRE(c);
    CHECK(c->first == "alice");
    CHECK(c->second == "secret:with:colons");
    CHECK(basic_credentials(basic_auth("bob", "p+w/d?")).value().second == "p+w/d?");
    CHECK_FALSE(basic_credentials(""));
    CHECK_FALSE(basic_credentials("Bearer abc"));
    CHECK_FALSE(basic_credentials("Basic !!!!"));
    CHECK_FALSE(basic_credentials("Basic YWxpY2U="));  // no colon
    CHECK_FALSE(basic_credentials("Basic YW-_"));
    CHECK(cookie_value("a=1; tern_session=tok; b=2", "tern_session") == "tok");
    CHECK(cookie_value("tern_session_x=1", "tern_session").empty());
    CHECK(cookie_value("", "tern_session").empty());
}

TEST_CASE("request auth: password, app password, wrong password", "[rest]") {
    RestFixture f;
    const RestRequest ok = f.request("GET", "/x");
    auto who = authenticate(*f.service, ok, f.now);
    REQUIRE(who);
    CHECK(who->user.name == "alice");
    CHECK(who->who.display_name == "Alice");

    auto app = f.service->users().add_app_password("alice", "bridge", f.now.s);
    REQUIRE(app);
    RestRequest with_app = ok;
    with_app.authorization = basic_auth("ALICE", app->password);
    CHECK(authenticate(*f.service, with_app, f.now).value().user.name == "alice");

    RestRequest wrong = ok;
    wrong.authorization = basic_auth("alice", "not-her-password");
    CHECK(authenticate(*f.service, wrong, f.now).error().status == 401);
    wrong.authorization = basic_auth("nobody", "whatever-password");
    CHECK(authenticate(*f.service, wrong, f.now).error().status == 401);
    wrong.authorization = "";
    CHECK(authenticate(*f.service, wrong, f.now).error().status == 401);
}

TEST_CASE("request auth: OCS-APIRequest is required", "[rest]") {
    RestFixture f;
    RestRequest r = f.request("GET", "/x");
    r.ocs_api_request = "";
    const auto e = authenticate(*f.service, r, f.now);
    REQUIRE_FALSE(e);
    CHECK(e.error().status == 401);
    CHECK(e.error().message.find("OCS-APIRequest") != std::string::npos);
    r.ocs_api_request = " TRUE ";
    CHECK(authenticate(*f.service, r, f.now));
}

TEST_CASE("request auth: repeated failures are throttled with 429", "[rest]") {
    RestFixture f;
    RestRequest r = f.request("GET", "/x");
    r.authorization = basic_auth("alice", "not-her-password");
    int throttled = 0;
    for (int i = 0; i < 30; ++i) {
        auto e = authenticate(*f.service, r, f.now);
        REQUIRE_FALSE(e);
        throttled += e.error().status == 429 ? 1 : 0;
    }
    CHECK(throttled > 0);
    r.authorization = f.alice;
    CHECK(authenticate(*f.service, r, f.now).error().status == 429);
}

TEST_CASE("request auth: a browser session needs its CSRF token or OCS-APIRequest", "[rest]") {
    RestFixture f;
    const UserId bob = f.service->store().find_user("bob").value().id;
    auto s = f.service->sessions().create(bob, f.now.s);
    REQUIRE(s);
    RestRequest r = f.request("GET", "/x");
    r.authorization.clear();
    r.ocs_api_request.clear();
    r.cookie = "other=1; tern_session=" + s->token;
    CHECK(authenticate(*f.service, r, f.now).error().status == 401);
    r.request_token = s->csrf_token;
    CHECK(authenticate(*f.service, r, f.now).value().user.name == "bob");
    r.request_token = "wrong";
    r.ocs_api_request = "true";
    CHECK(authenticate(*f.service, r, f.now).value().user.name == "bob");
    r.cookie = "tern_session=not-a-session";
    CHECK(authenticate(*f.service, r, f.now).error().status == 401);
}
