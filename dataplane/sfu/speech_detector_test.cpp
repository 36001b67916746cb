#include "dataplane/sfu/speech_detector.hpp"

#include <catch2/catch.hpp>

using tern::sfu::SpeechDetector;
using tern::sfu::SpeechParams;

TEST_CASE("speech detector: enough voiced packets in an interval start speech, too few end it",
          "[sfu][speech]") {
    const SpeechParams p;  // 500 ms, -50 dBov, 8 to start, fewer than 3 to stop
    SpeechDetector d;
    uint64_t now = 1'000'000;
    // 25 packets of 20 ms at -30 dBov: the interval ends at the 26th, speech starts.
    SpeechDetector::Change c;
    for (int i = 0; i <= 25; ++i) {
        if (d.note(30, now, p)) {
            c = d.judge(now, p);
        }
        now += 20'000;
    }
    CHECK(c.changed);
    CHECK(c.speaking);
    CHECK(c.level == 30);
    CHECK(d.speaking());
    // Quiet packets (-80 dBov) for an interval: speech stops, level 127 (nothing voiced).
    c = {};
    for (int i = 0; i <= 25; ++i) {
        if (d.note(80, now, p)) {
            c = d.judge(now, p);
        }
        now += 20'000;
    }
    CHECK(c.changed);
    CHECK_FALSE(c.speaking);
    CHECK(c.level == 127);
}

TEST_CASE("speech detector: a speaker whose packets stop stops after two intervals",
          "[sfu][speech]") {
    const SpeechParams p;
    SpeechDetector d;
    uint64_t now = 1'000'000;
    for (int i = 0; i <= 25; ++i) {
        if (d.note(20, now, p)) {
            (void)d.judge(now, p);
        }
        now += 20'000;
    }
    REQUIRE(d.speaking());
    CHECK_FALSE(d.silence(now + 500'000, p).changed);  // one interval: not yet
    const SpeechDetector::Change c = d.silence(now + 1'000'000, p);
    CHECK(c.changed);
    CHECK_FALSE(c.speaking);
    CHECK_FALSE(d.speaking());
    CHECK_FALSE(d.silence(now + 5'000'000, p).changed);  // silent already
}
