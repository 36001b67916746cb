#include "signaling/hub/room.hpp"

#include <algorithm>

namespace tern::sig {

bool Room::has(std::string_view session) const {
    return std::find(members.begin(), members.end(), session) != members.end();
}

void Room::add(const std::string& session) {
    if (!has(session)) {
        members.push_back(session);
    }
}

void Room::remove(std::string_view session) {
    const auto it = std::find(members.begin(), members.end(), session);
    if (it != members.end()) {
        members.erase(it);
    }
}

std::string room_key(std::size_t backend, std::string_view room_id) {
    std::string k = std::to_string(backend);
    k += '|';
    k += room_id;
    return k;
}

}  // namespace tern::sig
