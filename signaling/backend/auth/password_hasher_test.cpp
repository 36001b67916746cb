// argon2id hashing: the PHC form with our parameters, a fresh salt each time, the right password
// verifies and others (wrong, a prefix, empty, non-argon2id or damaged hashes) do not; a hash
// made with other parameters still verifies and asks for a rehash; the default parameters'
// time on this machine is printed (docs/admin.md quotes it).
#include "signaling/backend/auth/password_hasher.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace tern::sig::backend;

namespace {
const Argon2Params kFast{64, 1, 1};  // test speed; the defaults are tested once below
}

TEST_CASE("password hasher: PHC string, salted, verifies only the password", "[backend][auth]") {
    const PasswordHasher h(kFast);
    const std::string a = h.hash("correct horse");
    const std::string b = h.hash("correct horse");
    CHECK(a.rfind("$argon2id$v=19$m=64,t=1,p=1$", 0) == 0);
    CHECK(a != b);  // a fresh salt each time
    CHECK(h.verify(a, "correct horse"));
    CHECK(h.verify(b, "correct horse"));
    CHECK_FALSE(h.verify(a, "correct hors"));
    CHECK_FALSE(h.verify(a, "correct horse "));
    CHECK_FALSE(h.verify(a, ""));
    CHECK_FALSE(h.needs_rehash(a));
}

TEST_CASE("password hasher: malformed and foreign hashes never verify", "[backend][auth]") {
    const PasswordHasher h(kFast);
    std::string good = h.hash("secret-pw");
    CHECK_FALSE(h.verify("", "secret-pw"));
    CHECK_FALSE(h.verify("secret-pw", "secret-pw"));
    CHECK_FALSE(h.verify("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", "secret-pw"));
    CHECK_FALSE(h.verify("$argon2id$v=19$m=64,t=1,p=1$$", "secret-pw"));
    std::string damaged = good;
    damaged.back() = damaged.back() == 'A' ? 'B' : 'A';
    CHECK_FALSE(h.verify(damaged, "secret-pw"));
    CHECK(h.needs_rehash("$2y$10$bcrypt..."));
}

TEST_CASE("password hasher: other parameters verify and ask for a rehash", "[backend][auth]") {
    const PasswordHasher old_params(Argon2Params{32, 1, 1});
    const PasswordHasher now(kFast);
    const std::string old_hash = old_params.hash("pa55word");
    CHECK(now.verify(old_hash, "pa55word"));
    CHECK(now.needs_rehash(old_hash));
    CHECK_FALSE(old_params.needs_rehash(old_hash));
    CHECK(now.needs_rehash("$argon2id$v=19$m=64,t=2,p=1$x$y"));
    CHECK(now.needs_rehash("$argon2id$v=19$m=64,t=1,p=2$x$y"));
}

TEST_CASE("password hasher: the default parameters", "[backend][auth]") {
    const PasswordHasher h;
    CHECK(h.params().memory_kib == 19456);
    CHECK(h.params().iterations == 2);
    CHECK(h.params().lanes == 1);
    const auto t0 = std::chrono::steady_clock::now();
    const std::string e = h.hash("an interactive login");
    const auto t1 = std::chrono::steady_clock::now();
    CHECK(e.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);
    CHECK(h.verify(e, "an interactive login"));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count();
    WARN("argon2id m=19456 KiB t=2 p=1: one hash took " << ms << " ms");
}
