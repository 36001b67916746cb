#include "dataplane/sfu/publication.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tern;
using namespace tern::sfu;

TEST_CASE("packet store: the last packets by sequence number, while young enough",
          "[sfu][publication]") {
    PacketStore store{4};  // rounded to a power of two
    std::vector<std::byte> p(100, std::byte{7});
    store.put(10, p.data(), p.size(), 1'000);
    CHECK(store.get(10, 2'000, 1'000'000).size() == 100);
    CHECK(store.get(10, 2'000'000, 1'000'000).empty());  // too old
    CHECK(store.get(11, 2'000, 1'000'000).empty());      // never stored
    store.put(14, p.data(), 50, 3'000);                  // 14 evicts 10 (same slot)
    CHECK(store.get(10, 4'000, 1'000'000).empty());
    CHECK(store.get(14, 4'000, 1'000'000).size() == 50);
    std::vector<std::byte> big(PacketStore::kSlotBytes + 1);
    store.put(15, big.data(), big.size(), 5'000);  // larger than a slot: not kept
    CHECK(store.get(15, 6'000, 1'000'000).empty());
}

TEST_CASE(
    "reception stats: loss per interval and in all, extended highest, jitter, LSR/DLSR (RFC 3550)",
    "[sfu][publication]") {
    ReceptionStats rx;
    CHECK_FALSE(rx.started());
    // 90 kHz, a packet every 10 ms with timestamps to match: no jitter. 65534..65535, 0..5 with 2
    // lost: wraps once.
    uint64_t now = 1'000'000;
    uint32_t ts = 1000;
    for (uint16_t seq :
         {uint16_t{65534}, uint16_t{65535}, uint16_t{0}, uint16_t{1}, uint16_t{4}, uint16_t{5}}) {
        rx.note(seq, ts, 90000, now);
        now += 10'000;
        ts += 900;
    }
    REQUIRE(rx.started());
    const auto b = rx.report(0x1234, now);
    CHECK(b.ssrc == 0x1234);
    CHECK(b.highest_seq == 65536u + 5u);
    CHECK(b.cumulative_lost == 2);
    CHECK(b.fraction_lost == 2 * 256 / 8);
    CHECK(b.jitter <= 1);  // (rounding of the arrival clock only)
    CHECK(b.lsr == 0);
    CHECK(b.dlsr == 0);
    // The next interval: nothing lost; an SR half a second before the report.
    rx.note(6, ts, 90000, now);
    rx.note_sender_report(0x0001'2345'6789'0000ULL, now);
    const auto c = rx.report(0x1234, now + 500'000);
    CHECK(c.fraction_lost == 0);
    CHECK(c.cumulative_lost == 2);
    CHECK(c.lsr == 0x2345'6789U);
    CHECK(c.dlsr == 32768);  // 0.5 s in 1/65536 s
}
