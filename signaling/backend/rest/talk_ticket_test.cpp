// Signaling tickets: made for a user, good until their expiry, under their key only.
#include "signaling/backend/rest/talk_ticket.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend::rest;

namespace {
constexpr std::string_view kKey = "0123456789abcdef0123456789abcdef";
}

TEST_CASE("talk ticket: verifies for its user until it expires", "[rest]") {
    const std::string t = make_ticket(kKey, "alice", 1000);
    CHECK(t.starts_with("1000:"));
    CHECK(t.size() == 5 + 64);
    CHECK(verify_ticket(kKey, "alice", t, 999));
    CHECK_FALSE(verify_ticket(kKey, "alice", t, 1000));
    CHECK_FALSE(verify_ticket(kKey, "bob", t, 999));
    CHECK_FALSE(verify_ticket("another key another key another k", "alice", t, 999));
}

TEST_CASE("talk ticket: malformed tickets do not verify", "[rest]") {
    const std::string t = make_ticket(kKey, "alice", 1000);
    std::string flipped = t;
    flipped.back() = flipped.back() == '0' ? '1' : '0';
    for (const std::string& bad :
         {std::string(), std::string(":"), std::string("1000"), std::string("1000:"),
          std::string("2000") + t.substr(4), std::string("-5:") + t.substr(5), flipped,
          std::string("99999999999999999999:") + t.substr(5), t + "0"}) {
        INFO(bad);
        CHECK_FALSE(verify_ticket(kKey, "alice", bad, 0));
    }
}
