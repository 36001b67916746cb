// The recent-logins cache: found within its ttl only, for the same name (any case) and
// password only, bounded.
#include "signaling/backend/rest/credential_cache.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend;
using namespace tern::sig::backend::rest;

TEST_CASE("credential cache: a login is remembered for its ttl", "[rest]") {
    CredentialCache c(1000, 8);
    CHECK_FALSE(c.find("alice", "pw", 0));
    c.remember("alice", "pw", UserId{7}, 100);
    CHECK(c.find("alice", "pw", 100) == UserId{7});
    CHECK(c.find("ALICE", "pw", 1099) == UserId{7});
    CHECK_FALSE(c.find("alice", "pw", 1100));
    CHECK_FALSE(c.find("alice", "PW", 100));
    CHECK_FALSE(c.find("alic", "e\npw", 100));
    c.remember("alice", "pw", UserId{7}, 2000);
    CHECK(c.find("alice", "pw", 2500) == UserId{7});
    CHECK(c.size() == 1);
}

TEST_CASE("credential cache: bounded, the soonest to expire goes first", "[rest]") {
    CredentialCache c(1000, 2);
    c.remember("a", "pw", UserId{1}, 0);
    c.remember("b", "pw", UserId{2}, 10);
    c.remember("c", "pw", UserId{3}, 20);
    CHECK(c.size() == 2);
    CHECK_FALSE(c.find("a", "pw", 30));
    CHECK(c.find("b", "pw", 30) == UserId{2});
    CHECK(c.find("c", "pw", 30) == UserId{3});
    CredentialCache none(1000, 0);
    none.remember("a", "pw", UserId{1}, 0);
    CHECK_FALSE(none.find("a", "pw", 1));
}
