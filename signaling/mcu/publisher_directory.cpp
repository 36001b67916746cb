#include "signaling/mcu/publisher_directory.hpp"

namespace tern::sig::mcu {

void PublisherDirectory::put(const std::string& session, const std::string& stream,
                             PublisherEntry e) {
    std::lock_guard lock(mu_);
    entries_[{session, stream}] = std::move(e);
}

void PublisherDirectory::erase(const std::string& session, const std::string& stream,
                               const std::string& client_id) {
    std::lock_guard lock(mu_);
    const auto it = entries_.find({session, stream});
    if (it != entries_.end() && it->second.client_id == client_id) {
        entries_.erase(it);
    }
}

std::optional<PublisherEntry> PublisherDirectory::find(const std::string& session,
                                                       const std::string& stream) const {
    std::lock_guard lock(mu_);
    const auto it = entries_.find({session, stream});
    if (it == entries_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::size_t PublisherDirectory::size() const {
    std::lock_guard lock(mu_);
    return entries_.size();
}

}  // namespace tern::sig::mcu
