// Room tokens, dial-in ids and PINs: their alphabets and lengths, Talk's phone rules (no
// leading 0, no digit twice in a row), every character reachable, and the checks of their form.
#include "signaling/backend/rooms/room_token.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <set>

using namespace tern::sig::backend;

namespace {

/// A seeded xorshift source: the same bytes every run.
RandomBytes seeded(uint64_t seed) {
    return [state = seed](std::span<unsigned char> out) mutable {
        for (unsigned char& b : out) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            b = static_cast<unsigned char>(state >> 24);
        }
    };
}

}  // namespace

TEST_CASE("room token: 8 characters of [a-z0-9], every one reachable", "[backend][rooms]") {
    const RandomBytes random = seeded(42);
    std::set<char> seen;
    for (int i = 0; i < 500; ++i) {
        const std::string t = make_room_token(random);
        REQUIRE(t.size() == kRoomTokenLen);
        CHECK(is_room_token(t));
        seen.insert(t.begin(), t.end());
    }
    CHECK(seen.size() == 36);
    CHECK(make_room_token(random) != make_room_token(random));
}

TEST_CASE("room token: the form is checked", "[backend][rooms]") {
    CHECK(is_room_token("abcd1234"));
    CHECK_FALSE(is_room_token("abcd123"));
    CHECK_FALSE(is_room_token("abcd12345"));
    CHECK_FALSE(is_room_token("ABCD1234"));
    CHECK_FALSE(is_room_token("abcd-234"));
    CHECK_FALSE(is_room_token(""));
}

TEST_CASE("room token: dial-in ids and PINs follow the phone rules", "[backend][rooms]") {
    const RandomBytes random = seeded(7);
    std::set<char> first;
    for (int i = 0; i < 500; ++i) {
        const std::string id = make_phone_digits(random, kDialInIdLen);
        REQUIRE(id.size() == kDialInIdLen);
        CHECK(is_phone_digits(id, kDialInIdLen));
        first.insert(id.front());
        const std::string pin = make_phone_digits(random, kPinLen);
        REQUIRE(pin.size() == kPinLen);
        CHECK(is_phone_digits(pin, kPinLen));
    }
    CHECK(first.size() == 9);  // 1..9, never 0
    CHECK(first.count('0') == 0);
}

TEST_CASE("room token: phone digits are checked", "[backend][rooms]") {
    CHECK(is_phone_digits("1234567", kPinLen));
    CHECK(is_phone_digits("1212121", kPinLen));
    CHECK_FALSE(is_phone_digits("0123456", kPinLen));  // leading 0
    CHECK_FALSE(is_phone_digits("1123456", kPinLen));  // a digit twice in a row
    CHECK_FALSE(is_phone_digits("123456", kPinLen));   // too short
    CHECK_FALSE(is_phone_digits("12345a7", kPinLen));  // not a digit
    CHECK_FALSE(is_phone_digits(std::string(33, '1'), kPinLen));
    CHECK(is_phone_digits("123456789012345678901234567890", kPinLen));
}

TEST_CASE("room token: the system source gives different tokens", "[backend][rooms]") {
    const RandomBytes random = system_random_bytes();
    const std::string a = make_room_token(random);
    CHECK(is_room_token(a));
    CHECK(a != make_room_token(random));
}
