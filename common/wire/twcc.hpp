// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01
// §3.1: RTPFB, FMT 15). A receiver reports, by transport-wide sequence number, which packets
// arrived and when (in 250 µs steps from a 64 ms reference time); the sender's bandwidth
// estimator (Chromium's GoogCC) reads delay growth and loss from it.
//
// Packet status chunks: a run-length chunk (one symbol, up to 8,191 times) or a status vector
// (14 one-bit or 7 two-bit symbols). Symbols: 0 not received, 1 received with a one-byte delta
// (0..63.75 ms), 2 received with a two-byte signed delta. The writer picks the chunk kind that
// covers the most packets; the reader accepts every legal encoding.
#pragma once

#include "common/byte_reader.hpp"
#include "common/wire/rtcp.hpp"

#include <cstdint>
#include <span>

namespace tern::wire::twcc {

inline constexpr uint8_t kFmt = 15;
inline constexpr int64_t kDeltaTickUs = 250;
inline constexpr int64_t kReferenceTickUs = 64'000;
inline constexpr int64_t kNotReceived = -1;  // an arrival time for a packet that did not arrive
/// The reference time is 24 bits, read as signed: arrival times are known modulo this period
/// (~12.4 days). From 2^23 ticks (~6.2 days on the writer's clock) the field reads back negative,
/// one period lower; receivers compare times within a packet and across packets unwrapped.
inline constexpr int64_t kReferenceWrapUs = (int64_t{1} << 24) * kReferenceTickUs;

/// Writes one feedback packet for the `arrivals_us.size()` consecutive sequence numbers from
/// `base_seq` (arrival times in µs on a clock that does not go backwards, kNotReceived for a
/// lost packet). Returns how many entries the packet covers: fewer than given when a gap
/// between arrivals exceeds a two-byte delta (±8.19 s) or `w` runs out of room (send the rest
/// in another packet); 0 when none of them arrived or nothing could be written.
std::size_t write_feedback(ByteWriter& w, uint32_t sender_ssrc, uint32_t media_ssrc,
                           uint16_t base_seq, std::span<const int64_t> arrivals_us,
                           uint8_t feedback_count) noexcept;

struct Feedback {
    uint32_t media_ssrc = 0;
    uint16_t base_seq = 0;
    uint16_t status_count = 0;
    int32_t reference_time = 0;  // signed, in 64 ms units
    uint8_t feedback_count = 0;
};

/// Reads a transport-cc feedback packet: its header into `fb` and, for each reported sequence
/// number in order, its arrival time in µs from the reference epoch (reference_time × 64 ms
/// plus the deltas) or kNotReceived, into `arrivals_us` (at most its size; `n` says how many).
/// Entry i stands for sequence number base_seq + i (modulo 2^16). False, with `why`, when `p` is
/// not transport-cc (Unsupported), is cut short (Truncated: header, chunks or deltas missing)
/// or breaks the draft (Malformed: a reserved symbol); a run longer than the status count is
/// cut to it. Entries past `arrivals_us.size()` are checked but not stored. Nothing allocates.
bool parse_feedback(const rtcp::Packet& p, Feedback& fb, std::span<int64_t> arrivals_us,
                    std::size_t& n, Error& why) noexcept;

}  // namespace tern::wire::twcc
