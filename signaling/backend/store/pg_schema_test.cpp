// The PostgreSQL schema steps, in the test's throwaway cluster: numbered 1..N like SQLite's and
// as many; a new database takes every step; an old one (first step only, holding a user) is
// migrated at open with its rows kept, so is one of the users-only release (steps 1-3), which
// then holds rooms and messages; one from a newer tern is refused and left alone; a server
// that cannot be reached is an Io error naming it. Skipped where PostgreSQL is not installed.
#include "signaling/backend/store/pg_cluster_test_support.hpp"
#include "signaling/backend/store/pg_schema.hpp"
#include "signaling/backend/store/pg_store.hpp"
#include "signaling/backend/store/sqlite_schema.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend;

namespace {

std::string fresh_database(const std::string& name) {
    PgTestCluster* cluster = PgTestCluster::shared();
    REQUIRE(cluster != nullptr);
    auto conninfo = cluster->database(name);
    REQUIRE(conninfo);
    return *conninfo;
}

}  // namespace

TEST_CASE("pg schema: the same steps as SQLite's", "[backend][store]") {
    int expected = 1;
    for (const PgSchemaStep& s : pg_schema_steps()) {
        CHECK(s.version == expected);
        CHECK(std::string(s.what) == sqlite_schema_steps()[expected - 1].what);
        ++expected;
    }
    CHECK(latest_pg_schema() == latest_sqlite_schema());
}

TEST_CASE("pg schema: new, old and newer databases", "[backend][store]") {
    if (!PgTestCluster::bin_dir()) {
        WARN("PostgreSQL is not installed: skipped");
        return;
    }
    SECTION("a new database takes every step") {
        const std::string db = fresh_database("schema_new");
        auto store = PgStore::open(db);
        REQUIRE(store);
        CHECK(*(*store)->schema_version() == latest_pg_schema());
        auto again = PgStore::open(db);
        REQUIRE(again);
        CHECK(*(*again)->schema_version() == latest_pg_schema());
    }
    SECTION("an old database is migrated and keeps its rows") {
        const std::string db = fresh_database("schema_old");
        {
            auto conn = PgConnection::connect(db);
            REQUIRE(conn);
            REQUIRE(*migrate_pg(**conn, 1) == 1);
            REQUIRE((*conn)->exec("INSERT INTO users (name, password_hash, created_s) VALUES "
                                  "('olduser', '$argon2id$x', 5)"));
            CHECK_FALSE((*conn)->exec("SELECT * FROM login_sessions"));
        }
        auto store = PgStore::open(db);
        REQUIRE(store);
        CHECK(*(*store)->schema_version() == latest_pg_schema());
        auto u = (*store)->find_user("OldUser");
        REQUIRE(u);
        CHECK((*store)->add_login_session({"tok", u->id, "c", 10}));
    }
    SECTION("a database of the users-only release takes the rooms and chat steps") {
        const std::string db = fresh_database("schema_users_only");
        {
            auto conn = PgConnection::connect(db);
            REQUIRE(conn);
            REQUIRE(*migrate_pg(**conn, 3) == 3);
            REQUIRE((*conn)->exec("INSERT INTO users (name, password_hash, created_s) VALUES "
                                  "('olduser', '$argon2id$x', 5)"));
            CHECK_FALSE((*conn)->exec("SELECT * FROM rooms"));
        }
        auto store = PgStore::open(db);
        REQUIRE(store);
        CHECK(*(*store)->schema_version() == latest_pg_schema());
        CHECK((*store)->find_user("olduser"));
        NewRoom n;
        n.token = "upgr0000";
        auto room = (*store)->add_room(n);
        REQUIRE(room);
        NewChatMessage m;
        m.room = room->id;
        m.actor = Actor{ActorType::Users, "olduser"};
        m.message = "first after the upgrade";
        auto posted = (*store)->post_message(m);
        REQUIRE(posted);
        CHECK(posted->id == 1);
    }
    SECTION("a database from a newer tern is refused") {
        const std::string db = fresh_database("schema_newer");
        REQUIRE(PgStore::open(db));
        {
            auto conn = PgConnection::connect(db);
            REQUIRE(conn);
            REQUIRE((*conn)->exec("INSERT INTO schema_version VALUES (999, 'future', 0)"));
        }
        auto store = PgStore::open(db);
        REQUIRE_FALSE(store);
        CHECK(store.error().kind == StoreErrorKind::TooNew);
        CHECK_THAT(store.error().message, Catch::Contains("schema version 999"));
        auto conn = PgConnection::connect(db);
        REQUIRE(conn);
        CHECK(*pg_schema_version(**conn) == 999);
    }
}

TEST_CASE("pg schema: an unreachable server is an error naming it", "[backend][store]") {
    TempDir dir;
    auto store = PgStore::open("host=" + dir.path() + " dbname=none user=postgres");
    REQUIRE_FALSE(store);
    CHECK(store.error().kind == StoreErrorKind::Io);
    CHECK_THAT(store.error().message, Catch::Contains(dir.path()));
}
