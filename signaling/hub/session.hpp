// One signaling session: a client's hello made it, a bye, an expired resume window or a kick ends
// it. Sessions outlive their connection by the resume window (30 s): while detached, frames for
// them wait in a bounded queue and are replayed on resume. Virtual sessions (a SIP bridge's phone
// callers) have no connection at all; what is addressed to them goes to their internal owner.
#pragma once

#include "signaling/api/client_request.hpp"
#include "signaling/hub/effects.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::sig {

enum class ClientType : uint8_t { Client, Internal, Virtual };

/// Talk's in-call bits (participant.inCall): bit 1 means "in the call".
inline constexpr int kInCall = 1;
inline constexpr int kInCallWithAudio = 2;
inline constexpr int kInCallWithPhone = 8;

/// Frames held for a detached session, oldest first. Bounded in count and bytes: a client that
/// stays away long enough to overflow it loses the oldest frames, never the server's memory.
class FrameQueue {
public:
    static constexpr std::size_t kMaxFrames = 512;

    explicit FrameQueue(std::size_t max_bytes = 1 << 20) : max_bytes_(max_bytes) {}

    void push(std::string frame);
    /// Moves every queued frame into `fx` for `conn`, in order.
    void replay(ConnId conn, Effects& fx);
    [[nodiscard]] std::size_t size() const noexcept { return frames_.size(); }
    [[nodiscard]] std::size_t dropped() const noexcept { return dropped_; }

private:
    std::deque<std::string> frames_;
    std::size_t bytes_ = 0;
    std::size_t max_bytes_;
    std::size_t dropped_ = 0;
};

struct Session {
    std::string public_id;
    std::string resume_id;  // "" for virtual sessions: they cannot be resumed
    ClientType type = ClientType::Client;
    ConnId conn = 0;  // 0: detached (or virtual)
    std::size_t backend = 0;
    api::HelloVersion version = api::HelloVersion::V1;  // echoed in the reply to a resume
    std::string user_id;                // "" for anonymous (guest) and virtual sessions
    api::RawJson user;                  // the backend's user object, "" when none
    std::vector<std::string> features;  // the client's hello features

    // The room, when in one.
    std::string room_id;
    std::string room_session_id;                          // Talk's session id for the room
    std::optional<std::vector<std::string>> permissions;  // nullopt: none sent yet
    int in_call = 0;
    uint32_t flags = 0;  // virtual sessions: mic muted, speaking, ...

    // Virtual sessions: the internal client's own id and the internal session that owns it.
    std::string virtual_id;
    std::string owner;
    bool joined_as_actor = false;  // added with options: a room join, not a session request

    uint64_t created_us = 0;
    uint64_t detached_at_us = 0;    // set while detached: the resume window runs from here
    uint64_t join_deadline_us = 0;  // anonymous and not in a room: must join by then; 0 = none
    FrameQueue queue;

    // Taken over from another node (hub_takeover.cpp): until the stream's replay arrives, frames
    // for it are held with their stream sequence; afterwards, anything at or below
    // `replayed_seq` is a copy of what the replay delivered.
    bool catching_up = false;
    std::vector<std::pair<uint64_t, std::string>> held;  // (sequence or 0, frame)
    uint64_t replayed_seq = 0;
    uint16_t replay_skip_origin = 0;    // the node that held it: its own frames it delivered
    bool replay_skip_detached = false;  // ... up to its SessionDetached mark only

    [[nodiscard]] bool in_room() const noexcept { return !room_id.empty(); }
    [[nodiscard]] bool anonymous() const noexcept {
        return type == ClientType::Client && user_id.empty();
    }
    [[nodiscard]] bool has_feature(std::string_view f) const;
    /// Until the backend sends permissions, everything but hide-displaynames is allowed.
    [[nodiscard]] bool may(std::string_view permission) const;
};

}  // namespace tern::sig
