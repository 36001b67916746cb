#include "signaling/config/ini_reader.hpp"

#include "common/ascii.hpp"

#include <algorithm>
#include <cctype>

namespace tern::sig {

namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

bool is_comment(std::string_view l) {
    return l.front() == '#' || l.front() == ';' ||
           (l.size() >= 3 && ascii_lower(l.substr(0, 3)) == "rem");
}

// goconf cuts at each marker in turn, so the earliest of them wins.
std::string_view strip_inline_comment(std::string_view v) {
    for (std::string_view marker : {" ;", "\t;", " #", "\t#"}) {
        if (const std::size_t at = v.find(marker); at != std::string_view::npos) {
            v = v.substr(0, at);
        }
    }
    return v;
}

}  // namespace

std::string_view trim_space(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
        s.remove_suffix(1);
    }
    return s;
}

Result<IniDocument, IniError> read_ini(std::string_view text) {
    IniDocument doc;
    std::string section = "default";
    std::size_t current = kNone;  // the entry a separator-less line continues
    int line_no = 0;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        const std::string_view raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        const std::string_view l = trim_space(raw);
        if (l.empty() || is_comment(l)) {
            continue;
        }
        if (l.front() == '[' && l.back() == ']') {
            const std::string_view name = trim_space(l.substr(1, l.size() - 2));
            if (name.empty()) {
                return unexpected(IniError{line_no, "empty section name"});
            }
            section = ascii_lower(name);
            doc.sections.push_back({section, line_no});
            current = kNone;
            continue;
        }
        const std::size_t sep = l.find_first_of("=:");
        if (sep != std::string_view::npos && sep > 0) {
            doc.entries.push_back({section, ascii_lower(trim_space(l.substr(0, sep))),
                                   std::string(trim_space(strip_inline_comment(l.substr(sep + 1)))),
                                   line_no});
            current = doc.entries.size() - 1;
            continue;
        }
        if (current == kNone) {
            return unexpected(IniError{
                line_no, "cannot read this line: expected [section], key = value or a comment"});
        }
        doc.entries[current].value += '\n';
        doc.entries[current].value += trim_space(strip_inline_comment(l));
    }
    return doc;
}

}  // namespace tern::sig
