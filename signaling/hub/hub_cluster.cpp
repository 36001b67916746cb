// The hub's side of the cluster bus (see hub.hpp, "Clustering"): what this node publishes for
// the other nodes, and what it does with theirs. Like everything in the hub, it only returns
// Effects; the edge's NATS link (signaling/cluster/nats_link.*) carries them out.
#include "common/overloaded.hpp"
#include "signaling/cluster/cluster_event_codec.hpp"
#include "signaling/cluster/cluster_subjects.hpp"
#include "signaling/hub/hub.hpp"

namespace tern::sig {

namespace {

std::string_view recipient_name(api::RecipientType t) {
    return t == api::RecipientType::User ? "user" : "session";
}

}  // namespace

void Hub::cluster_interest(std::string subject, bool on, Effects& fx) {
    if (clustered_) {
        fx.cluster_interest.push_back({std::move(subject), on});
    }
}

void Hub::room_interest(const Room& room, bool on, Effects& fx) {
    const std::string& backend = cfg_.backends[room.backend].entry.id;
    cluster_interest(cluster::room_subject(backend, room.id), on, fx);
    cluster_interest(cluster::backend_room_subject(backend, room.id), on, fx);
}

void Hub::cluster_publish(std::string subject, cluster::EventBody body, Effects& fx) {
    fx.cluster_publishes.push_back(
        {std::move(subject),
         std::make_shared<const cluster::Event>(cluster::Event{ids_.node(), std::move(body)})});
}

std::optional<std::size_t> Hub::backend_by_id(std::string_view id) const {
    for (std::size_t i = 0; i < cfg_.backends.size(); ++i) {
        if (cfg_.backends[i].entry.id == id) {
            return i;
        }
    }
    return std::nullopt;
}

// ---- publishing ---------------------------------------------------------------------------------

void Hub::publish_room_frame(const Room& room, std::string_view frame, std::string_view except,
                             bool call_only, std::string_view permission, Holders holders,
                             Effects& fx) {
    const std::string& backend = cfg_.backends[room.backend].entry.id;
    cluster_publish(cluster::room_subject(backend, room.id),
                    cluster::RoomFrame{backend, room.id, std::string(except), call_only,
                                       std::string(permission), holders, std::string(frame)},
                    fx);
}

void Hub::publish_joined(const Room& room, const Session& joiner, bool hides_names, Effects& fx) {
    const std::string& backend = cfg_.backends[room.backend].entry.id;
    cluster_publish(cluster::room_subject(backend, room.id),
                    cluster::SessionJoined{backend, room.id, joiner.public_id, hides_names}, fx);
}

bool Hub::route_to_other_node(const Session& from, const api::MessageRequest& m, Effects& fx) {
    // Only ids this cluster issued: anything else is dropped silently, as an unknown local id
    // is. One this node issued may live elsewhere now (resumed on another node).
    if (!clustered_ || !ids_.read_public(m.recipient.session_id)) {
        return false;
    }
    cluster_publish(cluster::session_subject(m.recipient.session_id),
                    cluster::RemoteMessage{cfg_.backends[from.backend].entry.id, m.control,
                                           api::RecipientType::Session, m.recipient.session_id,
                                           from.public_id, from.user_id, m.data},
                    fx);
    return true;
}

void Hub::publish_user_message(const Session& from, const api::MessageRequest& m, Effects& fx) {
    const std::string& backend = cfg_.backends[from.backend].entry.id;
    cluster_publish(cluster::user_subject(backend, m.recipient.user_id),
                    cluster::RemoteMessage{backend, m.control, api::RecipientType::User,
                                           m.recipient.user_id, from.public_id, from.user_id,
                                           m.data},
                    fx);
}

void Hub::publish_transient(const Room& room, const std::string& key, const api::RawJson& value,
                            uint64_t ttl_us, Effects& fx) {
    if (!clustered_) {
        return;
    }
    const std::string& backend = cfg_.backends[room.backend].entry.id;
    cluster_publish(cluster::room_subject(backend, room.id),
                    cluster::TransientChange{backend, room.id, key, value, ttl_us}, fx);
}

void Hub::publish_backend_post(std::size_t backend, const std::string& room_id,
                               const std::string& body, bool to_users, Effects& fx) {
    const std::string& id = cfg_.backends[backend].entry.id;
    // Once per node either way: a request naming users reaches every node (their sessions may
    // be in no room), the others only the nodes with members.
    cluster_publish(to_users ? cluster::backend_users_subject()
                             : cluster::backend_room_subject(id, room_id),
                    cluster::BackendRoom{id, room_id, body}, fx);
}

// ---- applying -----------------------------------------------------------------------------------

Effects Hub::on_cluster_message(std::string_view /*subject*/, std::string_view payload,
                                uint64_t seq, uint64_t now_us) {
    Effects fx;
    if (!clustered_) {
        return fx;
    }
    // What does not parse changes nothing; the subject is not trusted either: the event says
    // what it is about.
    if (const auto event = cluster::parse_event(payload)) {
        apply_cluster_event(*event, seq, now_us, fx);
    }
    if (seq > stream_seq_) {
        // Handled (delivered, queued or not ours): a resume elsewhere starts after it.
        stream_seq_ = seq;
        save_node_mark(now_us, fx);
    }
    return fx;
}

Effects Hub::on_cluster_event(std::string_view /*subject*/, const cluster::Event& event,
                              uint64_t now_us) {
    Effects fx;
    if (clustered_) {
        apply_cluster_event(event, 0, now_us, fx);
    }
    return fx;
}

void Hub::apply_cluster_event(const cluster::Event& e, uint64_t seq, uint64_t now_us, Effects& fx) {
    // Our own events (the stream republishes them to us too) change nothing.
    if (e.origin == ids_.node()) {
        return;
    }
    // Every node derives what an event means for its own sessions: nothing goes back out,
    // except what this node's own sessions do in consequence (joins, leaves).
    const ReachScope reach{reach_, Reach::Local};
    current_seq_ = seq;
    std::visit(Overloaded{
                   [&](const cluster::RoomFrame& r) {
                       const auto b = backend_by_id(r.backend);
                       if (const Room* room = b ? find_room(*b, r.room) : nullptr) {
                           deliver_to_room(*room, r.frame, r.except, r.call_only, fx, r.permission,
                                           r.holders);
                       }
                   },
                   [&](const cluster::SessionJoined& j) { apply_session_joined(j, now_us, fx); },
                   [&](const cluster::SessionFrame& f) {
                       if (Session* s = find_session(f.session)) {
                           send_to_session(*s, f.frame, fx);
                       }
                   },
                   [&](const cluster::RemoteMessage& m) {
                       if (const auto b = backend_by_id(m.backend)) {
                           apply_remote_message(m, *b, fx);
                       }
                   },
                   [&](const cluster::BackendRoom& r) {
                       if (const auto b = backend_by_id(r.backend)) {
                           apply_backend_post(*b, r.room, r.body, 0, now_us, fx);
                       }
                   },
                   [&](const cluster::SessionMoved& m) {
                       if (m.to != ids_.node()) {
                           drop_moved_session(m.session, fx);
                       }
                   },
                   [](const cluster::SessionDetached&) {},  // a mark for replays only
                   [&](const cluster::TransientChange& t) {
                       const auto b = backend_by_id(t.backend);
                       if (Room* room = b ? find_room(*b, t.room) : nullptr) {
                           if (t.value.empty()) {
                               remove_transient(*room, t.key, fx);
                           } else {
                               set_transient(*room, t.key, t.value, t.ttl_us, now_us, fx);
                           }
                       }
                   },
                   [&](const cluster::TransientState& t) { apply_transient_state(t, now_us, fx); },
                   [&](const cluster::RoomSessionClaimed& c) {
                       if (const auto b = backend_by_id(c.backend)) {
                           kick_room_session_holder(*b, c.room_session, c.session, now_us, fx);
                       }
                   },
               },
               e.body);
    current_seq_ = 0;
}

void Hub::apply_session_joined(const cluster::SessionJoined& j, uint64_t now_us, Effects& fx) {
    const auto b = backend_by_id(j.backend);
    const Room* room = b ? find_room(*b, j.room) : nullptr;
    if (room == nullptr || find_session(j.session) != nullptr) {
        return;
    }
    std::string members = members_join_event(*room, nullptr, j.hides_names);
    if (!members.empty()) {
        cluster_publish(cluster::session_subject(j.session),
                        cluster::SessionFrame{j.session, std::move(members)}, fx);
    }
    if (!room->transient.empty()) {
        cluster::TransientState state{j.backend, j.room, j.session, {}};
        for (const auto& [key, e] : room->transient) {
            const uint64_t left =
                e.expires_us == 0 ? 0 : (e.expires_us > now_us ? e.expires_us - now_us : 1);
            state.entries.push_back({key, e.value, left});
        }
        cluster_publish(cluster::session_subject(j.session), std::move(state), fx);
    }
}

void Hub::apply_transient_state(const cluster::TransientState& t, uint64_t now_us, Effects& fx) {
    Session* joiner = find_session(t.session);
    const auto b = backend_by_id(t.backend);
    Room* room = b ? find_room(*b, t.room) : nullptr;
    if (joiner == nullptr || room == nullptr || joiner->room_id != t.room ||
        joiner->type == ClientType::Virtual) {
        return;
    }
    // Keys this node lacks (its copy began with the joiner); a node with members all along has
    // them all, and the joiner had them in its initial already.
    bool added = false;
    for (const cluster::TransientState::Entry& e : t.entries) {
        if (room->transient.contains(e.key)) {
            continue;
        }
        TransientEntry& mine = room->transient[e.key];
        mine.value = e.value;
        mine.expires_us = e.ttl_us == 0 ? 0 : now_us + e.ttl_us;
        if (mine.expires_us != 0) {
            timers_.push(Timer{mine.expires_us, TimerKind::Transient, 0, room->key, e.key});
        }
        added = true;
    }
    if (added) {
        send_transient_initial(*room, *joiner, fx);
    }
}

void Hub::apply_remote_message(const cluster::RemoteMessage& m, std::size_t backend, Effects& fx) {
    api::MessageRequest req;
    req.control = m.control;
    req.recipient.type = m.to_type;
    req.data = m.data;
    const MessageSender from{recipient_name(m.to_type), m.sender, m.sender_user};
    if (m.to_type == api::RecipientType::Session) {
        Session* to = find_session(m.to);
        if (to != nullptr && to->backend == backend && to->public_id != m.sender) {
            deliver_message(from, *to, req, fx);
        }
        return;
    }
    const auto it = by_user_.find(room_key(backend, m.to));
    if (it == by_user_.end()) {
        return;
    }
    const std::vector<std::string> ids = it->second;
    for (const std::string& id : ids) {
        if (Session* to = find_session(id); to != nullptr && to->public_id != m.sender) {
            deliver_message(from, *to, req, fx);
        }
    }
}

}  // namespace tern::sig
