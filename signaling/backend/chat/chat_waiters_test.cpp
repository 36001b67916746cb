// The long-poll waiters: woken by a newer message in their room only, oldest first; expired at
// their deadline (and not woken after); cancelled; bounded per room and in all; Talk's timeout
// rules.
#include "signaling/backend/chat/chat_waiters.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::backend;

namespace {

constexpr RoomId kA{1};
constexpr RoomId kB{2};

}  // namespace

TEST_CASE("chat waiters: a new message wakes the waiters of its room that had not seen it",
          "[backend][chat]") {
    ChatWaiters w;
    const auto first = *w.add(kA, 10, 1'000'000);
    const auto ahead = *w.add(kA, 12, 1'000'000);  // has seen 12 already
    const auto other = *w.add(kB, 10, 1'000'000);
    const auto second = *w.add(kA, 11, 1'000'000);
    CHECK(w.size() == 4);
    CHECK(w.waiting_in(kA) == 3);

    CHECK(w.notify(kA, 12) == std::vector<ChatWaiters::WaiterId>{first, second});
    CHECK(w.size() == 2);
    CHECK(w.notify(kA, 12).empty());
    CHECK(w.notify(kA, 13) == std::vector<ChatWaiters::WaiterId>{ahead});
    CHECK(w.notify(kB, 11) == std::vector<ChatWaiters::WaiterId>{other});
    CHECK(w.size() == 0);
    CHECK_FALSE(w.next_deadline());
}

TEST_CASE("chat waiters: deadlines expire in order", "[backend][chat]") {
    ChatWaiters w;
    const auto late = *w.add(kA, 0, 3000);
    const auto soon = *w.add(kA, 0, 1000);
    const auto mid = *w.add(kB, 0, 2000);
    CHECK(w.next_deadline() == 1000u);
    CHECK(w.expire(999).empty());
    CHECK(w.expire(2000) == std::vector<ChatWaiters::WaiterId>{soon, mid});
    CHECK(w.next_deadline() == 3000u);
    CHECK(w.notify(kB, 5).empty());  // expired: not woken again
    CHECK(w.notify(kA, 5) == std::vector<ChatWaiters::WaiterId>{late});
    CHECK(w.expire(5000).empty());
}

TEST_CASE("chat waiters: cancelled waiters are forgotten", "[backend][chat]") {
    ChatWaiters w;
    const auto a = *w.add(kA, 0, 1000);
    w.cancel(a);
    w.cancel(a);
    w.cancel(12345);
    CHECK(w.size() == 0);
    CHECK(w.waiting_in(kA) == 0);
    CHECK(w.notify(kA, 1).empty());
    CHECK(w.expire(2000).empty());
}

TEST_CASE("chat waiters: bounded per room and in all", "[backend][chat]") {
    ChatWaiters w(ChatWaitersConfig{2, 3});
    REQUIRE(w.add(kA, 0, 1));
    REQUIRE(w.add(kA, 0, 1));
    auto third = w.add(kA, 0, 1);
    REQUIRE_FALSE(third);
    CHECK(third.error().kind == TalkErrorKind::TooMany);
    CHECK(talk_status(third.error().kind) == 429);
    REQUIRE(w.add(kB, 0, 1));
    CHECK(w.add(RoomId{3}, 0, 1).error().kind == TalkErrorKind::TooMany);
    CHECK(w.expire(1).size() == 3);
    CHECK(w.add(RoomId{3}, 0, 1));
}

TEST_CASE("chat waiters: Talk's long-poll timeout", "[backend][chat]") {
    CHECK(long_poll_timeout_s(std::nullopt) == 30);
    CHECK(long_poll_timeout_s(10) == 10);
    CHECK(long_poll_timeout_s(600) == 60);
    CHECK(long_poll_timeout_s(-5) == 0);
}
