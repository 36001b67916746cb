#include "signaling/api/json_writer.hpp"

#include <charconv>

namespace tern::sig::api {

void JsonWriter::append_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0;  // start of the bytes that need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        default:
            out.append("\\u00");
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xf]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

void JsonWriter::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (depth_ > 0 && depth_ <= kMaxDepth) {
        if (has_member_[static_cast<std::size_t>(depth_ - 1)]) {
            out_.push_back(',');
        }
        has_member_[static_cast<std::size_t>(depth_ - 1)] = true;
    }
}

JsonWriter& JsonWriter::open(char c) {
    before_value();
    out_.push_back(c);
    if (depth_ >= kMaxDepth) {
        overflow_ = true;
    } else {
        has_member_[static_cast<std::size_t>(depth_)] = false;
    }
    ++depth_;
    return *this;
}

JsonWriter& JsonWriter::close(char c) {
    out_.push_back(c);
    if (depth_ > 0) {
        --depth_;
    } else {
        overflow_ = true;  // more closed than opened
    }
    after_key_ = false;
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
    before_value();
    append_string(out_, k);
    out_.push_back(':');
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
    before_value();
    append_string(out_, s);
    return *this;
}

JsonWriter& JsonWriter::value(bool b) {
    before_value();
    out_.append(b ? "true" : "false");
    return *this;
}

JsonWriter& JsonWriter::value(int64_t n) {
    before_value();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    out_.append(buf, r.ptr);
    return *this;
}

JsonWriter& JsonWriter::value(uint64_t n) {
    before_value();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    out_.append(buf, r.ptr);
    return *this;
}

JsonWriter& JsonWriter::null() {
    before_value();
    out_.append("null");
    return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
    before_value();
    out_.append(json);
    return *this;
}

}  // namespace tern::sig::api
