#include "signaling/hub/room_session_directory.hpp"

namespace tern::sig {

void RoomSessionDirectory::put(const std::string& key, Holder h) {
    std::lock_guard lock(mu_);
    holders_[key] = std::move(h);
}

void RoomSessionDirectory::erase(const std::string& key, const std::string& session) {
    std::lock_guard lock(mu_);
    const auto it = holders_.find(key);
    if (it != holders_.end() && it->second.session == session) {
        holders_.erase(it);
    }
}

std::optional<RoomSessionDirectory::Holder>
RoomSessionDirectory::find(const std::string& key) const {
    std::lock_guard lock(mu_);
    const auto it = holders_.find(key);
    if (it == holders_.end()) {
        return std::nullopt;
    }
    return it->second;
}

}  // namespace tern::sig
