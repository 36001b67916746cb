// Session records and resume on another node (docs/signaling.md, "Resume on another node").
//
// In a cluster the owner of a session keeps its record in the JetStream KV bucket
// (signaling/cluster/session_store.hpp) up to date: written at hello, on room join and leave, on
// in-call and permission changes, when the client's connection drops; deleted when the session
// ends. Everything addressed to sessions, users and rooms travels on subjects the session stream
// keeps, and every node writes how far it has handled that stream (its NodeMark) after each
// message it handles, and every second as a sign of life.
//
// A hello with a resume id this node does not hold loads the record. Within the resume window
// (from the detach the record names, or from the owner's last sign of life when it died with the
// client attached) the node takes the session over: same ids, same room (joined quietly: the
// others never saw it leave), the hello answered at once, the old owner told to drop it
// (SessionMoved). The stream is then replayed from where the owner stood: from the record's
// sequence if the client had been detached (what came after waited in the owner's memory), else
// from the owner's mark. Frames arriving meanwhile are held and merged by sequence, so the
// client gets every message once, in order. The old owner's own room frames are in the stream
// too: those it had delivered (all, if the client was attached; those before the SessionDetached
// mark it published at the detach, if not) are skipped. What the old owner delivered without
// the stream (a message between two of its own sessions, its backend requests' effects) and had
// queued for a detached client dies with it.
#include "common/overloaded.hpp"
#include "signaling/api/server_messages.hpp"
#include "signaling/cluster/cluster_event_codec.hpp"
#include "signaling/cluster/cluster_subjects.hpp"
#include "signaling/cluster/session_record_codec.hpp"
#include "signaling/cluster/session_store.hpp"
#include "signaling/hub/hub.hpp"

#include <algorithm>

namespace tern::sig {

static_assert(kResumeWindowUs == cluster::kStreamMaxAgeUs,
              "the stream keeps messages as long as a session can be resumed");

void Hub::save_record(const Session& s, Effects& fx) {
    if (!clustered_ || s.type == ClientType::Virtual || s.resume_id.empty() || s.catching_up) {
        return;
    }
    cluster::SessionRecord r;
    r.public_id = s.public_id;
    r.type = s.type == ClientType::Internal ? cluster::RecordClient::Internal
                                            : cluster::RecordClient::Client;
    r.backend = cfg_.backends[s.backend].entry.id;
    r.version = s.version;
    r.user_id = s.user_id;
    r.user = s.user;
    r.features = s.features;
    r.room = s.room_id;
    r.room_session = s.room_session_id;
    r.permissions = s.permissions;
    r.in_call = s.in_call;
    r.flags = s.flags;
    r.owner = ids_.node();
    r.created_us = s.created_us;
    r.detached_us = s.conn == 0 ? s.detached_at_us : 0;
    r.as_of_seq = stream_seq_;
    r.replayed_seq = s.replayed_seq;
    fx.cluster_store.push_back({cluster::record_key(s.resume_id), cluster::write_record(r), false});
}

void Hub::erase_record(const Session& s, Effects& fx) {
    if (clustered_ && !s.resume_id.empty()) {
        fx.cluster_store.push_back({cluster::record_key(s.resume_id), {}, true});
    }
}

void Hub::save_node_mark(uint64_t now_us, Effects& fx) {
    mark_written_us_ = now_us;
    fx.cluster_store.push_back(
        {cluster::node_key(ids_.node()),
         cluster::write_node_mark(cluster::NodeMark{ids_.node(), stream_seq_, now_us}), false});
}

bool Hub::load_remote_session(ConnId conn, const std::string& id, const std::string& resume_id) {
    if (!clustered_ || !ids_.read_resume(resume_id)) {
        return false;
    }
    Conn& c = conns_[conn];
    c.auth_pending = true;
    c.resume_id = resume_id;
    c.resume_request = id;
    return true;
}

Effects Hub::on_session_loaded(ConnId conn, const cluster::LoadedSession& loaded, uint64_t now_us) {
    Effects fx;
    const auto cit = conns_.find(conn);
    if (cit == conns_.end() || cit->second.closing || cit->second.resume_id.empty()) {
        return fx;  // the client left meanwhile: the record stays for its next try
    }
    Conn& c = cit->second;
    const std::string resume_id = std::exchange(c.resume_id, {});
    const std::string request_id = std::exchange(c.resume_request, {});
    c.auth_pending = false;
    auto fail = [&] {
        send_error(conn, request_id, api::ErrorCode::NoSuchSession,
                   "The session to resume does not exist.", fx);
        hello_failed(conn, now_us);
    };
    auto record = cluster::parse_record(loaded.record);
    const auto resume_parts = ids_.read_resume(resume_id);
    const auto public_parts = record ? ids_.read_public(record->public_id) : std::nullopt;
    // The record must belong to this resume id: same node, serial and creation time.
    if (!record || !resume_parts || !public_parts || public_parts->node != resume_parts->node ||
        public_parts->serial != resume_parts->serial ||
        public_parts->created_us != resume_parts->created_us) {
        fail();
        return fx;
    }
    const auto backend = backend_by_id(record->backend);
    if (!backend) {
        fail();
        return fx;
    }
    auto mark = cluster::parse_node_mark(loaded.mark);
    const bool mark_valid = mark && mark->node == record->owner;
    // The window runs from the detach, or from the owner's last sign of life if it died with the
    // client attached (an owner alive and well gives up a session a client resumes elsewhere).
    const uint64_t since = record->detached_us != 0 ? record->detached_us
                           : mark_valid             ? mark->at_us
                                                    : now_us;
    if (now_us > since + kResumeWindowUs) {
        fx.cluster_store.push_back({cluster::record_key(resume_id), {}, true});
        fail();
        return fx;
    }
    if (find_session(record->public_id) != nullptr) {
        // Resumed here meanwhile (or never gone): an ordinary resume.
        api::Hello again;
        again.resume_id = resume_id;
        hello_resume(conn, request_id, again, now_us, fx);
        return fx;
    }
    // Where the old owner stood in the stream: everything after it is replayed.
    uint64_t after = record->replayed_seq;
    if (record->detached_us != 0) {
        after = std::max(after, record->as_of_seq);
    } else {
        after = std::max({after, record->as_of_seq, mark_valid ? mark->seq : 0});
    }

    Session s{.queue = FrameQueue{cfg_.send_queue_bytes}};
    s.public_id = record->public_id;
    s.resume_id = resume_id;
    s.type =
        record->type == cluster::RecordClient::Internal ? ClientType::Internal : ClientType::Client;
    s.conn = conn;
    s.backend = *backend;
    s.version = record->version;
    s.user_id = record->user_id;
    s.user = record->user;
    s.features = record->features;
    s.permissions = record->permissions;
    s.in_call = record->in_call;
    s.flags = record->flags;
    s.created_us = record->created_us;
    s.replayed_seq = after;
    s.replay_skip_origin = record->owner;
    s.replay_skip_detached = record->detached_us != 0;
    by_resume_[s.resume_id] = s.public_id;
    if (s.type == ClientType::Client) {
        ++clients_per_backend_[s.backend];
    }
    const std::string public_id = s.public_id;
    Session& held = sessions_.emplace(public_id, std::move(s)).first->second;
    cluster_interest(cluster::session_subject(public_id), true, fx);
    index_user(held, true, fx);
    if (!record->room.empty()) {
        adopt_room(held, record->room, record->room_session, now_us, fx);
    }
    c.session = public_id;
    write_hello(conn, request_id, held, fx);  // saves the record: this node owns it now
    held.catching_up = true;

    // The old owner, if it lives, lets go (closing the client's old socket, if any).
    cluster_publish(cluster::session_subject(public_id),
                    cluster::SessionMoved{public_id, ids_.node()}, fx);
    cluster::ReplayRequest replay{public_id, {cluster::session_subject(public_id)}, after};
    const std::string& backend_id = cfg_.backends[held.backend].entry.id;
    if (!held.user_id.empty()) {
        replay.subjects.push_back(cluster::user_subject(backend_id, held.user_id));
    }
    if (held.in_room()) {
        replay.subjects.push_back(cluster::room_subject(backend_id, held.room_id));
    }
    fx.cluster_replays.push_back(std::move(replay));
    if (held.anonymous() && !held.in_room()) {
        start_join_timer(held, now_us);
    }
    return fx;
}

void Hub::adopt_room(Session& s, const std::string& room_id, std::string room_session_id,
                     uint64_t now_us, Effects& fx) {
    const std::string key = room_key(s.backend, room_id);
    auto [rit, created] = rooms_.try_emplace(key);
    Room& room = rit->second;
    if (created) {
        // The properties come with the next update the backend sends.
        room.key = key;
        room.id = room_id;
        room.backend = s.backend;
        room.next_ping_us = now_us + kPingIntervalUs;
        timers_.push(Timer{room.next_ping_us, TimerKind::Ping, 0, key, {}});
        fetch_capabilities(room.backend, now_us, fx);
        room_interest(room, true, fx);
    }
    room.add(s.public_id);
    s.room_id = room_id;
    s.room_session_id = std::move(room_session_id);
    if (!s.room_session_id.empty() && s.room_session_id != "0") {
        bind_room_session(s);
    }
}

Effects Hub::on_session_replay(const std::string& session,
                               std::vector<cluster::StreamMessage>&& messages,
                               uint64_t /*now_us*/) {
    Effects fx;
    Session* s = find_session(session);
    if (s == nullptr || !s->catching_up) {
        return fx;
    }
    std::vector<std::pair<uint64_t, std::string>> held = std::move(s->held);
    s->held.clear();
    s->catching_up = false;
    std::sort(messages.begin(), messages.end(),
              [](const cluster::StreamMessage& a, const cluster::StreamMessage& b) {
                  return a.seq < b.seq;
              });
    // This node's own events after its SessionMoved (the takeover) were delivered to the session
    // locally; those before it were not (the session was elsewhere).
    // Likewise the old owner's own frames: before its SessionDetached mark (if the client was
    // detached) the client had them, after it they waited in the old owner's memory.
    uint64_t taken_at = UINT64_MAX;
    uint64_t old_owner_until = s->replay_skip_detached ? 0 : UINT64_MAX;
    for (const cluster::StreamMessage& m : messages) {
        auto event = cluster::parse_event(m.payload);
        if (!event || m.seq <= s->replayed_seq) {
            continue;
        }
        if (const auto* moved = std::get_if<cluster::SessionMoved>(&event->body);
            moved != nullptr && event->origin == ids_.node() && moved->to == ids_.node() &&
            moved->session == session) {
            taken_at = m.seq;
        }
        if (const auto* detached = std::get_if<cluster::SessionDetached>(&event->body);
            detached != nullptr && event->origin == s->replay_skip_origin &&
            detached->session == session && s->replay_skip_detached) {
            old_owner_until = m.seq;
        }
    }
    const ReachScope reach{reach_, Reach::Local};
    for (cluster::StreamMessage& m : messages) {
        if (m.seq <= s->replayed_seq) {
            continue;
        }
        auto event = cluster::parse_event(m.payload);
        const bool local_already =
            event && ((event->origin == ids_.node() && m.seq > taken_at) ||
                      (event->origin == s->replay_skip_origin && m.seq < old_owner_until));
        if (event && !local_already) {
            current_seq_ = m.seq;
            replay_event(*s, std::move(*event), fx);
            current_seq_ = 0;
            s = find_session(session);
            if (s == nullptr) {
                return fx;
            }
        }
        s->replayed_seq = m.seq;
    }
    // What arrived live meanwhile: whatever the replay did not deliver already, in order.
    for (auto& [seq, frame] : held) {
        if (seq == 0 || seq > s->replayed_seq) {
            send_to_session(*s, std::move(frame), fx);
        }
    }
    // Not this node's mark: the live subjects of its other sessions may lag behind the replay.
    // The record keeps the replay's end instead.
    save_record(*s, fx);
    return fx;
}

void Hub::replay_event(Session& s, cluster::Event&& e, Effects& fx) {
    const std::string& backend = cfg_.backends[s.backend].entry.id;
    std::visit(Overloaded{
                   [&](cluster::RoomFrame& r) {
                       if (r.backend != backend || r.room != s.room_id || r.except == s.public_id ||
                           (r.call_only && (s.in_call & kInCall) == 0) ||
                           (!r.permission.empty() &&
                            s.may(r.permission) != (r.holders == Holders::Only))) {
                           return;
                       }
                       send_to_session(s, std::move(r.frame), fx);
                   },
                   [&](cluster::SessionFrame& f) {
                       if (f.session == s.public_id) {
                           send_to_session(s, std::move(f.frame), fx);
                       }
                   },
                   [&](cluster::RemoteMessage& m) {
                       const bool to_this = m.to_type == api::RecipientType::Session
                                                ? m.to == s.public_id
                                                : (!s.user_id.empty() && m.to == s.user_id);
                       if (m.backend != backend || !to_this || m.sender == s.public_id) {
                           return;
                       }
                       api::MessageRequest req;
                       req.control = m.control;
                       req.recipient.type = m.to_type;
                       req.data = m.data;
                       const MessageSender from{m.to_type == api::RecipientType::User ? "user"
                                                                                      : "session",
                                                m.sender, m.sender_user};
                       deliver_message(from, s, req, fx);
                   },
                   // A joiner was answered by the nodes alive then; a backend request is not
                   // kept in the stream (nor a claimed room session id); a move is about the
                   // session, not for it.
                   [](cluster::SessionJoined&) {},
                   [](cluster::BackendRoom&) {},
                   [](cluster::SessionMoved&) {},
                   [](cluster::SessionDetached&) {},
                   [](cluster::RoomSessionClaimed&) {},
                   // Transient data is the room's, replayed to nobody: the resumed session's
                   // node has the room's copy (kept by the stream's room subject) or gets it.
                   [](cluster::TransientChange&) {},
                   [](cluster::TransientState&) {},
               },
               e.body);
}

void Hub::drop_moved_session(const std::string& id, Effects& fx) {
    const std::string public_id = id;  // NOLINT(performance-unnecessary-copy-initialization)
    Session* s = find_session(public_id);
    if (s == nullptr || s->catching_up) {
        return;
    }
    if (s->conn != 0) {
        std::string out;
        api::write_bye(out, {}, "session_resumed");
        fx.send(s->conn, std::move(out));
        fx.close(s->conn);
        if (const auto c = conns_.find(s->conn); c != conns_.end()) {
            c->second.closing = true;
            c->second.session.clear();
        }
    }
    // Its room membership, user and session subjects move with it: no leave, no backend call.
    if (s->in_room()) {
        if (!s->room_session_id.empty()) {
            unbind_room_session(s->backend, s->room_session_id, public_id);
        }
        if (Room* room = find_room(s->backend, s->room_id)) {
            room->remove(public_id);
            if (room->members.empty()) {
                const std::string key = room->key;
                room_interest(*room, false, fx);
                rooms_.erase(key);
            }
        }
    }
    index_user(*s, false, fx);
    if (s->type == ClientType::Client) {
        --clients_per_backend_[s->backend];
    }
    by_resume_.erase(s->resume_id);
    sessions_.erase(public_id);
    cluster_interest(cluster::session_subject(public_id), false, fx);
}

}  // namespace tern::sig
