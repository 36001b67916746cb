// Arrivals by transport-wide sequence number since the last transport-cc feedback to a
// publisher (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1). Numbers already reported
// are not reported again; a jump of more than a window's worth reports what is held and starts a
// new window. Decides what to report; the engine writes and sends it. Lcore-local.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace tern::sfu {

class TwccReceiver {
public:
    static constexpr std::size_t kWindow = 1024;  // 10 s of a 1 Mbit/s publisher's packets at most

    /// What a report callback did with the arrivals it was given: how many of them its feedback
    /// packet covers (0: none, stop), and whether that packet went out (it counts then).
    struct Emitted {
        std::size_t covered = 0;
        bool sent = false;
    };

    TwccReceiver() { at_us_.fill(-1); }

    /// Records packet `seq` arriving at `now_us`. Calls report() (below) first when `seq` lies a
    /// window or more ahead, and after recording it when `interval_us` passed since the last.
    template <class Emit>
    void note(uint16_t seq, uint64_t now_us, uint64_t interval_us, Emit&& emit) {
        if (!started_) {
            started_ = true;
            next_ = seq;
            highest_ = seq;
            last_us_ = now_us;
        }
        if (static_cast<int16_t>(seq - next_) < 0) {
            return;  // older than what was reported already
        }
        if (static_cast<uint16_t>(seq - next_) >= kWindow) {
            report(now_us, emit);  // report what is held, then move the window to this packet
            if (static_cast<uint16_t>(seq - next_) >= kWindow) {
                restart(seq);
            }
        }
        at_us_[seq % kWindow] = static_cast<int64_t>(now_us);
        if (static_cast<int16_t>(seq - highest_) > 0) {
            highest_ = seq;
        }
        if (now_us - last_us_ >= interval_us && now_us >= last_us_) {
            report(now_us, emit);
        }
    }

    /// Reports every number from the first not yet reported to the highest seen: calls
    /// `emit(base_seq, arrivals_us (-1: not received), feedback_count)` until it covers them all
    /// or covers none.
    template <class Emit>
    void report(uint64_t now_us, Emit&& emit) {
        last_us_ = now_us;
        const int pending_signed = static_cast<int16_t>(highest_ - next_) + 1;
        if (pending_signed <= 0 || pending_signed > static_cast<int>(kWindow)) {
            return;  // everything up to the highest was reported
        }
        const auto pending = static_cast<std::size_t>(pending_signed);
        std::array<int64_t, kWindow> at;
        for (std::size_t i = 0; i < pending; ++i) {
            at[i] = at_us_[static_cast<uint16_t>(next_ + i) % kWindow];
        }
        std::size_t done = 0;
        while (done < pending) {
            const Emitted e =
                emit(static_cast<uint16_t>(next_ + done),
                     std::span<const int64_t>{at.data() + done, pending - done}, feedback_count_);
            if (e.covered == 0) {
                break;  // nothing received in what is left: reported as lost by the next feedback
            }
            if (e.sent) {
                ++feedback_count_;
            }
            done += e.covered;
        }
        consume(done);
    }

private:
    void restart(uint16_t seq) noexcept;
    void consume(std::size_t done) noexcept;

    bool started_ = false;
    uint16_t next_ = 0;  // the first sequence number not yet reported
    uint16_t highest_ = 0;
    uint8_t feedback_count_ = 0;
    uint64_t last_us_ = 0;
    std::array<int64_t, kWindow> at_us_;  // by sequence number modulo kWindow
};

}  // namespace tern::sfu
