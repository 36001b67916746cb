// One room (a Talk conversation) on this hub: its members in the order they joined, the
// backend's properties, and the room's transient data. A room exists while it has members; it is
// namespaced by backend, since two Nextclouds may use the same conversation token.
#pragma once

#include "signaling/api/client_request.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sig {

struct TransientEntry {
    api::RawJson value;
    uint64_t expires_us = 0;  // 0: no ttl
};

struct Room {
    std::string key;  // room_key(backend, id)
    std::string id;
    std::size_t backend = 0;
    api::RawJson properties;           // as the backend last sent them, "" when none
    std::vector<std::string> members;  // public session ids, in join order
    std::map<std::string, TransientEntry, std::less<>> transient;  // ordered: initial is stable
    uint64_t next_ping_us = 0;

    [[nodiscard]] bool has(std::string_view session) const;
    void add(const std::string& session);
    void remove(std::string_view session);
};

/// The key rooms are stored under: "<backend index>|<room id>".
std::string room_key(std::size_t backend, std::string_view room_id);

}  // namespace tern::sig
