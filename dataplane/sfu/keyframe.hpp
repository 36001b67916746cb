// Keyframe detection in RTP payloads, so a subscriber is switched to another simulcast or
// spatial layer only where its decoder can start (RFC 7741 VP8, RFC 9628 VP9, RFC 6184 H.264,
// the AV1 RTP payload format). Reads a few bytes of the payload descriptor; never the frame.
#pragma once

#include "common/byte_reader.hpp"

#include <cstdint>

namespace tern::sfu {

enum class Codec : uint8_t { Opus, Vp8, Vp9, H264, Av1, Other };

/// True when this RTP payload starts a keyframe (or, for H.264, carries the SPS or an IDR slice
/// that begins one). Malformed or truncated descriptors are "not a keyframe".
bool is_keyframe(Codec codec, ByteSpan payload) noexcept;

}  // namespace tern::sfu
