// The cluster events' wire form: one JSON object per NATS message,
//   {"v":1,"origin":<node>,"type":"room"|"joined"|"session"|"message"|"backend"|"moved"|
//    "detached", ...}
// JSON because everything an event carries is JSON already (frames, message data, backend
// bodies) and an operator can read the bus with `nats sub '>'`. The parser validates the whole
// payload (another node, or anyone with access to the NATS server, wrote it) and returns an
// Event or the reason it is not one.
#pragma once

#include "common/result.hpp"
#include "signaling/cluster/cluster_event.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace tern::sig::cluster {

/// The wire form's version; a payload with another is refused.
inline constexpr int kEventVersion = 1;
/// The largest payload parsed: NATS' default max_payload (1 MiB).
inline constexpr std::size_t kMaxEventBytes = 1 << 20;

struct EventParseError {
    std::string message;
};

[[nodiscard]] std::string write_event(const Event& e);
[[nodiscard]] Result<Event, EventParseError> parse_event(std::string_view payload);

}  // namespace tern::sig::cluster
