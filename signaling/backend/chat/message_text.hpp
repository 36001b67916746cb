// The rules for a chat message's text and for changing a message afterwards: Talk's limit of
// 32,000 characters (capability config.chat.max-length; counted in Unicode code points, as PHP's
// mb_strlen counts them), valid UTF-8, not empty; edits within 24 hours of posting and
// deletions within 6 hours, as in Talk.
#pragma once

#include "signaling/backend/rooms/talk_error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tern::sig::backend {

inline constexpr std::size_t kMaxMessageChars = 32000;
inline constexpr int64_t kEditWindowS = 24 * 3600;
inline constexpr int64_t kDeleteWindowS = 6 * 3600;

/// Code points in `text`; nullopt when it is not valid UTF-8 (RFC 3629 §3: no overlong forms,
/// no surrogates, nothing above U+10FFFF).
std::optional<std::size_t> utf8_length(std::string_view text) noexcept;

/// Done, or InvalidInput (empty, only white space, not UTF-8) or TooLong (over the limit, with
/// the limit in the message).
TalkResult<Done> check_message_text(std::string_view text);

}  // namespace tern::sig::backend
