// Who speaks, from a publisher's audio levels (RFC 6464): over each interval, packets at a level
// or louder count as voiced; enough of them start speech, too few end it (also when packets stop:
// muted, or DTX sends nothing). Decides only; the engine reports the changes. Lcore-local.
#pragma once

#include <cstdint>

namespace tern::sfu {

struct SpeechParams {
    uint64_t interval_us = 500'000;  // levels are judged over this long
    uint8_t level = 50;              // -dBov: a packet at least this loud is voiced
    uint16_t start_packets = 8;      // voiced packets in an interval to start speaking
    uint16_t stop_packets = 3;       // fewer than this: stops
};

class SpeechDetector {
public:
    /// A change of state, and the mean -dBov of the voiced packets of the interval that decided it.
    struct Change {
        bool changed = false;
        bool speaking = false;
        uint8_t level = 127;
    };

    /// One packet at `level` (-dBov, 0..127); true when its interval is over (call judge()).
    bool note(uint8_t level, uint64_t now_us, const SpeechParams& p) noexcept {
        if (since_us_ == 0) {
            since_us_ = now_us;
        }
        ++packets_;
        if (level <= p.level) {
            ++voiced_;
            level_sum_ += level;
        }
        return now_us - since_us_ >= p.interval_us && now_us >= since_us_;
    }
    /// Ends the interval: starts or stops speech, or not.
    Change judge(uint64_t now_us, const SpeechParams& p) noexcept;
    /// Packets stopped for two intervals: a speaker stops (the caller then reports the change).
    Change silence(uint64_t now_us, const SpeechParams& p) noexcept;

    [[nodiscard]] bool speaking() const noexcept { return speaking_; }

private:
    uint64_t since_us_ = 0;
    uint16_t packets_ = 0;
    uint16_t voiced_ = 0;
    uint32_t level_sum_ = 0;  // of the voiced packets
    bool speaking_ = false;
};

}  // namespace tern::sfu
