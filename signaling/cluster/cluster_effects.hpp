// What the hub asks of the cluster bus (NATS between nodes): messages to publish and interest to
// add or drop, carried out by the edge (nats_link.*) in the order given. The hub keeps each
// subject subscribed at most once. With JetStream (session_store.hpp), also writes to the session
// bucket, look-ups of a resume id and replays of the session stream, whose results come back
// through Handler::on_session_loaded and ::on_session_replay.
#pragma once

#include "signaling/cluster/cluster_event.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::sig::cluster {

/// An event for `subject`. It stays a value inside the process (the bus between shards hands the
/// same event to every interested shard); only the NATS link encodes it (write_event()), so a
/// node without NATS never renders or parses JSON to tell its own shards.
struct Publish {
    std::string subject;
    std::shared_ptr<const Event> event;
};

/// Start (`on`) or stop receiving `subject`.
struct Interest {
    std::string subject;
    bool on = true;
};

/// Write `value` under `key` in the session bucket, or delete the key (`erase`). Fire and forget:
/// a lost write costs a resume elsewhere, never the live session. The edge may drop all but the
/// last write of a key among one batch of effects.
struct StoreOp {
    std::string key;
    std::string value;
    bool erase = false;
};

/// Look up a session record (and its owner's NodeMark) for the connection `conn`.
struct LoadSession {
    uint64_t conn = 0;
    std::string key;  // record_key(resume id)
};

/// What a LoadSession found: the record's and the mark's values as stored ("" when absent).
struct LoadedSession {
    std::string record;
    std::string mark;
};

/// Read the stream's messages on `subjects` with a sequence above `after_seq`, in order.
struct ReplayRequest {
    std::string session;  // the public id the replay is for
    std::vector<std::string> subjects;
    uint64_t after_seq = 0;
};

/// One message of the session stream.
struct StreamMessage {
    uint64_t seq = 0;
    std::string subject;
    std::string payload;
};

}  // namespace tern::sig::cluster
