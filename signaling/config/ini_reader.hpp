// The INI dialect of the reference server's server.conf (it reads it with Go's goconf), as a
// list of sections and entries with their line numbers; what the keys mean is server_conf's job.
//
// The dialect, as goconf reads it:
// - every line is trimmed; blank lines and lines starting with '#', ';' or "rem" (any case, a
//   Windows habit goconf keeps) are comments;
// - "[name]" starts a section; names of sections and keys are case-insensitive (lower-cased here);
//   a section may appear twice, its entries then add up;
// - "key = value" or "key: value": the first '=' or ':' separates them, so "listen = 1.2.3.4:80"
//   splits at '=' but "a:b = c" at ':';
// - a value ends before " #", " ;", "\t#" or "\t;" (an inline comment); "a#b" keeps its '#';
// - a line with no separator after an entry continues that entry's value (joined with "\n");
// - entries before the first section belong to the section "default" (goconf's variables for
//   "%(name)s" in values, see server_conf.hpp);
// - a key may be set twice; the reader keeps both, the later one wins.
#pragma once

#include "common/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tern::sig {

struct IniSection {
    std::string name;  // lower case
    int line = 0;
};

struct IniEntry {
    std::string section;  // lower case
    std::string key;      // lower case
    std::string value;    // trimmed, inline comment removed
    int line = 0;         // of the key (a continued value keeps its first line)
};

struct IniDocument {
    std::vector<IniSection> sections;  // in file order, repeats included
    std::vector<IniEntry> entries;     // in file order, repeats included
};

struct IniError {
    int line = 0;
    std::string message;
};

/// Reads a whole file's text. Fails only on a line goconf cannot read either: an empty section
/// name, or text with no separator that continues no entry.
Result<IniDocument, IniError> read_ini(std::string_view text);

/// `s` without leading and trailing white space: Go's strings.TrimSpace on ASCII input (the
/// same set as isspace), which the reference server applies to names and values.
std::string_view trim_space(std::string_view s);

}  // namespace tern::sig
