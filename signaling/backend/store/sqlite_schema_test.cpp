// The SQLite schema steps: a new file takes every step and records each one; an old file (built
// with the first step only, holding a user) is brought up to date at open with its rows kept;
// a file newer than this binary is refused with a message that says what to do; the steps are
// numbered 1..N without gaps; a file that is not a database is refused; a file of the users-only
// release (steps 1-3) takes the rooms and chat steps and then holds rooms and messages.
#include "signaling/backend/store/sqlite_schema.hpp"
#include "signaling/backend/store/sqlite_store.hpp"
#include "signaling/backend/store/temp_dir_test_support.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace tern::sig::backend;

TEST_CASE("sqlite schema: steps are numbered 1..N", "[backend][store]") {
    int expected = 1;
    for (const SchemaStep& s : sqlite_schema_steps()) {
        CHECK(s.version == expected);
        ++expected;
    }
    CHECK(latest_sqlite_schema() == expected - 1);
}

TEST_CASE("sqlite schema: a new file takes every step and records each", "[backend][store]") {
    TempDir dir;
    auto store = SqliteStore::open(dir.file("new.db"));
    REQUIRE(store);
    CHECK(*(*store)->schema_version() == latest_sqlite_schema());

    auto db = SqliteDb::open(dir.file("new.db"));
    REQUIRE(db);
    auto q = (*db)->query("SELECT count(*), min(version), max(version) FROM schema_version");
    REQUIRE(q);
    REQUIRE(*q->step());
    CHECK(q->int64(0) == latest_sqlite_schema());
    CHECK(q->int64(1) == 1);
    // Opening again takes no step twice.
    auto again = SqliteStore::open(dir.file("new.db"));
    REQUIRE(again);
    CHECK(*(*again)->schema_version() == latest_sqlite_schema());
}

TEST_CASE("sqlite schema: an old file is migrated at open and keeps its rows", "[backend][store]") {
    TempDir dir;
    const std::string path = dir.file("old.db");
    {
        auto db = SqliteDb::open(path);
        REQUIRE(db);
        auto v = migrate_sqlite(**db, 1);  // the schema as the first release had it
        REQUIRE(v);
        CHECK(*v == 1);
        REQUIRE((*db)->exec("INSERT INTO users (name, display_name, password_hash, created_s) "
                            "VALUES ('olduser', 'Old', '$argon2id$x', 5)"));
        // Later tables are not there yet.
        CHECK_FALSE((*db)->exec("SELECT * FROM login_sessions"));
    }
    auto store = SqliteStore::open(path);
    REQUIRE(store);
    CHECK(*(*store)->schema_version() == latest_sqlite_schema());
    auto u = (*store)->find_user("olduser");
    REQUIRE(u);
    CHECK(u->display_name == "Old");
    REQUIRE((*store)->add_login_session({"tok", u->id, "c", 10}));
    REQUIRE((*store)->add_app_password({u->id, "l", "h", 10}));
}

TEST_CASE("sqlite schema: a file from a newer tern is refused and left alone", "[backend][store]") {
    TempDir dir;
    const std::string path = dir.file("newer.db");
    {
        auto store = SqliteStore::open(path);
        REQUIRE(store);
    }
    {
        auto db = SqliteDb::open(path);
        REQUIRE(db);
        REQUIRE((*db)->exec("INSERT INTO schema_version VALUES (999, 'from the future', 0)"));
    }
    auto store = SqliteStore::open(path);
    REQUIRE_FALSE(store);
    CHECK(store.error().kind == StoreErrorKind::TooNew);
    CHECK_THAT(store.error().message, Catch::Contains("schema version 999") &&
                                          Catch::Contains("newer tern") && Catch::Contains(path));
    auto db = SqliteDb::open(path);
    REQUIRE(db);
    CHECK(*sqlite_schema_version(**db) == 999);
}

TEST_CASE("sqlite schema: a file that is not a database is refused", "[backend][store]") {
    TempDir dir;
    const std::string path = dir.file("junk.db");
    {
        std::ofstream f(path);
        f << "this is not an SQLite database, only text that is long enough to look like one "
             "if nobody checks the header bytes at the start of the file";
    }
    auto store = SqliteStore::open(path);
    REQUIRE_FALSE(store);
    CHECK(store.error().kind == StoreErrorKind::Io);
    CHECK_THAT(store.error().message, Catch::Contains("not a database"));
}

TEST_CASE("sqlite schema: the file is created private to its owner", "[backend][store]") {
    TempDir dir;
    const std::string path = dir.file("private.db");
    REQUIRE(SqliteStore::open(path));
    std::error_code ec;
    const auto perms = std::filesystem::status(path, ec).permissions();
    CHECK((perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
          std::filesystem::perms::none);
}

TEST_CASE("sqlite schema: a file of the users-only release takes the rooms and chat steps",
          "[backend][store]") {
    TempDir dir;
    const std::string path = dir.file("users_only.db");
    {
        auto db = SqliteDb::open(path);
        REQUIRE(db);
        REQUIRE(*migrate_sqlite(**db, 3) == 3);  // users, app passwords, login sessions
        REQUIRE((*db)->exec("INSERT INTO users (name, display_name, password_hash, created_s) "
                            "VALUES ('olduser', 'Old', '$argon2id$x', 5);"
                            "INSERT INTO login_sessions VALUES ('tok', 1, 'c', 99)"));
        CHECK_FALSE((*db)->exec("SELECT * FROM rooms"));
    }
    auto store = SqliteStore::open(path);
    REQUIRE(store);
    CHECK(*(*store)->schema_version() == latest_sqlite_schema());
    CHECK((*store)->find_login_session("tok")->csrf_token == "c");
    NewRoom n;
    n.token = "upgr0000";
    auto room = (*store)->add_room(n);
    REQUIRE(room);
    NewParticipant p;
    p.room = room->id;
    p.actor = Actor{ActorType::Users, "olduser"};
    REQUIRE((*store)->add_participant(p));
    NewChatMessage m;
    m.room = room->id;
    m.actor = p.actor;
    m.message = "first after the upgrade";
    auto posted = (*store)->post_message(m);
    REQUIRE(posted);
    CHECK(posted->id == 1);
}
