// Users over a real store: add (bad names, display names, passwords; a taken name), list,
// passwd (ends sessions; unknown user), del (unknown user; app passwords go too), app passwords
// (shown once, stored as a digest, log in, marked used, bound to their user), login (wrong
// password, unknown user alike, case of the name, a rehash after a parameter change).
#include "signaling/backend/auth/login_sessions.hpp"
#include "signaling/backend/auth/secret_token.hpp"
#include "signaling/backend/auth/users.hpp"
#include "signaling/backend/store/store_factories_test_support.hpp"
#include "signaling/backend/store/temp_dir_test_support.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend;

namespace {

const Argon2Params kFast{64, 1, 1};

struct Fixture {
    TempDir dir;
    std::unique_ptr<Store> store;
    PasswordHasher hasher{kFast};
    Users users;

    Fixture() : store(open()), users(*store, hasher) {}

    std::unique_ptr<Store> open() {
        auto s = store_factories().front().open(dir.path());
        REQUIRE(s);
        return std::move(*s);
    }
};

}  // namespace

TEST_CASE("users: add and list", "[backend][auth]") {
    Fixture f;
    auto a = f.users.add("alice", "Alice A.", "alice-password", 100);
    REQUIRE(a);
    CHECK(a->name == "alice");
    CHECK(a->display_name == "Alice A.");
    CHECK(a->created_s == 100);
    CHECK(a->password_hash.rfind("$argon2id$", 0) == 0);
    CHECK(a->password_hash.find("alice-password") == std::string::npos);
    REQUIRE(f.users.add("bob", "", "bob-password", 101));
    auto l = f.users.list();
    REQUIRE(l);
    REQUIRE(l->size() == 2);
    CHECK((*l)[0].name == "alice");
    CHECK((*l)[1].name == "bob");
}

TEST_CASE("users: bad input is refused before the store", "[backend][auth]") {
    Fixture f;
    CHECK(f.users.add("", "", "long enough", 1).error().kind == AuthErrorKind::InvalidInput);
    CHECK(f.users.add(std::string(65, 'a'), "", "long enough", 1).error().kind ==
          AuthErrorKind::InvalidInput);
    CHECK(f.users.add("a b", "", "long enough", 1).error().kind == AuthErrorKind::InvalidInput);
    CHECK(f.users.add("carol", "bad\ncontrol", "long enough", 1).error().kind ==
          AuthErrorKind::InvalidInput);
    CHECK(f.users.add("carol", "", "short", 1).error().kind == AuthErrorKind::InvalidInput);
    CHECK(f.users.list()->empty());
    REQUIRE(f.users.add("carol", "", "long enough", 1));
    auto taken = f.users.add("CAROL", "", "long enough", 1);
    REQUIRE_FALSE(taken);
    CHECK(taken.error().kind == AuthErrorKind::Exists);
}

TEST_CASE("users: login with the password; wrong password and unknown user alike",
          "[backend][auth]") {
    Fixture f;
    REQUIRE(f.users.add("dave", "", "dave-password", 1));
    auto ok = f.users.authenticate("dave", "dave-password", 2);
    REQUIRE(ok);
    CHECK(ok->name == "dave");
    CHECK(f.users.authenticate("DAVE", "dave-password", 2));
    auto wrong = f.users.authenticate("dave", "dave-passwort", 2);
    auto unknown = f.users.authenticate("nobody", "dave-password", 2);
    REQUIRE_FALSE(wrong);
    REQUIRE_FALSE(unknown);
    CHECK(wrong.error().kind == AuthErrorKind::WrongPassword);
    CHECK(unknown.error().kind == AuthErrorKind::WrongPassword);
    CHECK(wrong.error().message == unknown.error().message);
    CHECK(f.users.authenticate("dave", "", 2).error().kind == AuthErrorKind::WrongPassword);
    CHECK(f.users.authenticate("", "dave-password", 2).error().kind ==
          AuthErrorKind::WrongPassword);
    CHECK(f.users.authenticate("dave", std::string(2000, 'x'), 2).error().kind ==
          AuthErrorKind::WrongPassword);
}

TEST_CASE("users: passwd replaces the password and ends the sessions", "[backend][auth]") {
    Fixture f;
    auto u = f.users.add("erin", "", "first-password", 1);
    REQUIRE(u);
    LoginSessions sessions(*f.store);
    auto s = sessions.create(u->id, 10);
    REQUIRE(s);
    REQUIRE(f.users.set_password("erin", "second-password"));
    CHECK_FALSE(f.users.authenticate("erin", "first-password", 11));
    CHECK(f.users.authenticate("erin", "second-password", 11));
    CHECK(sessions.verify(s->token, 11).error().kind == AuthErrorKind::NoSession);

    CHECK(f.users.set_password("nobody", "second-password").error().kind ==
          AuthErrorKind::UnknownUser);
    CHECK(f.users.set_password("erin", "short").error().kind == AuthErrorKind::InvalidInput);
    CHECK(f.users.set_password("", "long enough").error().kind == AuthErrorKind::InvalidInput);
}

TEST_CASE("users: del removes the user and what hangs on it", "[backend][auth]") {
    Fixture f;
    REQUIRE(f.users.add("frank", "", "frank-password", 1));
    auto app = f.users.add_app_password("frank", "bridge", 2);
    REQUIRE(app);
    REQUIRE(f.users.remove("frank"));
    CHECK(f.users.list()->empty());
    CHECK(f.users.authenticate("frank", app->password, 3).error().kind ==
          AuthErrorKind::WrongPassword);
    CHECK(f.store->find_app_password(secret_digest(app->password)).error().kind ==
          StoreErrorKind::NotFound);
    CHECK(f.users.remove("frank").error().kind == AuthErrorKind::UnknownUser);
    CHECK(f.users.remove("no way").error().kind == AuthErrorKind::InvalidInput);
}

TEST_CASE("users: app passwords log in, are stored as digests, belong to one user",
          "[backend][auth]") {
    Fixture f;
    REQUIRE(f.users.add("bot", "", "bot-password", 1));
    REQUIRE(f.users.add("grace", "", "grace-password", 1));
    auto app = f.users.add_app_password("bot", "matterbridge", 5);
    REQUIRE(app);
    CHECK(looks_like_secret_token(app->password));
    CHECK(app->record.label == "matterbridge");
    CHECK(app->record.hash == secret_digest(app->password));
    CHECK(app->record.hash.find(app->password) == std::string::npos);

    auto in = f.users.authenticate("bot", app->password, 50);
    REQUIRE(in);
    CHECK(in->name == "bot");
    auto stored = f.store->app_passwords(in->id);
    REQUIRE(stored);
    REQUIRE(stored->size() == 1);
    REQUIRE((*stored)[0].last_used_s);
    CHECK(*(*stored)[0].last_used_s == 50);
    // Someone else's app password is no password of grace's.
    CHECK(f.users.authenticate("grace", app->password, 51).error().kind ==
          AuthErrorKind::WrongPassword);
    // The login password still works beside it.
    CHECK(f.users.authenticate("bot", "bot-password", 52));

    CHECK(f.users.add_app_password("nobody", "", 5).error().kind == AuthErrorKind::UnknownUser);
    CHECK(f.users.add_app_password("bot", "bad\x01label", 5).error().kind ==
          AuthErrorKind::InvalidInput);
    auto second = f.users.add_app_password("bot", "", 6);
    REQUIRE(second);
    CHECK(second->password != app->password);
}

TEST_CASE("users: a login with old parameters stores a new hash", "[backend][auth]") {
    Fixture f;
    const PasswordHasher old_hasher(Argon2Params{32, 1, 1});
    Users old_users(*f.store, old_hasher);
    REQUIRE(old_users.add("heidi", "", "heidi-password", 1));
    const std::string old_hash = f.store->find_user("heidi")->password_hash;
    CHECK(f.hasher.needs_rehash(old_hash));

    // A failed login changes nothing.
    REQUIRE_FALSE(f.users.authenticate("heidi", "wrong-password", 2));
    CHECK(f.store->find_user("heidi")->password_hash == old_hash);

    auto u = f.users.authenticate("heidi", "heidi-password", 2);
    REQUIRE(u);
    const std::string new_hash = f.store->find_user("heidi")->password_hash;
    CHECK(new_hash != old_hash);
    CHECK(u->password_hash == new_hash);
    CHECK_FALSE(f.hasher.needs_rehash(new_hash));
    CHECK(f.users.authenticate("heidi", "heidi-password", 3));
}
