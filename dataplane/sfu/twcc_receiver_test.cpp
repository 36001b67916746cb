#include "dataplane/sfu/twcc_receiver.hpp"

#include <catch2/catch.hpp>

#include <vector>

using tern::sfu::TwccReceiver;

namespace {

/// What the receiver asked to be reported: one entry per feedback packet.
struct Reports {
    struct One {
        uint16_t base;
        std::vector<int64_t> at;
        uint8_t count;
    };
    std::vector<One> got;
    std::size_t max_per_packet = 10'000;
    bool send_ok = true;
    TwccReceiver::Emitted operator()(uint16_t base, std::span<const int64_t> at, uint8_t count) {
        const std::size_t n = std::min(at.size(), max_per_packet);
        got.push_back(
            {base, std::vector<int64_t>(at.begin(), at.begin() + static_cast<std::ptrdiff_t>(n)),
             count});
        return {n, send_ok};
    }
};

}  // namespace

TEST_CASE("TWCC receiver: arrivals reported once per interval, losses as -1, nothing twice",
          "[sfu][twcc]") {
    TwccReceiver r;
    Reports out;
    const uint64_t interval = 100'000;
    r.note(10, 1'000, interval, out);
    r.note(11, 2'000, interval, out);
    r.note(13, 3'000, interval, out);  // 12 lost
    CHECK(out.got.empty());
    r.note(14, 101'000, interval, out);  // the interval passed: 10..14 reported
    REQUIRE(out.got.size() == 1);
    CHECK(out.got[0].base == 10);
    CHECK(out.got[0].at == std::vector<int64_t>{1'000, 2'000, -1, 3'000, 101'000});
    CHECK(out.got[0].count == 0);
    r.note(12, 102'000, interval, out);  // late: already reported as lost
    r.note(15, 201'000, interval, out);
    REQUIRE(out.got.size() == 2);
    CHECK(out.got[1].base == 15);
    CHECK(out.got[1].at == std::vector<int64_t>{201'000});
    CHECK(out.got[1].count == 1);
}

TEST_CASE("TWCC receiver: a report split over packets; a jump beyond the window starts a new one",
          "[sfu][twcc]") {
    TwccReceiver r;
    Reports out;
    out.max_per_packet = 2;
    for (uint16_t s = 0; s < 5; ++s) {
        r.note(s, 1'000 + s, 1'000'000, out);
    }
    r.report(2'000, out);
    REQUIRE(out.got.size() == 3);  // 2 + 2 + 1
    CHECK(out.got[2].base == 4);
    CHECK(out.got[2].count == 2);
    out.got.clear();
    out.max_per_packet = 10'000;
    r.note(5, 3'000, 1'000'000, out);
    r.note(static_cast<uint16_t>(5 + TwccReceiver::kWindow + 10), 4'000, 1'000'000, out);
    REQUIRE(out.got.size() == 1);  // 5 was reported before the window moved
    CHECK(out.got[0].base == 5);
    CHECK(out.got[0].at.size() == 1);
    r.report(5'000, out);
    REQUIRE(out.got.size() == 2);
    CHECK(out.got[1].base == static_cast<uint16_t>(5 + TwccReceiver::kWindow + 10));
    CHECK(out.got[1].at == std::vector<int64_t>{4'000});
}
