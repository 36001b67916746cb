// ASCII helpers for protocol text, whatever the process's locale: case folding for tokens and
// configuration words (section and key names, URL schemes and hosts, digest names: the letters
// A-Z only), hexadecimal digits (percent-encoding, MAC addresses), and trimming HTTP's optional
// white space (space and tab) around header values and list items.
#pragma once

#include <string>
#include <string_view>

namespace tern {

inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

/// The value of a hexadecimal digit (either case), -1 for any other character.
constexpr int hex_digit_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/// `s` without the spaces and tabs at its ends (RFC 9110's OWS).
constexpr std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace tern
