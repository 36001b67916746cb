// The per-address connection limit: refused at the limit, let in again after a release, an IPv6
// client counted by its /64, loopback limited like any address, a full table lets newcomers in
// uncounted, and no limit counts nothing.
#include "signaling/limits/connection_limiter.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tern::sig;
using Verdict = ConnectionLimiter::Verdict;

TEST_CASE("connection limiter: an address is refused at its limit until one ends",
          "[signaling][limits]") {
    ConnectionLimiter l(3, 100);
    for (int i = 0; i < 3; ++i) {
        CHECK(l.admit("192.0.2.7") == Verdict::Admitted);
    }
    CHECK(l.admit("192.0.2.7") == Verdict::Refused);
    CHECK(l.admit("192.0.2.8") == Verdict::Admitted);  // another address
    CHECK(l.open("192.0.2.7") == 3);
    l.release("192.0.2.7");
    CHECK(l.admit("192.0.2.7") == Verdict::Admitted);
    CHECK(l.admit("192.0.2.7") == Verdict::Refused);
}

TEST_CASE("connection limiter: entries exist only while connections do", "[signaling][limits]") {
    ConnectionLimiter l(2, 100);
    REQUIRE(l.admit("192.0.2.7") == Verdict::Admitted);
    REQUIRE(l.admit("192.0.2.9") == Verdict::Admitted);
    CHECK(l.tracked() == 2);
    l.release("192.0.2.7");
    l.release("192.0.2.9");
    CHECK(l.tracked() == 0);
    l.release("192.0.2.9");  // more releases than admissions change nothing
    CHECK(l.tracked() == 0);
    CHECK(l.open("192.0.2.9") == 0);
}

TEST_CASE("connection limiter: an IPv6 client is counted by its /64", "[signaling][limits]") {
    ConnectionLimiter l(2, 100);
    CHECK(l.admit("2001:db8:1:2::1") == Verdict::Admitted);
    CHECK(l.admit("2001:db8:1:2:ffff::9") == Verdict::Admitted);
    CHECK(l.admit("2001:db8:1:2:aaaa::1") == Verdict::Refused);
    CHECK(l.admit("2001:db8:1:3::1") == Verdict::Admitted);  // the next /64
}

TEST_CASE("connection limiter: loopback is limited like any other address", "[signaling][limits]") {
    ConnectionLimiter l(1, 100);
    CHECK(l.admit("127.0.0.1") == Verdict::Admitted);
    CHECK(l.admit("127.0.0.1") == Verdict::Refused);
    CHECK(l.admit("::1") == Verdict::Admitted);
    CHECK(l.admit("::1") == Verdict::Refused);
}

TEST_CASE("connection limiter: a full table lets new addresses in uncounted",
          "[signaling][limits]") {
    ConnectionLimiter l(1, 4);
    for (int i = 1; i <= 4; ++i) {
        CHECK(l.admit("192.0.2." + std::to_string(i)) == Verdict::Admitted);
    }
    CHECK(l.admit("192.0.2.50") == Verdict::Untracked);
    CHECK(l.admit("192.0.2.50") == Verdict::Untracked);
    CHECK(l.tracked() == 4);
    CHECK(l.admit("192.0.2.1") == Verdict::Refused);  // the counted ones are still limited
    l.release("192.0.2.1");
    CHECK(l.admit("192.0.2.50") == Verdict::Admitted);  // room again
}

TEST_CASE("connection limiter: a limit of 0 counts nothing", "[signaling][limits]") {
    ConnectionLimiter l(0, 4);
    for (int i = 0; i < 100; ++i) {
        CHECK(l.admit("192.0.2.7") == Verdict::Untracked);
    }
    CHECK(l.tracked() == 0);
}
