// A streaming JSON writer: replies and events are written straight into the frame's buffer,
// with no document tree. Commas and nesting are tracked here (up to kMaxDepth levels); strings
// are escaped per RFC 8259 §7; raw() splices JSON that is already valid (a client's `data`, a
// backend's `properties`), as the reference server forwards them unchanged.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::sig::api {

class JsonWriter {
public:
    static constexpr int kMaxDepth = 32;

    explicit JsonWriter(std::string& out) noexcept : out_(out) {}

    JsonWriter& begin_object() { return open('{'); }
    JsonWriter& end_object() { return close('}'); }
    JsonWriter& begin_array() { return open('['); }
    JsonWriter& end_array() { return close(']'); }

    /// An object member's name; the next call writes its value.
    JsonWriter& key(std::string_view k);

    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view{s}); }
    JsonWriter& value(const std::string& s) { return value(std::string_view{s}); }
    JsonWriter& value(bool b);
    JsonWriter& value(int64_t n);
    JsonWriter& value(uint64_t n);
    JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
    JsonWriter& value(unsigned n) { return value(static_cast<uint64_t>(n)); }
    JsonWriter& null();
    /// Already-serialised JSON, written as it is (the caller vouches for it).
    JsonWriter& raw(std::string_view json);

    template <class T>
    JsonWriter& field(std::string_view k, const T& v) {
        key(k);
        return value(v);
    }
    JsonWriter& raw_field(std::string_view k, std::string_view json) {
        key(k);
        return raw(json);
    }

    /// True when every object and array opened was closed (and nothing went deeper than kMaxDepth).
    [[nodiscard]] bool complete() const noexcept { return depth_ == 0 && !overflow_; }

    /// Appends s as a JSON string, quotes included.
    static void append_string(std::string& out, std::string_view s);

private:
    JsonWriter& open(char c);
    JsonWriter& close(char c);
    void before_value();

    std::string& out_;
    std::array<bool, kMaxDepth> has_member_{};  // per level: a comma is due before the next item
    int depth_ = 0;
    bool after_key_ = false;
    bool overflow_ = false;
};

}  // namespace tern::sig::api
