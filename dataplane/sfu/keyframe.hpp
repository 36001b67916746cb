// Keyframe detection in RTP payloads, so a subscriber is switched to another simulcast or
// spatial layer only where its decoder can start (RFC 7741 VP8, RFC 9628 VP9, RFC 6184 H.264,
// the AV1 RTP payload format). Reads a few bytes of the payload descriptor; never the frame.
#pragma once

#include "common/byte_reader.hpp"

#include <cstddef>
#include <cstdint>

namespace tern::sfu {

enum class Codec : uint8_t { Opus, Vp8, Vp9, H264, Av1, Other };

/// A VP8 payload descriptor (RFC 7741 §4.2): what the keyframe test and the temporal-layer
/// filter read from it.
struct Vp8Descriptor {
    bool valid = false;        // long enough for every field its flags announce
    bool frame_start = false;  // S with partition id 0: the first packet of a frame
    int tid = -1;              // T: its frame's temporal layer; -1 when not signalled
    bool sync = false;         // Y: the frame depends only on temporal layer 0
    std::size_t length = 0;    // octets before the VP8 payload header
};

/// Reads the descriptor at the start of a VP8 RTP payload; `valid` false when truncated.
Vp8Descriptor vp8_descriptor(ByteSpan payload) noexcept;

/// True when this RTP payload starts a keyframe (or, for H.264, carries the SPS or an IDR slice
/// that begins one). Malformed or truncated descriptors are "not a keyframe".
bool is_keyframe(Codec codec, ByteSpan payload) noexcept;

}  // namespace tern::sfu
