// Reading typed members out of a simdjson DOM object, for the backend API's parsers (room
// requests, answers, capabilities). Each reader leaves its output alone when the member is
// absent and reports a member of the wrong type as an error message naming it, so a parser
// chains them and returns the first message as its error value.
#pragma once

#include "signaling/api/client_request.hpp"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sig::api::json {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

inline bool member(const object& o, std::string_view key, element& out) {
    return o.at_key(key).get(out) == simdjson::SUCCESS;
}

/// The JSON text of a value (simdjson writes it minified; forwarded JSON need not keep spacing).
inline RawJson raw_of(const element& e) {
    return simdjson::to_string(e);
}

inline bool get_string(const object& o, std::string_view key, std::string& out,
                       std::string& error) {
    element e;
    if (!member(o, key, e)) {
        return true;
    }
    std::string_view s;
    if (e.get(s) != simdjson::SUCCESS) {
        error = std::string(key) + " must be a string";
        return false;
    }
    out.assign(s);
    return true;
}

/// An array of strings; null counts as absent (PHP's json_encode writes null for unset arrays).
inline bool get_string_list(const object& o, std::string_view key, std::vector<std::string>& out,
                            std::string& error) {
    element e;
    if (!member(o, key, e) || e.is_null()) {
        return true;
    }
    array a;
    if (e.get(a) != simdjson::SUCCESS) {
        error = std::string(key) + " must be an array of strings";
        return false;
    }
    out.clear();
    for (element item : a) {
        std::string_view s;
        if (item.get(s) != simdjson::SUCCESS) {
            error = std::string(key) + " must be an array of strings";
            return false;
        }
        out.emplace_back(s);
    }
    return true;
}

/// Any value, kept as JSON text; null counts as absent.
inline void get_raw(const object& o, std::string_view key, RawJson& out) {
    element e;
    if (member(o, key, e) && !e.is_null()) {
        out = raw_of(e);
    }
}

/// An object, kept as JSON text; null counts as absent, another type is an error.
inline bool get_raw_object(const object& o, std::string_view key, RawJson& out,
                           std::string& error) {
    element e;
    if (!member(o, key, e) || e.is_null()) {
        return true;
    }
    if (e.type() != simdjson::dom::element_type::OBJECT) {
        error = std::string(key) + " must be an object";
        return false;
    }
    out = raw_of(e);
    return true;
}

inline bool get_object(const object& o, std::string_view key, object& out) {
    element e;
    return member(o, key, e) && e.get(out) == simdjson::SUCCESS;
}

/// An integer that fits an int; a bool is taken as 0/1 when `bool_ok` (Talk sends inCall as
/// either, depending on its version).
inline bool get_int(const object& o, std::string_view key, std::optional<int>& out,
                    std::string& error, bool bool_ok = false) {
    element e;
    if (!member(o, key, e) || e.is_null()) {
        return true;
    }
    bool b = false;
    if (bool_ok && e.get(b) == simdjson::SUCCESS) {
        out = b ? 1 : 0;
        return true;
    }
    int64_t v = 0;
    if (e.get(v) != simdjson::SUCCESS || v < INT32_MIN || v > INT32_MAX) {
        error = std::string(key) + " must be an integer";
        return false;
    }
    out = static_cast<int>(v);
    return true;
}

inline bool get_bool(const object& o, std::string_view key, bool& out, std::string& error) {
    element e;
    if (!member(o, key, e) || e.is_null()) {
        return true;
    }
    if (e.get(out) != simdjson::SUCCESS) {
        error = std::string(key) + " must be a boolean";
        return false;
    }
    return true;
}

}  // namespace tern::sig::api::json
