#include "signaling/backend/auth/user_name.hpp"

#include <cstdint>

namespace tern::sig::backend {

namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '@' || c == '-';
}

/// Valid UTF-8 (no overlong forms, no surrogates) without C0 controls or DEL.
bool clean_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t n = 0;
        uint32_t cp = 0;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1fU;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0fU;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07U;
        } else {
            return false;
        }
        if (i + n >= s.size()) {  // the sequence runs past the end
            return false;
        }
        for (std::size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0U) != 0x80U) {
                return false;
            }
            cp = (cp << 6U) | (cc & 0x3fU);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

std::optional<std::string> free_text_problem(std::string_view text, std::size_t max,
                                             const char* what) {
    if (text.size() > max) {
        return std::string(what) + " is longer than " + std::to_string(max) + " bytes";
    }
    if (!clean_utf8(text)) {
        return std::string(what) + " must be UTF-8 text without control characters";
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> user_name_problem(std::string_view name) {
    if (name.empty()) {
        return "the user name is empty";
    }
    if (name.size() > kMaxUserNameLen) {
        return "the user name is longer than " + std::to_string(kMaxUserNameLen) + " characters";
    }
    for (const char c : name) {
        if (!name_char(c)) {
            return "the user name may hold only letters a-z, A-Z, digits and . _ @ -";
        }
    }
    if (name.front() == '.' || name.front() == '-') {
        return "the user name may not start with '.' or '-'";
    }
    return std::nullopt;
}

std::optional<std::string> display_name_problem(std::string_view display_name) {
    return free_text_problem(display_name, kMaxDisplayNameLen, "the display name");
}

std::optional<std::string> label_problem(std::string_view label) {
    return free_text_problem(label, kMaxLabelLen, "the label");
}

std::optional<std::string> password_problem(std::string_view password) {
    if (password.size() < kMinPasswordLen) {
        return "the password is shorter than " + std::to_string(kMinPasswordLen) + " characters";
    }
    if (password.size() > kMaxPasswordLen) {
        return "the password is longer than " + std::to_string(kMaxPasswordLen) + " bytes";
    }
    if (password.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos) {
        return "the password may not hold NUL, CR or LF";
    }
    return std::nullopt;
}

}  // namespace tern::sig::backend
