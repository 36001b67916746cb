// Nextcloud's incall and participants POSTs (signaling-protocol.md §5) and the participants/update
// event they cause (§3.5): Talk's participant objects with their sessionId mapped from Talk's
// room session id to ours, unmappable entries dropped, permissions stripped, `changed` merged into
// `users`, and entries for the room's internal and virtual sessions appended.
#include "signaling/api/backend_room_request_parser.hpp"
#include "signaling/api/event_messages.hpp"
#include "signaling/api/json_writer.hpp"
#include "signaling/hub/hub.hpp"

#include <set>

namespace tern::sig {

void Hub::post_incall(std::size_t backend, const std::string& room_id, const api::RoomInCall& r,
                      uint64_t now_us, Effects& fx) {
    Room* room = find_room(backend, room_id);
    if (room == nullptr) {
        return;
    }
    if (r.all) {
        // Everybody joins or leaves the call, except internal and virtual sessions.
        for (const std::string& id : room->members) {
            Session* s = find_session(id);
            if (s != nullptr && s->type == ClientType::Client) {
                s->in_call = r.in_call;
                save_record(*s, fx);
                if ((s->in_call & kInCall) == 0) {
                    release_media(*s, now_us, fx);
                }
            }
        }
        std::string out;
        api::write_participants_update_all(out, room_id, r.in_call);
        deliver_to_room(*room, out, {}, false, fx);
        return;
    }
    for (const api::Participant& p : r.changed) {
        Session* s = session_by_room_session(backend, p.nc_session_id);
        if (s != nullptr && s->room_id == room_id && p.in_call) {
            s->in_call = *p.in_call;
            save_record(*s, fx);
            if ((s->in_call & kInCall) == 0) {
                release_media(*s, now_us, fx);
            }
        }
    }
    send_participants_update(*room, r.users, r.changed, now_us, fx);
}

void Hub::post_participants(std::size_t backend, const std::string& room_id,
                            const api::RoomParticipants& r, uint64_t now_us, Effects& fx) {
    Room* room = find_room(backend, room_id);
    if (room == nullptr) {
        return;
    }
    for (const api::Participant& p : r.changed) {
        Session* s = session_by_room_session(backend, p.nc_session_id);
        if (s != nullptr && s->room_id == room_id && p.permissions) {
            s->permissions = *p.permissions;
            save_record(*s, fx);
        }
    }
    send_participants_update(*room, r.users, r.changed, now_us, fx);
}

void Hub::send_participants_update(Room& room, const std::vector<api::Participant>& users,
                                   const std::vector<api::Participant>& changed, uint64_t now_us,
                                   Effects& fx) {
    std::string list;
    api::JsonWriter w{list};
    w.begin_array();
    std::set<std::string_view> written;
    auto write_mapped = [&](const api::Participant& p) {
        if (written.contains(p.nc_session_id)) {
            return;
        }
        std::string id;
        if (const Session* s = session_by_room_session(room.backend, p.nc_session_id)) {
            if (s->room_id == room.id) {
                id = s->public_id;
            }
        } else if (room_sessions_ && !p.nc_session_id.empty() && p.nc_session_id != "0") {
            // Another shard's session (room_session_directory.hpp).
            const auto h = room_sessions_->find(room_key(room.backend, p.nc_session_id));
            if (h && h->room == room.id) {
                id = h->session;
            }
        }
        if (id.empty()) {
            return;
        }
        written.insert(p.nc_session_id);
        api::write_participant(w, p, id);
    };
    for (const api::Participant& p : users) {
        write_mapped(p);
    }
    for (const api::Participant& p : changed) {
        write_mapped(p);
    }
    const int64_t last_ping = static_cast<int64_t>(now_us / 1'000'000);
    for (const std::string& id : room.members) {
        const Session* s = find_session(id);
        if (s == nullptr || s->type == ClientType::Client) {
            continue;
        }
        w.begin_object()
            .field("inCall", s->in_call)
            .field("sessionId", s->public_id)
            .field("lastPing", last_ping);
        if (s->type == ClientType::Internal) {
            w.field("internal", true).key("features").begin_array();
            for (const std::string& f : s->features) {
                w.value(f);
            }
            w.end_array();
        } else {
            w.field("virtual", true);
        }
        w.end_object();
    }
    w.end_array();
    std::string out;
    api::write_participants_update(out, room.id, list);
    deliver_to_room(room, out, {}, false, fx);
}

}  // namespace tern::sig
