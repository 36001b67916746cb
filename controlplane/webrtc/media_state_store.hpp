// What survives a control plane restart: the proxy sessions, every publisher and subscriber
// (credentials, tracks, SSRCs, ...) and the id counters, written to `state_file` as JSON on every
// change (atomically: a temporary file, then rename) and read back at start. DTLS and SCTP state
// are not saved: they live in OpenSSL and usrsctp (docs/proxy.md, Restarts).
#pragma once

#include "common/log.hpp"
#include "controlplane/webrtc/media_client.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tern::cp {

/// A proxy session, saved so that its signaling server can resume it after a restart.
struct SavedSession {
    std::string id;
    std::string issuer;
};

/// The data plane instance the clients live on and the counters new ids come from.
struct MediaIds {
    uint64_t instance = 0;
    uint64_t next_transport = 1;
    uint32_t next_track = 1;
    uint32_t next_worker = 0;
};

using MediaClients = std::map<std::string, std::unique_ptr<MediaClient>>;

class MediaStateStore {
public:
    struct State {
        MediaIds ids;
        std::vector<SavedSession> sessions;
        std::vector<std::unique_ptr<MediaClient>> clients;
    };

    /// `path` empty: nothing is saved or loaded.
    MediaStateStore(std::string path, const Logger& log) : path_(std::move(path)), log_(log) {}

    /// Writes the file; a failure is logged (the calls go on, a restart would lose them).
    void save(const MediaIds& ids, const std::vector<SavedSession>& sessions,
              const MediaClients& clients) const;
    /// Reads the file: nothing when there is none, or when it is unreadable or malformed
    /// (logged; the control plane starts empty).
    [[nodiscard]] std::optional<State> load() const;

    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
    const Logger& log_;  // borrowed, outlives this
};

}  // namespace tern::cp
