// The long polls of one shard: requests for a room's chat with lookIntoFuture=1 that found no
// message newer than their lastKnownMessageId and wait for one, up to their timeout. Not tied to
// HTTP: each waiter is an id the caller keeps beside its pending response; the waiters only
// decide whom to wake (a new message in their room) and whom to give up on (the deadline
// passed: Talk answers 304), and the caller answers them.
//
// Single-threaded, like everything a shard owns: the shard that holds the request registers it
// and is the one told about new messages. A message posted on another shard or node reaches
// this one as a cluster bus event ("room R has message N", later work), which the shard turns
// into notify(); until then each shard wakes only the waiters of the messages it posted.
//
// Bounded: at most `max_per_room` waiters per room and `max_total` in all (TooMany beyond,
// which Talk's clients retry after a pause), so a flood of idle polls cannot grow memory.
// Time is injected (µs), like the rest of the backend's rules.
#pragma once

#include "signaling/backend/rooms/talk_error.hpp"
#include "signaling/backend/store/room_records.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

namespace tern::sig::backend {

struct ChatWaitersConfig {
    std::size_t max_per_room = 256;
    std::size_t max_total = 8192;
};

/// Talk's long-poll timeout: 30 s when not given, at most 60 s, at least 0 (answer at once).
int long_poll_timeout_s(std::optional<int> requested) noexcept;

class ChatWaiters {
public:
    using WaiterId = uint64_t;

    explicit ChatWaiters(const ChatWaitersConfig& config = {}) : config_(config) {}

    /// Registers a wait for a message above `last_known` in `room` until `deadline_us`. TooMany
    /// when the room or the shard has as many waiters as allowed.
    TalkResult<WaiterId> add(RoomId room, int64_t last_known, uint64_t deadline_us);
    /// The client went away before an answer: forgets the waiter (unknown ids are ignored).
    void cancel(WaiterId id);
    /// `room` has messages up to `newest_id`: the waiters that had not seen it, in the order
    /// they came, removed. The caller reads the messages and answers each.
    std::vector<WaiterId> notify(RoomId room, int64_t newest_id);
    /// The waiters whose deadline is at or before `now_us`, removed: answer 304.
    std::vector<WaiterId> expire(uint64_t now_us);
    /// When the next deadline is (for the shard's timer); nullopt when nobody waits.
    [[nodiscard]] std::optional<uint64_t> next_deadline() const;

    [[nodiscard]] std::size_t size() const noexcept { return waiters_.size(); }
    [[nodiscard]] std::size_t waiting_in(RoomId room) const;

private:
    struct Waiter {
        RoomId room;
        int64_t last_known = 0;
        uint64_t deadline_us = 0;
    };
    void forget(WaiterId id, const Waiter& w);

    ChatWaitersConfig config_;
    WaiterId next_id_ = 1;
    std::unordered_map<WaiterId, Waiter> waiters_;
    std::map<int64_t, std::set<WaiterId>> by_room_;        // room id -> waiters, oldest first
    std::set<std::pair<uint64_t, WaiterId>> by_deadline_;  // soonest first
};

}  // namespace tern::sig::backend
