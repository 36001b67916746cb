// Where the publishers of one process's shards are: for each Talk session and stream type, the
// proxy (by its index in [mcu] url, the same in every shard) and the proxy's clientId. A shard's
// MCU client writes its own publishers here once the proxy has created them and removes them when
// they go; a shard asked to subscribe a session to a publisher it did not create finds the
// publisher here and creates the subscriber on its own connection to the same proxy (tern's
// control plane, like the reference proxy, finds a publisher by clientId across its sessions).
// The reference server asks the other nodes over gRPC (GetPublisherId); between nodes tern has no
// such look-up yet (docs/signaling.md, "Shards").
//
// Thread-safe: one mutex, taken when a publisher is created or removed and when a subscriber is
// created, never for a message.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace tern::sig::mcu {

struct PublisherEntry {
    std::size_t proxy = 0;
    std::string client_id;
    /// Whose room it publishes in, as the hub put it ("" when unknown): a subscriber must be in
    /// the same one.
    std::string scope;
};

class PublisherDirectory {
public:
    void put(const std::string& session, const std::string& stream, PublisherEntry e);
    /// Removes the entry when it is still `client_id`'s (a newer publisher of the same session
    /// and stream, created meanwhile by another shard, stays).
    void erase(const std::string& session, const std::string& stream, const std::string& client_id);
    [[nodiscard]] std::optional<PublisherEntry> find(const std::string& session,
                                                     const std::string& stream) const;
    [[nodiscard]] std::size_t size() const;

private:
    mutable std::mutex mu_;
    std::map<std::pair<std::string, std::string>, PublisherEntry> entries_;  // guarded by mu_
};

}  // namespace tern::sig::mcu
