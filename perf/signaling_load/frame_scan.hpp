#pragma once
// Reads the few fields the load generator needs out of a server frame by plain string search:
// no JSON parser in the receive path. Both servers write compact JSON (Go's encoder compacts a
// RawMessage, tern's writer emits no spaces); a space after the colon is still tolerated.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tern::perf::sigload {

/// The text after `"key":` (spaces skipped), or an empty view when the key is absent.
inline std::string_view after_key(std::string_view frame, std::string_view quoted_key) {
    const size_t at = frame.find(quoted_key);
    if (at == std::string_view::npos) {
        return {};
    }
    size_t i = at + quoted_key.size();
    while (i < frame.size() && (frame[i] == ' ' || frame[i] == ':')) {
        ++i;
    }
    return frame.substr(i);
}

/// The string value of `quoted_key` ("\"sessionid\""), unescaped ids only.
inline std::optional<std::string_view> string_field(std::string_view frame,
                                                    std::string_view quoted_key) {
    const std::string_view v = after_key(frame, quoted_key);
    if (v.empty() || v.front() != '"') {
        return std::nullopt;
    }
    const size_t end = v.find('"', 1);
    if (end == std::string_view::npos) {
        return std::nullopt;
    }
    return v.substr(1, end - 1);
}

/// The unsigned integer value of `quoted_key`.
inline std::optional<uint64_t> uint_field(std::string_view frame, std::string_view quoted_key) {
    const std::string_view v = after_key(frame, quoted_key);
    uint64_t out = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc{} || ptr == v.data()) {
        return std::nullopt;
    }
    return out;
}

/// Whether the frame is a reply to the request with this id ("h", "r").
inline bool is_reply(std::string_view frame, std::string_view id) {
    const auto v = string_field(frame, "\"id\"");
    return v && *v == id;
}

inline bool is_error(std::string_view frame) {
    const auto v = string_field(frame, "\"type\"");
    return v && *v == "error";
}

}  // namespace tern::perf::sigload
