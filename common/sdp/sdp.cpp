#include "common/sdp/sdp.hpp"

#include <charconv>

namespace tern::sdp {

namespace {

std::optional<std::string_view> first_of(const std::vector<Attribute>& list,
                                         std::string_view name) {
    for (const auto& a : list) {
        if (a.name == name) {
            return std::string_view{a.value};
        }
    }
    return std::nullopt;
}

bool printable(std::string_view s) {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\t') {
            return false;
        }
    }
    return true;
}

}  // namespace

std::optional<std::string_view> Media::attr(std::string_view name) const {
    return first_of(attributes, name);
}

std::vector<std::string_view> Media::attrs(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& a : attributes) {
        if (a.name == name) {
            out.emplace_back(a.value);
        }
    }
    return out;
}

std::optional<std::string_view> Session::attr(std::string_view name) const {
    return first_of(attributes, name);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t j = s.find(sep, i);
        const std::size_t end = j == std::string_view::npos ? s.size() : j;
        if (end > i) {
            out.push_back(s.substr(i, end - i));
        }
        i = end + 1;
    }
    return out;
}

Result<Session, std::string> parse(std::string_view text) {
    using R = Result<Session, std::string>;
    if (text.size() > kMaxBytes) {
        return R{unexpected(std::string("SDP larger than 256 KiB"))};
    }
    Session s;
    Media* m = nullptr;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    bool saw_version = false;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            continue;  // tolerated (a trailing blank line is common)
        }
        auto bad = [&](const char* why) {
            return R{unexpected("SDP line " + std::to_string(line_no) + ": " + why)};
        };
        if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
            return bad("not of the form <letter>=<value>");
        }
        if (!printable(line)) {
            return bad("control characters");
        }
        const char type = line[0];
        const std::string_view value = line.substr(2);
        if (!saw_version) {
            if (type != 'v' || value != "0") {
                return bad("an SDP starts with v=0");
            }
            saw_version = true;
            s.lines.emplace_back(line);
            continue;
        }
        if (type == 'm') {
            if (s.media.size() >= kMaxMedia) {
                return bad("too many media sections");
            }
            const auto parts = split(value, ' ');
            if (parts.size() < 3) {
                return bad("m= needs <media> <port> <proto> <fmt>...");
            }
            Media next;
            next.kind = std::string(parts[0]);
            std::string_view port = parts[1];
            if (auto slash = port.find('/'); slash != std::string_view::npos) {
                port = port.substr(0, slash);  // <port>/<number of ports>
            }
            unsigned p = 0;
            auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
            if (ec != std::errc{} || ptr != port.data() + port.size() || p > 65535) {
                return bad("m= port is not a number 0..65535");
            }
            next.port = static_cast<uint16_t>(p);
            next.proto = std::string(parts[2]);
            for (std::size_t i = 3; i < parts.size(); ++i) {
                next.formats.emplace_back(parts[i]);
            }
            s.media.push_back(std::move(next));
            m = &s.media.back();
            continue;
        }
        if (type == 'a') {
            Attribute a;
            const std::size_t colon = value.find(':');
            a.name = std::string(value.substr(0, colon));
            if (colon != std::string_view::npos) {
                a.value = std::string(value.substr(colon + 1));
            }
            if (a.name.empty()) {
                return bad("an attribute without a name");
            }
            (m != nullptr ? m->attributes : s.attributes).push_back(std::move(a));
            continue;
        }
        (m != nullptr ? m->lines : s.lines).emplace_back(line);
    }
    if (!saw_version) {
        return R{unexpected(std::string("empty SDP"))};
    }
    return R{std::move(s)};
}

}  // namespace tern::sdp
