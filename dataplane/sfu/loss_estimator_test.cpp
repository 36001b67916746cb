#include "dataplane/sfu/loss_estimator.hpp"

#include <catch2/catch.hpp>

using tern::sfu::LossEstimator;

namespace {

/// One window of `n` packets with `lost` of them lost, closed at `now_us`.
uint64_t window(LossEstimator& l, uint32_t n, uint32_t lost, uint64_t current, int64_t now_us) {
    for (uint32_t i = 0; i < n; ++i) {
        if (i < lost) {
            l.on_lost();
        } else {
            l.on_received();
        }
    }
    return l.update(current, now_us);
}

}  // namespace

TEST_CASE("LossEstimator: over 10 % decreases, 2-10 % holds, under 2 % lifts the bound",
          "[sfu][bwe]") {
    LossEstimator l;
    CHECK(l.update(1'000'000, 0) == LossEstimator::kNoBound);    // opens the first window
    CHECK(window(l, 100, 20, 1'000'000, 1'000'000) == 900'000);  // 20 %: × (1 - 0.1)
    CHECK(l.loss() == Approx(0.2));
    CHECK(window(l, 100, 5, 1'200'000, 2'000'000) == 900'000);  // held
    CHECK(window(l, 100, 1, 1'200'000, 3'000'000) == LossEstimator::kNoBound);
    // In the band without a bound: the window's highest rate becomes the bound.
    l.update(1'300'000, 3'500'000);
    CHECK(window(l, 100, 5, 1'100'000, 4'000'000) == 1'300'000);
}

TEST_CASE("LossEstimator: a window needs 100 packets and a second", "[sfu][bwe]") {
    LossEstimator l;
    l.update(1'000'000, 0);
    CHECK(window(l, 99, 50, 1'000'000, 5'000'000) == LossEstimator::kNoBound);
    CHECK(window(l, 200, 50, 1'000'000, 5'100'000) < 1'000'000);
    CHECK(window(l, 500, 500, 1'000'000, 5'500'000) < 1'000'000);  // too soon: unchanged
    CHECK(l.bound() == window(l, 0, 0, 1'000'000, 5'600'000));
}

TEST_CASE("LossEstimator: a late arrival is taken back out of the open window", "[sfu][bwe]") {
    LossEstimator l;
    l.update(1'000'000, 0);
    for (int i = 0; i < 15; ++i) {
        l.on_lost();
    }
    for (int i = 0; i < 85; ++i) {
        l.on_received();
    }
    for (int i = 0; i < 10; ++i) {
        l.on_late_arrival();  // reordered, not lost: 5 %
    }
    CHECK(l.update(1'000'000, 1'000'000) == 1'000'000);
    CHECK(l.loss() == Approx(0.05));
}
