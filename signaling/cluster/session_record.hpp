// What a node keeps in JetStream KV so that a session survives its node (docs/signaling.md,
// "Resume on another node"): the resumable record of one session, written by the node that owns
// it whenever something a resume must restore changes, and one mark per node saying how far it
// has read the session stream. Keys and the bucket and stream names are in session_store.hpp.
#pragma once

#include "signaling/api/client_request.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::sig::cluster {

enum class RecordClient : uint8_t { Client, Internal };

/// One session as another node needs it to take the session over: its ids (the resume id is the
/// record's key, hashed, and not stored), its backend and user, its hello, its room, and where in
/// the session stream its owner stood.
struct SessionRecord {
    std::string public_id;
    RecordClient type = RecordClient::Client;
    std::string backend;  // the backend's configuration id
    api::HelloVersion version = api::HelloVersion::V1;
    std::string user_id;                                  // "" for guests and internal clients
    api::RawJson user;                                    // the backend's user object, "" when none
    std::vector<std::string> features;                    // the client's hello features
    std::string room;                                     // "" when in no room
    std::string room_session;                             // Talk's session id for the room
    std::optional<std::vector<std::string>> permissions;  // nullopt: none sent yet
    int in_call = 0;
    uint32_t flags = 0;
    uint16_t owner = 0;         // the node that holds the session
    uint64_t created_us = 0;    // for the record's age
    uint64_t detached_us = 0;   // when its owner lost the client's connection; 0 while attached
    uint64_t as_of_seq = 0;     // the owner had handled the session stream up to here
    uint64_t replayed_seq = 0;  // a takeover replayed the stream up to here
};

/// A node's progress through the session stream and its last sign of life: every message up to
/// `seq` that the node subscribed to has been handled (delivered or queued).
struct NodeMark {
    uint16_t node = 0;
    uint64_t seq = 0;
    uint64_t at_us = 0;
};

}  // namespace tern::sig::cluster
