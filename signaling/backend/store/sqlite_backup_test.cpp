// Online backup and restore: a backup taken while a store stays open (and writes after it) holds
// exactly what was there at that moment, as one self-contained file; restoring it into a live
// database brings that content back, seen by a store that stayed open; a damaged file, a file
// that is no tern database and one from a newer tern are refused and change nothing; an old
// backup is migrated on restore.
#include "signaling/backend/store/sqlite_backup.hpp"
#include "signaling/backend/store/sqlite_schema.hpp"
#include "signaling/backend/store/sqlite_store.hpp"
#include "signaling/backend/store/temp_dir_test_support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace tern::sig::backend;

namespace {

NewUser user(const std::string& name) {
    return NewUser{name, "", "$argon2id$h", 1};
}

std::size_t user_count(Store& s) {
    auto l = s.list_users();
    REQUIRE(l);
    return l->size();
}

}  // namespace

TEST_CASE("sqlite backup: a copy of the moment, while the store stays open", "[backend][store]") {
    TempDir dir;
    const std::string live = dir.file("live.db");
    const std::string copy = dir.file("backup.db");
    auto store = SqliteStore::open(live);
    REQUIRE(store);
    REQUIRE((*store)->add_user(user("alice")));
    REQUIRE((*store)->add_user(user("bob")));

    REQUIRE(sqlite_backup(live, copy));
    REQUIRE((*store)->add_user(user("carol")));  // after the backup

    CHECK_FALSE(std::filesystem::exists(copy + "-wal"));
    CHECK_FALSE(std::filesystem::exists(copy + ".tmp"));
    auto restored = SqliteStore::open(copy);
    REQUIRE(restored);
    CHECK(user_count(**restored) == 2);
    CHECK((*restored)->find_user("bob"));
    CHECK_FALSE((*restored)->find_user("carol"));
}

TEST_CASE("sqlite backup: restore into a live database", "[backend][store]") {
    TempDir dir;
    const std::string live = dir.file("live.db");
    const std::string copy = dir.file("backup.db");
    auto store = SqliteStore::open(live);
    REQUIRE(store);
    REQUIRE((*store)->add_user(user("alice")));
    REQUIRE(sqlite_backup(live, copy));
    auto alice = (*store)->find_user("alice");
    REQUIRE(alice);
    REQUIRE((*store)->remove_user(alice->id));
    REQUIRE((*store)->add_user(user("mallory")));

    REQUIRE(sqlite_restore(copy, live));
    // The store that stayed open sees the restored content.
    CHECK((*store)->find_user("alice"));
    CHECK_FALSE((*store)->find_user("mallory"));
    REQUIRE((*store)->add_user(user("dave")));
    auto reopened = SqliteStore::open(live);
    REQUIRE(reopened);
    CHECK(user_count(**reopened) == 2);
}

TEST_CASE("sqlite backup: bad files are refused and change nothing", "[backend][store]") {
    TempDir dir;
    const std::string live = dir.file("live.db");
    auto store = SqliteStore::open(live);
    REQUIRE(store);
    REQUIRE((*store)->add_user(user("alice")));

    SECTION("missing") {
        auto r = sqlite_restore(dir.file("nothing.db"), live);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains("nothing.db"));
    }
    SECTION("not a database") {
        std::ofstream(dir.file("text.db")) << std::string(4096, 'x');
        auto r = sqlite_restore(dir.file("text.db"), live);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == StoreErrorKind::Io);
    }
    SECTION("a database, but not tern's") {
        {
            auto other = SqliteDb::open(dir.file("other.db"));
            REQUIRE(other);
            REQUIRE((*other)->exec("CREATE TABLE t (x)"));
        }
        auto r = sqlite_restore(dir.file("other.db"), live);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains("not a tern database"));
    }
    SECTION("from a newer tern") {
        REQUIRE(sqlite_backup(live, dir.file("newer.db")));
        {
            auto db = SqliteDb::open(dir.file("newer.db"));
            REQUIRE(db);
            REQUIRE((*db)->exec("INSERT INTO schema_version VALUES (999, 'future', 0)"));
        }
        auto r = sqlite_restore(dir.file("newer.db"), live);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == StoreErrorKind::TooNew);
    }
    CHECK(user_count(**store) == 1);
    CHECK((*store)->find_user("alice"));
}

TEST_CASE("sqlite backup: an old backup is migrated on restore", "[backend][store]") {
    TempDir dir;
    const std::string old = dir.file("old.db");
    {
        auto db = SqliteDb::open(old);
        REQUIRE(db);
        REQUIRE(migrate_sqlite(**db, 1));
        REQUIRE((*db)->exec("INSERT INTO users (name, password_hash, created_s) VALUES "
                            "('olduser', '$argon2id$x', 1)"));
    }
    const std::string live = dir.file("live.db");
    REQUIRE(SqliteStore::open(live));
    REQUIRE(sqlite_restore(old, live));
    auto db = SqliteDb::open(live);
    REQUIRE(db);
    CHECK(*sqlite_schema_version(**db) == latest_sqlite_schema());
    auto store = SqliteStore::open(live);
    REQUIRE(store);
    auto u = (*store)->find_user("olduser");
    REQUIRE(u);
    CHECK((*store)->add_login_session({"t", u->id, "c", 5}));
}
