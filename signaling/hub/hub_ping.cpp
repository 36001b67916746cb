// Backend pings (signaling-protocol.md §4): Talk expires room sessions nobody pings, so every
// 10 s each room's Talk sessions (and virtual sessions, by their public id) are listed to its
// backend. A backend whose capabilities set session-ping-limit takes all its rooms in one request
// (roomid ""), at most that many entries each.
#include "signaling/backend_api/backend_requests.hpp"
#include "signaling/hub/hub.hpp"

#include <algorithm>

namespace tern::sig {

void Hub::add_ping_entries(const Room& room, std::vector<api::BackendPingEntry>& out) {
    for (const std::string& id : room.members) {
        const Session* m = find_session(id);
        if (m == nullptr) {
            continue;
        }
        if (m->type == ClientType::Virtual) {
            out.push_back({m->public_id, {}});
        } else if (m->type == ClientType::Client && !m->room_session_id.empty() &&
                   m->room_session_id != "0") {
            out.push_back({m->room_session_id, m->user_id});
        }
    }
}

void Hub::ping_room(Room& room, uint64_t now_us, Effects& fx) {
    // Whether pings are merged is the backend's choice (session-ping-limit): keep its
    // capabilities fresh. Until the first answer, this room pings alone.
    fetch_capabilities(room.backend, now_us, fx);
    const CapabilitiesCache::Entry* caps = caps_.find(cfg_.backends[room.backend].entry.url);
    const uint32_t limit = caps == nullptr ? 0 : caps->caps.session_ping_limit;
    auto reschedule = [&](Room& r) {
        r.next_ping_us += kPingIntervalUs;
        if (r.next_ping_us <= now_us) {
            r.next_ping_us = now_us + kPingIntervalUs;  // late ticks do not make a burst of pings
        }
        timers_.push(Timer{r.next_ping_us, TimerKind::Ping, 0, r.key, {}});
    };
    if (limit == 0) {
        api::BackendPingRequest ping{room.id, {}};
        add_ping_entries(room, ping.entries);
        if (!ping.entries.empty()) {
            backend_call(room.backend, write_backend_request(ping), IgnoredCall{}, fx);
        }
        reschedule(room);
        return;
    }
    // Merged: this ping covers every room of the backend, so their own timers start again too
    // (their pending entries no longer match next_ping_us and are skipped).
    std::vector<api::BackendPingEntry> all;
    for (auto& [key, r] : rooms_) {
        if (r.backend != room.backend) {
            continue;
        }
        add_ping_entries(r, all);
        r.next_ping_us = now_us + kPingIntervalUs;
        timers_.push(Timer{r.next_ping_us, TimerKind::Ping, 0, r.key, {}});
    }
    for (std::string& body : write_backend_pings("", all, static_cast<uint32_t>(limit))) {
        backend_call(room.backend, std::move(body), IgnoredCall{}, fx);
    }
}

}  // namespace tern::sig
