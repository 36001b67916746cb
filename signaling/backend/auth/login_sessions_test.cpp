// Login sessions: create gives a token and a CSRF token (both random, the store holds the
// token's digest only), verify finds the session until it expires (then it is gone), malformed
// and unknown tokens, CSRF comparison, logout, expiry of all that are over, unknown user.
#include "signaling/backend/auth/login_sessions.hpp"
#include "signaling/backend/auth/secret_token.hpp"
#include "signaling/backend/store/store_factories_test_support.hpp"
#include "signaling/backend/store/temp_dir_test_support.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend;

namespace {

struct Fixture {
    TempDir dir;
    std::unique_ptr<Store> store;
    UserId alice;

    Fixture() {
        auto s = store_factories().front().open(dir.path());
        REQUIRE(s);
        store = std::move(*s);
        auto u = store->add_user(NewUser{"alice", "", "$argon2id$x", 1});
        REQUIRE(u);
        alice = u->id;
    }
};

}  // namespace

TEST_CASE("login sessions: create, verify, csrf", "[backend][auth]") {
    Fixture f;
    LoginSessions sessions(*f.store, 3600);
    auto s = sessions.create(f.alice, 1000);
    REQUIRE(s);
    CHECK(looks_like_secret_token(s->token));
    CHECK(looks_like_secret_token(s->csrf_token));
    CHECK(s->token != s->csrf_token);
    CHECK(s->expires_s == 4600);
    CHECK(s->user == f.alice);
    // The store has the digest, not the token.
    CHECK(f.store->find_login_session(s->token).error().kind == StoreErrorKind::NotFound);
    CHECK(f.store->find_login_session(secret_digest(s->token)));

    auto v = sessions.verify(s->token, 4599);
    REQUIRE(v);
    CHECK(v->user == f.alice);
    CHECK(LoginSessions::csrf_matches(*v, s->csrf_token));
    CHECK_FALSE(LoginSessions::csrf_matches(*v, ""));
    CHECK_FALSE(LoginSessions::csrf_matches(*v, s->token));
    CHECK_FALSE(LoginSessions::csrf_matches(*v, s->csrf_token.substr(1)));

    auto other = sessions.create(f.alice, 1000);
    REQUIRE(other);
    CHECK(other->token != s->token);
}

TEST_CASE("login sessions: expired, unknown and malformed tokens", "[backend][auth]") {
    Fixture f;
    LoginSessions sessions(*f.store, 60);
    auto s = sessions.create(f.alice, 1000);
    REQUIRE(s);
    auto late = sessions.verify(s->token, 1060);
    REQUIRE_FALSE(late);
    CHECK(late.error().kind == AuthErrorKind::Expired);
    // It is gone now.
    CHECK(sessions.verify(s->token, 1000).error().kind == AuthErrorKind::NoSession);

    CHECK(sessions.verify(random_secret_token(), 1000).error().kind == AuthErrorKind::NoSession);
    CHECK(sessions.verify("", 1000).error().kind == AuthErrorKind::NoSession);
    CHECK(sessions.verify("' OR 1=1 --", 1000).error().kind == AuthErrorKind::NoSession);
    CHECK(sessions.verify(std::string(10000, 'a'), 1000).error().kind == AuthErrorKind::NoSession);
    CHECK(sessions.create(UserId{999}, 1000).error().kind == AuthErrorKind::UnknownUser);
}

TEST_CASE("login sessions: logout and expiry of what is over", "[backend][auth]") {
    Fixture f;
    LoginSessions sessions(*f.store, 100);
    auto a = sessions.create(f.alice, 0);    // over at 100
    auto b = sessions.create(f.alice, 50);   // over at 150
    auto c = sessions.create(f.alice, 500);  // over at 600
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    REQUIRE(sessions.end(c->token));
    CHECK(sessions.end(c->token).error().kind == AuthErrorKind::NoSession);
    CHECK(sessions.end("nonsense").error().kind == AuthErrorKind::NoSession);
    CHECK(sessions.verify(c->token, 501).error().kind == AuthErrorKind::NoSession);

    auto n = sessions.expire(120);
    REQUIRE(n);
    CHECK(*n == 1);
    CHECK(sessions.verify(a->token, 99).error().kind == AuthErrorKind::NoSession);
    CHECK(sessions.verify(b->token, 120));
}
