#include "signaling/backend/chat/message_text.hpp"

#include <string>

namespace tern::sig::backend {

std::optional<std::size_t> utf8_length(std::string_view text) noexcept {
    std::size_t count = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<unsigned char>(text[i]);
        std::size_t len = 0;
        uint32_t cp = 0;
        if (b < 0x80) {
            len = 1;
            cp = b;
        } else if ((b & 0xe0) == 0xc0) {
            len = 2;
            cp = b & 0x1fU;
        } else if ((b & 0xf0) == 0xe0) {
            len = 3;
            cp = b & 0x0fU;
        } else if ((b & 0xf8) == 0xf0) {
            len = 4;
            cp = b & 0x07U;
        } else {
            return std::nullopt;
        }
        if (i + len > text.size()) {
            return std::nullopt;
        }
        for (std::size_t k = 1; k < len; ++k) {
            const auto c = static_cast<unsigned char>(text[i + k]);
            if ((c & 0xc0) != 0x80) {
                return std::nullopt;
            }
            cp = (cp << 6) | (c & 0x3fU);
        }
        constexpr uint32_t kMinOf[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMinOf[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return std::nullopt;
        }
        i += len;
        ++count;
    }
    return count;
}

TalkResult<Done> check_message_text(std::string_view text) {
    const auto length = utf8_length(text);
    if (!length) {
        return unexpected(TalkError{TalkErrorKind::InvalidInput, "the message is not UTF-8"});
    }
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return unexpected(TalkError{TalkErrorKind::InvalidInput, "the message is empty"});
    }
    if (*length > kMaxMessageChars) {
        return unexpected(TalkError{TalkErrorKind::TooLong,
                                    "the message has " + std::to_string(*length) +
                                        " characters; at most " + std::to_string(kMaxMessageChars) +
                                        " are allowed"});
    }
    return Done{};
}

}  // namespace tern::sig::backend
