#include "common/write_queue.hpp"

#include <catch2/catch.hpp>

using tern::WriteQueue;

TEST_CASE("Proxy write queue: bounded in bytes, in order", "[proxy]") {
    WriteQueue q{10};
    CHECK(q.empty());
    CHECK(q.push("abcd"));
    CHECK(q.push("efgh"));
    CHECK(q.bytes() == 8);
    CHECK_FALSE(q.push("ijk"));  // 11 bytes would wait: refused, nothing queued
    CHECK(q.size() == 2);
    CHECK(q.bytes() == 8);
    CHECK(q.push("ij"));  // exactly the budget
    CHECK(q.front() == "abcd");
    q.pop();
    CHECK(q.front() == "efgh");
    CHECK(q.bytes() == 6);
    CHECK(q.push("klmn"));  // room again once written
    q.clear();
    CHECK(q.empty());
    CHECK(q.bytes() == 0);
}

TEST_CASE("Proxy write queue: one message larger than the budget still goes alone", "[proxy]") {
    WriteQueue q{4};
    CHECK(q.push("a long message"));
    CHECK_FALSE(q.push("x"));
    q.pop();
    CHECK(q.push("x"));
}
