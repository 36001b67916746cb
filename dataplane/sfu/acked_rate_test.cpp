#include "dataplane/sfu/acked_rate.hpp"

#include <catch2/catch.hpp>

using tern::sfu::AckedRate;

TEST_CASE("AckedRate: bits per second over the last half second of arrivals", "[sfu][bwe]") {
    AckedRate r;
    CHECK(r.bps() == 0);
    // 1,000 bytes every 8 ms: 1 Mbit/s, on a receiver clock that starts negative.
    int64_t t = -300'000;
    for (; t < -250'000; t += 8'000) {
        r.on_packet(t, 1'000);
    }
    CHECK(r.bps() == 0);  // under 100 ms seen
    for (; t < 2'000'000; t += 8'000) {
        r.on_packet(t, 1'000);
    }
    CHECK(r.bps() == Approx(1'000'000).epsilon(0.05));
    // Half the rate: within one window the measure follows.
    for (; t < 2'600'000; t += 16'000) {
        r.on_packet(t, 1'000);
    }
    CHECK(r.bps() == Approx(500'000).epsilon(0.05));
    // A late report for a bin still in the window counts; one older than it does not.
    const uint64_t before = r.bps();
    r.on_packet(t - 600'000, 100'000);
    CHECK(r.bps() == before);
    r.on_packet(t - 100'000, 1'000);
    CHECK(r.bps() > before);
    // After a long silence the old bins are gone.
    r.on_packet(t + 10'000'000, 1'000);
    CHECK(r.bps() < 1'000);
}
