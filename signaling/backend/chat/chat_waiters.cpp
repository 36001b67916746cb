#include "signaling/backend/chat/chat_waiters.hpp"

#include <algorithm>

namespace tern::sig::backend {

namespace {

constexpr int kDefaultTimeoutS = 30;
constexpr int kMaxTimeoutS = 60;

}  // namespace

int long_poll_timeout_s(std::optional<int> requested) noexcept {
    if (!requested) {
        return kDefaultTimeoutS;
    }
    return std::clamp(*requested, 0, kMaxTimeoutS);
}

TalkResult<ChatWaiters::WaiterId> ChatWaiters::add(RoomId room, int64_t last_known,
                                                   uint64_t deadline_us) {
    if (waiters_.size() >= config_.max_total || waiting_in(room) >= config_.max_per_room) {
        return unexpected(TalkError{TalkErrorKind::TooMany, "too many requests waiting for chat"});
    }
    const WaiterId id = next_id_++;
    waiters_.emplace(id, Waiter{room, last_known, deadline_us});
    by_room_[room.value].insert(id);
    by_deadline_.emplace(deadline_us, id);
    return id;
}

void ChatWaiters::forget(WaiterId id, const Waiter& w) {
    by_deadline_.erase({w.deadline_us, id});
    auto room = by_room_.find(w.room.value);
    if (room != by_room_.end()) {
        room->second.erase(id);
        if (room->second.empty()) {
            by_room_.erase(room);
        }
    }
}

void ChatWaiters::cancel(WaiterId id) {
    auto it = waiters_.find(id);
    if (it == waiters_.end()) {
        return;
    }
    forget(id, it->second);
    waiters_.erase(it);
}

std::vector<ChatWaiters::WaiterId> ChatWaiters::notify(RoomId room, int64_t newest_id) {
    std::vector<WaiterId> woken;
    auto r = by_room_.find(room.value);
    if (r == by_room_.end()) {
        return woken;
    }
    for (const WaiterId id : r->second) {  // ids grow with arrival: oldest first
        if (waiters_.at(id).last_known < newest_id) {
            woken.push_back(id);
        }
    }
    for (const WaiterId id : woken) {
        cancel(id);
    }
    return woken;
}

std::vector<ChatWaiters::WaiterId> ChatWaiters::expire(uint64_t now_us) {
    std::vector<WaiterId> expired;
    for (const auto& [deadline, id] : by_deadline_) {
        if (deadline > now_us) {
            break;
        }
        expired.push_back(id);
    }
    for (const WaiterId id : expired) {
        cancel(id);
    }
    return expired;
}

std::optional<uint64_t> ChatWaiters::next_deadline() const {
    if (by_deadline_.empty()) {
        return std::nullopt;
    }
    return by_deadline_.begin()->first;
}

std::size_t ChatWaiters::waiting_in(RoomId room) const {
    auto r = by_room_.find(room.value);
    return r == by_room_.end() ? 0 : r->second.size();
}

}  // namespace tern::sig::backend
