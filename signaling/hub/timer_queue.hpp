// The hub's deadlines in one min-heap: hello and room-join timeouts, resume expiry, backend pings,
// transient ttls. Entries are never cancelled: whoever pops one checks that the deadline still
// holds (the session still detached, the connection still without hello, ...), so rescheduling
// is a push and the heap stays simple. on_tick pops what is due.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <vector>

namespace tern::sig {

enum class TimerKind : uint8_t { Hello, RoomJoin, Resume, Ping, Transient, Dialout, UnshareScreen };

struct Timer {
    uint64_t at_us = 0;
    TimerKind kind = TimerKind::Hello;
    uint64_t conn = 0;  // Hello
    std::string key;    // session id (RoomJoin, Resume, UnshareScreen), room key (Ping, Transient),
                        // request id (Dialout)
    std::string sub;    // Transient: the data key
};

class TimerQueue {
public:
    void push(Timer t) { heap_.push(Entry{std::move(t), seq_++}); }
    /// The earliest timer due at `now_us`, or nullopt.
    std::optional<Timer> pop_due(uint64_t now_us) {
        if (heap_.empty() || heap_.top().timer.at_us > now_us) {
            return std::nullopt;
        }
        Timer t = heap_.top().timer;
        heap_.pop();
        return t;
    }
    [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }

private:
    struct Entry {
        Timer timer;
        uint64_t seq = 0;  // equal deadlines fire in the order they were set
    };
    struct Later {
        bool operator()(const Entry& a, const Entry& b) const noexcept {
            return a.timer.at_us != b.timer.at_us ? a.timer.at_us > b.timer.at_us : a.seq > b.seq;
        }
    };
    std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
    uint64_t seq_ = 0;
};

}  // namespace tern::sig
