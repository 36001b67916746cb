// The Store contract (store.hpp), run against every implementation in store_factories(): users
// (add, find without regard to case, list by name, password hash, remove with everything that
// hangs on the user), app passwords (add, find by digest, list, touch, remove, unknown user),
// login sessions (add, find, remove, per user, expiry), the errors' kinds, and that everything
// written is there after the store is reopened.
#include "signaling/backend/store/store_suite_test_support.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tern::sig::backend;

namespace {

NewUser new_user(const std::string& name, int64_t created = 1000) {
    return NewUser{name, "Display " + name, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
                   created};
}

}  // namespace

TEST_CASE("store: users are added, found without regard to case, listed by name",
          "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);

    auto bob = store->add_user(new_user("bob"));
    REQUIRE(bob);
    auto alice = store->add_user(new_user("alice", 2000));
    REQUIRE(alice);
    CHECK(alice->id != bob->id);
    CHECK(alice->name == "alice");
    CHECK(alice->display_name == "Display alice");

    auto found = store->find_user("ALICE");
    REQUIRE(found);
    CHECK(found->id == alice->id);
    CHECK(found->name == "alice");
    CHECK(found->created_s == 2000);
    CHECK(found->password_hash == alice->password_hash);

    auto by_id = store->user_by_id(bob->id);
    REQUIRE(by_id);
    CHECK(by_id->name == "bob");

    auto list = store->list_users();
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK((*list)[0].name == "alice");
    CHECK((*list)[1].name == "bob");
}

TEST_CASE("store: a taken name is a conflict, an unknown one not found", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    REQUIRE(store->add_user(new_user("carol")));
    auto again = store->add_user(new_user("Carol"));
    REQUIRE_FALSE(again);
    CHECK(again.error().kind == StoreErrorKind::Conflict);
    CHECK_THAT(again.error().message, Catch::Contains("Carol"));

    auto missing = store->find_user("dave");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == StoreErrorKind::NotFound);
    CHECK(store->user_by_id(UserId{4242}).error().kind == StoreErrorKind::NotFound);
    CHECK(store->set_password_hash(UserId{4242}, "x").error().kind == StoreErrorKind::NotFound);
    CHECK(store->remove_user(UserId{4242}).error().kind == StoreErrorKind::NotFound);
    auto list = store->list_users();
    REQUIRE(list);
    CHECK(list->size() == 1);
}

TEST_CASE("store: a password hash is replaced", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    auto u = store->add_user(new_user("erin"));
    REQUIRE(u);
    REQUIRE(store->set_password_hash(u->id, "$argon2id$new"));
    CHECK(store->find_user("erin")->password_hash == "$argon2id$new");
}

TEST_CASE("store: app passwords per user, found by digest, touched, removed", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    auto u = store->add_user(new_user("bot"));
    REQUIRE(u);
    auto a = store->add_app_password({u->id, "matterbridge", "aa11", 3000});
    REQUIRE(a);
    auto b = store->add_app_password({u->id, "", "bb22", 3001});
    REQUIRE(b);
    CHECK(a->id != b->id);

    auto found = store->find_app_password("bb22");
    REQUIRE(found);
    CHECK(found->id == b->id);
    CHECK(found->user == u->id);
    CHECK(found->created_s == 3001);
    CHECK_FALSE(found->last_used_s);
    CHECK(store->find_app_password("cc33").error().kind == StoreErrorKind::NotFound);

    REQUIRE(store->touch_app_password(a->id, 5000));
    auto list = store->app_passwords(u->id);
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK((*list)[0].label == "matterbridge");
    REQUIRE((*list)[0].last_used_s);
    CHECK(*(*list)[0].last_used_s == 5000);

    REQUIRE(store->remove_app_password(a->id));
    CHECK(store->remove_app_password(a->id).error().kind == StoreErrorKind::NotFound);
    CHECK(store->touch_app_password(a->id, 1).error().kind == StoreErrorKind::NotFound);
    CHECK(store->app_passwords(u->id)->size() == 1);

    auto orphan = store->add_app_password({UserId{999}, "x", "dd44", 1});
    REQUIRE_FALSE(orphan);
    CHECK(orphan.error().kind == StoreErrorKind::NotFound);
}

TEST_CASE("store: login sessions are added, found, removed, expired", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    auto u = store->add_user(new_user("frank"));
    auto v = store->add_user(new_user("grace"));
    REQUIRE(u);
    REQUIRE(v);
    REQUIRE(store->add_login_session({"t1", u->id, "c1", 100}));
    REQUIRE(store->add_login_session({"t2", u->id, "c2", 200}));
    REQUIRE(store->add_login_session({"t3", v->id, "c3", 300}));
    auto dup = store->add_login_session({"t1", v->id, "c9", 900});
    REQUIRE_FALSE(dup);
    CHECK(dup.error().kind == StoreErrorKind::Conflict);
    CHECK(store->add_login_session({"t4", UserId{999}, "c", 1}).error().kind ==
          StoreErrorKind::NotFound);

    auto s = store->find_login_session("t2");
    REQUIRE(s);
    CHECK(s->user == u->id);
    CHECK(s->csrf_token == "c2");
    CHECK(s->expires_s == 200);

    auto expired = store->remove_expired_sessions(200);  // expires_s <= now is over
    REQUIRE(expired);
    CHECK(*expired == 2);
    CHECK(store->find_login_session("t1").error().kind == StoreErrorKind::NotFound);
    CHECK(store->find_login_session("t3"));

    REQUIRE(store->remove_login_session("t3"));
    CHECK(store->remove_login_session("t3").error().kind == StoreErrorKind::NotFound);

    REQUIRE(store->add_login_session({"t5", u->id, "c5", 500}));
    REQUIRE(store->add_login_session({"t6", u->id, "c6", 600}));
    REQUIRE(store->add_login_session({"t7", v->id, "c7", 700}));
    auto ended = store->remove_user_sessions(u->id);
    REQUIRE(ended);
    CHECK(*ended == 2);
    CHECK(store->find_login_session("t7"));
}

TEST_CASE("store: removing a user removes its app passwords and sessions", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    auto u = store->add_user(new_user("heidi"));
    REQUIRE(u);
    REQUIRE(store->add_app_password({u->id, "l", "h1", 1}));
    REQUIRE(store->add_login_session({"s1", u->id, "c", 100}));
    REQUIRE(store->remove_user(u->id));
    CHECK(store->find_user("heidi").error().kind == StoreErrorKind::NotFound);
    CHECK(store->find_app_password("h1").error().kind == StoreErrorKind::NotFound);
    CHECK(store->find_login_session("s1").error().kind == StoreErrorKind::NotFound);
    // The name is free again, and the new user is another one.
    auto again = store->add_user(new_user("heidi"));
    REQUIRE(again);
    CHECK(again->id != u->id);
}

TEST_CASE("store: what was written is there after reopening", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    UserId id;
    {
        auto store = open_store(f, dir);
        auto u = store->add_user(new_user("ivan"));
        REQUIRE(u);
        id = u->id;
        REQUIRE(store->add_app_password({id, "ci", "feed", 7}));
        REQUIRE(store->add_login_session({"tok", id, "csrf", 99}));
    }
    auto store = open_store(f, dir);
    auto u = store->find_user("ivan");
    REQUIRE(u);
    CHECK(u->id == id);
    CHECK(store->find_app_password("feed")->label == "ci");
    CHECK(store->find_login_session("tok")->csrf_token == "csrf");
    auto version = store->schema_version();
    REQUIRE(version);
    CHECK(*version >= 3);
}

TEST_CASE("store: names and texts keep every byte", "[backend][store]") {
    const StoreFactory& f = each_store();
    INFO(f.name);
    TempDir dir;
    auto store = open_store(f, dir);
    NewUser n = new_user("judy");
    n.display_name = "Judy O'Brien \"J\" -- ; DROP TABLE users; \xc3\xa9";
    REQUIRE(store->add_user(n));
    CHECK(store->find_user("judy")->display_name == n.display_name);
    CHECK(store->find_user("judy' OR '1'='1").error().kind == StoreErrorKind::NotFound);
}
