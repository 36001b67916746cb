// A trace-driven model of a subscriber's path for bandwidth estimation tests: the SFU's packets
// cross a bottleneck (a FIFO queue served at a rate that the test changes over time, drop-tail
// past a queueing limit, random loss, a propagation delay), and the subscriber answers with
// real transport-cc feedback packets (twcc::write_feedback) every interval, which travel back
// over an uncongested path. Deterministic: seeded randomness, simulated time in µs.
#pragma once

#include "common/byte_reader.hpp"
#include "common/wire/rtcp.hpp"
#include "common/wire/twcc.hpp"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace tern::test {

/// The bottleneck, one way.
class LinkSim {
public:
    struct Config {
        uint64_t rate_bps = 1'000'000;
        int64_t prop_us = 20'000;
        int64_t queue_limit_us = 300'000;  // a packet that would wait longer is dropped
        double loss = 0;                   // random, after the queue (a radio link's)
        uint32_t seed = 1;
    };

    explicit LinkSim(const Config& c) : c_(c), rng_(c.seed) {}

    void set_rate(uint64_t bps) { c_.rate_bps = bps; }
    void set_loss(double p) { c_.loss = p; }
    /// A receiver short of CPU (a busy browser): for `length_us` of every `period_us` it reads
    /// nothing, and what arrives meanwhile is stamped when it wakes. The link is not the limit,
    /// yet the arrival times show a queue growing and draining. 0: never stalls.
    void set_stalls(int64_t period_us, int64_t length_us) {
        stall_period_us_ = period_us;
        stall_us_ = length_us;
    }
    [[nodiscard]] uint64_t rate() const { return c_.rate_bps; }

    /// When a packet of `bytes` sent at `now_us` arrives, or -1 when it is dropped.
    int64_t send(int64_t now_us, uint32_t bytes) {
        const int64_t start = std::max(now_us, free_us_);
        if (start - now_us > c_.queue_limit_us) {
            return -1;
        }
        free_us_ = start + static_cast<int64_t>(uint64_t{bytes} * 8 * 1'000'000 / c_.rate_bps);
        if (c_.loss > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < c_.loss) {
            return -1;
        }
        const int64_t at = free_us_ + c_.prop_us;
        if (stall_period_us_ > 0 && at % stall_period_us_ < stall_us_) {
            return at - at % stall_period_us_ + stall_us_;  // read when the receiver wakes
        }
        return at;
    }

private:
    Config c_;
    std::mt19937 rng_;
    int64_t free_us_ = 0;  // when the queue empties
    int64_t stall_period_us_ = 0;
    int64_t stall_us_ = 0;
};

/// The subscriber's transport-cc side: arrivals by sequence number, and feedback packets.
class TwccSubscriber {
public:
    struct Packet {
        std::vector<std::byte> bytes;  // one RTCP packet
        int64_t deliver_us = 0;        // at the SFU
    };

    explicit TwccSubscriber(int64_t interval_us = 50'000, int64_t back_us = 20'000)
        : interval_us_(interval_us), back_us_(back_us) {}

    /// A packet `seq` sent now that arrives at `arrival_us` (-1: never).
    void sent(uint16_t seq, int64_t arrival_us) { sent_.push_back({seq, arrival_us}); }

    /// Feedback due at `now_us` (every interval): everything from the first number not yet
    /// reported to the newest one arrived, as one or more packets, delivered `back_us` later.
    void tick(int64_t now_us, std::vector<Packet>& out) {
        if (now_us - last_us_ < interval_us_) {
            return;
        }
        last_us_ = now_us;
        std::size_t end = next_;
        for (std::size_t i = next_; i < sent_.size(); ++i) {
            if (sent_[i].arrival_us >= 0 && sent_[i].arrival_us <= now_us) {
                end = i + 1;
            } else if (sent_[i].arrival_us > now_us) {
                break;  // FIFO: nothing later has arrived either
            }
        }
        std::vector<int64_t> at;
        for (std::size_t i = next_; i < end; ++i) {
            at.push_back(sent_[i].arrival_us);
        }
        std::size_t done = 0;
        while (done < at.size()) {
            std::vector<std::byte> buf(1200);
            ByteWriter w{buf};
            const std::size_t n =
                wire::twcc::write_feedback(w, 0x5b5b5b5b, 0, sent_[next_ + done].seq,
                                           std::span<const int64_t>{at}.subspan(done), count_++);
            if (n == 0) {
                break;  // only losses left: the next feedback reports them
            }
            buf.resize(w.size());
            out.push_back({std::move(buf), now_us + back_us_});
            done += n;
        }
        next_ += done;
    }

private:
    struct Sent {
        uint16_t seq;
        int64_t arrival_us;
    };
    int64_t interval_us_;
    int64_t back_us_;
    int64_t last_us_ = 0;
    std::size_t next_ = 0;
    uint8_t count_ = 0;
    std::vector<Sent> sent_;
};

}  // namespace tern::test
