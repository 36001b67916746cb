// Which session holds a Talk room session id (Nextcloud's session id of a participant) on the
// shards of one process: written by the shard that holds the session when it joins a room and
// erased when it leaves, so that a shard applying a backend's participants or in-call update maps
// the Talk ids of other shards' sessions to their signaling ids as it does its own. Between nodes
// there is no such map yet (the reference asks the other nodes over gRPC, LookupSessionId).
//
// Thread-safe: one mutex, taken at room joins and leaves and per participant of a backend's
// update, never for a client's message.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace tern::sig {

class RoomSessionDirectory {
public:
    struct Holder {
        std::string session;  // public id
        std::string room;     // the room it is in
    };

    /// `key`: room_key(backend, Talk room session id).
    void put(const std::string& key, Holder h);
    /// Erases `key` when `session` still holds it.
    void erase(const std::string& key, const std::string& session);
    [[nodiscard]] std::optional<Holder> find(const std::string& key) const;

private:
    mutable std::mutex mu_;
    std::map<std::string, Holder> holders_;  // guarded by mu_
};

}  // namespace tern::sig
