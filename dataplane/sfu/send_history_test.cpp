#include "dataplane/sfu/send_history.hpp"

#include <catch2/catch.hpp>

#include <memory>

using tern::sfu::kNoProbeCluster;
using tern::sfu::SendHistory;

TEST_CASE("SendHistory: finds what was sent across the 16-bit wrap", "[sfu][bwe]") {
    auto h = std::make_unique<SendHistory>();
    CHECK(h->find(0) == nullptr);
    for (uint32_t i = 0; i < 100; ++i) {
        h->record(static_cast<uint16_t>(65'500 + i), i * 1'000, 1'000 + i, i < 10 ? 2 : -1);
    }
    const SendHistory::Sent* a = h->find(65'500);
    REQUIRE(a != nullptr);
    CHECK(a->send_us == 0);
    CHECK(a->cluster == 2);
    const SendHistory::Sent* b = h->find(63);  // 65,500 + 99, wrapped
    REQUIRE(b != nullptr);
    CHECK(b->send_us == 99'000);
    CHECK(b->bytes == 1'099);
    CHECK(b->cluster == kNoProbeCluster);
    CHECK(h->unwrap(63) == h->unwrap(65'535) + 64);
    CHECK(h->find(64) == nullptr);      // not sent yet
    CHECK(h->find(65'499) == nullptr);  // before the first
}

TEST_CASE("SendHistory: the ring forgets the oldest", "[sfu][bwe]") {
    auto h = std::make_unique<SendHistory>();
    const auto n = static_cast<uint32_t>(SendHistory::kCapacity + 10);
    for (uint32_t i = 0; i < n; ++i) {
        h->record(static_cast<uint16_t>(i), i, 100);
    }
    CHECK(h->find(9) == nullptr);  // overwritten
    REQUIRE(h->find(10) != nullptr);
    CHECK(h->find(10)->send_us == 10);
    CHECK(h->find(static_cast<uint16_t>(n - 1)) != nullptr);
    // A number half the space away is read as before the newest, and long gone.
    CHECK(h->find(static_cast<uint16_t>(n - 1 + 40'000)) == nullptr);
}
