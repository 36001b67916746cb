// What one node of a cluster tells the others (docs/signaling.md, "Clustering"): the events the
// hub publishes on the cluster bus and applies when another node's arrive. Events carry what a
// node needs to act for its *own* sessions: a rendered room frame with the filter that picks its
// recipients, a message with its sender, a joiner who needs the members it cannot see, a backend
// request every node applies to its members. Rooms and backends travel by the configuration's
// backend id, not by index: two nodes' indexes need not agree.
#pragma once

#include "signaling/api/client_request.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace tern::sig::cluster {

/// Whom a room frame reaches with respect to `permission` (hide-displaynames).
enum class Holders : uint8_t { Excluded, Only };

/// A room-wide frame: each node delivers it to its members of the room, except `except`, only
/// those in the call when `call_only`, and filtered by `permission` when that is set.
struct RoomFrame {
    std::string backend;  // backend id
    std::string room;     // Talk's room token
    std::string except;   // a public session id, or ""
    bool call_only = false;
    std::string permission;  // "" for none
    Holders holders = Holders::Excluded;
    std::string frame;  // the client frame, as written for local members
};

/// A session joined `room` on the origin node: every other node sends it a join event listing
/// its own members (the reference server's asyncroom "sessionjoined").
struct SessionJoined {
    std::string backend;
    std::string room;
    std::string session;       // the joiner's public id
    bool hides_names = false;  // the joiner holds hide-displaynames: strip the members' names
};

/// One rendered frame for the session `session` (owned by the receiving node).
struct SessionFrame {
    std::string session;
    std::string frame;
};

/// A client's message or control to a session or a user of another node; the receiving node
/// checks and renders it as it does for local senders.
struct RemoteMessage {
    std::string backend;
    bool control = false;
    api::RecipientType to_type = api::RecipientType::Session;  // Session or User
    std::string to;                                            // public session id, or user id
    std::string sender;                                        // the sender's public id
    std::string sender_user;                                   // "" for guests
    api::RawJson data;
};

/// A backend's POST to /api/v1/room/{room}, checked by the node that received it; every node
/// applies it to its own sessions (the reference server's "backend.room.*").
struct BackendRoom {
    std::string backend;
    std::string room;
    std::string body;  // the request body as the backend sent it
};

/// Node `to` took the session over (a resume there, docs/signaling.md "Resume on another node"):
/// the node that held it drops it without telling anyone, and closes the client's old socket.
struct SessionMoved {
    std::string session;
    uint16_t to = 0;
};

/// The owner lost the session's client connection: a mark in the session stream. A node that
/// takes the session over replays the owner's own room frames after it (the owner queued them,
/// and they died with it) but not those before it (the client had them).
struct SessionDetached {
    std::string session;
};

/// A session joined a room with Talk room session id `room_session` (one socket per Talk
/// session): a node whose own session holds that id ends it with bye room_session_reconnected,
/// the backend untold, as for two of its own.
struct RoomSessionClaimed {
    std::string backend;
    std::string room_session;
    std::string session;  // the new holder's public id
};

/// A room's transient data changed by a client on the origin node: `key` set to `value` (with
/// `ttl_us`, 0 for none), or removed (`value` empty). Every node applies it to its copy of the
/// room and tells its own members.
struct TransientChange {
    std::string backend;
    std::string room;
    std::string key;
    api::RawJson value;  // "" for a removal
    uint64_t ttl_us = 0;
};

/// A node's transient data of a room, for a session that joined it on another node (the answer
/// to SessionJoined, as the member list is): the joiner's node adds what its copy lacks and gives
/// the joiner the whole of it.
struct TransientState {
    struct Entry {
        std::string key;
        api::RawJson value;
        uint64_t ttl_us = 0;  // what is left of it, 0 for none
    };
    std::string backend;
    std::string room;
    std::string session;  // the joiner
    std::vector<Entry> entries;
};

using EventBody =
    std::variant<RoomFrame, SessionJoined, SessionFrame, RemoteMessage, BackendRoom, SessionMoved,
                 SessionDetached, RoomSessionClaimed, TransientChange, TransientState>;

struct Event {
    uint16_t origin = 0;  // the node that published it
    EventBody body;
};

}  // namespace tern::sig::cluster
