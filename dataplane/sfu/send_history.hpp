// What the SFU sent on one subscriber transport, by transport-wide sequence number
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2): when, how many bytes, and for which
// probe cluster. Transport-cc feedback names packets by that number; the bandwidth estimator
// looks each one up here to pair its send time with its arrival time, and marks it reported so
// that a duplicated or reordered feedback packet counts it once.
//
// A fixed ring (no allocation after construction): a number is found while fewer than
// kCapacity packets were sent after it. Sequence numbers are unwrapped against the newest one
// sent, so feedback within half the 16-bit space behind it finds its packet. Lcore-local.
#pragma once

#include <array>
#include <cstdint>

namespace tern::sfu {

inline constexpr int16_t kNoProbeCluster = -1;

class SendHistory {
public:
    /// ~8 s of a 2 Mbit/s subscriber's 1,000-byte packets; feedback comes every 50-100 ms.
    static constexpr std::size_t kCapacity = 2048;

    struct Sent {
        int64_t seq = -1;  // unwrapped; -1: the slot holds nothing
        int64_t send_us = 0;
        uint32_t bytes = 0;
        int16_t cluster = kNoProbeCluster;
        bool received = false;  // a feedback reported it received: later reports are duplicates
        bool lost = false;      // a feedback reported it missing (a later one may still see it)
    };

    /// Records packet `seq` (the number stamped into it) sent at `send_us`.
    void record(uint16_t seq, int64_t send_us, uint32_t bytes,
                int16_t cluster = kNoProbeCluster) noexcept;

    /// The packet `seq` names, or null when it was never sent or has left the ring.
    [[nodiscard]] Sent* find(uint16_t seq) noexcept;

    /// `seq` unwrapped against the newest number sent (the nearest one, before or after it).
    [[nodiscard]] int64_t unwrap(uint16_t seq) const noexcept;

    [[nodiscard]] bool empty() const noexcept { return newest_ < 0; }

private:
    int64_t newest_ = -1;  // unwrapped number of the newest packet recorded
    std::array<Sent, kCapacity> ring_{};
};

}  // namespace tern::sfu
