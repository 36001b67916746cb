// The wire form of the KV values (session_record.hpp): one JSON object each,
//   record: {"v":1,"session":...,"type":"client"|"internal","backend":...,"hello":1|2,...}
//   mark:   {"v":1,"node":N,"seq":S,"at":µs}
// Whoever can write the bucket can write anything, so the parsers validate every member and
// return the value or why it is not one.
#pragma once

#include "common/result.hpp"
#include "signaling/cluster/session_record.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace tern::sig::cluster {

inline constexpr int kRecordVersion = 1;
/// A record holds a session's hello and room, not its traffic: 64 KiB is generous.
inline constexpr std::size_t kMaxRecordBytes = 64 * 1024;

struct RecordParseError {
    std::string message;
};

[[nodiscard]] std::string write_record(const SessionRecord& r);
[[nodiscard]] Result<SessionRecord, RecordParseError> parse_record(std::string_view payload);
[[nodiscard]] std::string write_node_mark(const NodeMark& m);
[[nodiscard]] Result<NodeMark, RecordParseError> parse_node_mark(std::string_view payload);

}  // namespace tern::sig::cluster
