// The names and limits of the JetStream state behind resume on another node (docs/signaling.md,
// "Resume on another node"), shared by the hub (which decides what to write) and the NATS link
// (which creates the bucket and the stream and carries the writes out).
//
//   KV bucket kSessionBucket:  "session.<hash of the resume id>" → SessionRecord
//                              "node.<node id>"                  → NodeMark
//   stream kSessionStream:     the subjects session.>, user.> and room.>, kept for the resume
//                              window, at most kStreamMaxPerSubject messages per subject; every
//                              stored message is republished on "live.<subject>" with its
//                              sequence number, which is what the nodes subscribe to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::sig::cluster {

inline constexpr std::string_view kSessionBucket = "tern_sessions";
inline constexpr std::string_view kSessionStream = "TERN_SESSION_MSGS";
/// Where the stream republishes what it stored (with Nats-Sequence), and what nodes subscribe to.
inline constexpr std::string_view kLivePrefix = "live.";
/// The stream's max age: the resume window (the hub checks that the two agree).
inline constexpr uint64_t kStreamMaxAgeUs = 30'000'000;
/// As many as a detached session queues in memory (FrameQueue::kMaxFrames).
inline constexpr int64_t kStreamMaxPerSubject = 512;
/// The largest replay handed to the hub at once (one session's and its room's subjects).
inline constexpr std::size_t kMaxReplayMessages = 4096;

/// The record's key: a hash of the resume id, so that listing the bucket yields no resume ids.
[[nodiscard]] std::string record_key(std::string_view resume_id);
[[nodiscard]] std::string node_key(uint16_t node);
/// Whether the subject is one the stream keeps (and the live subjects mirror).
[[nodiscard]] bool stream_subject(std::string_view subject);

}  // namespace tern::sig::cluster
