// A read server.conf as goconf answers for it: the last value of each key, with "%(name)s"
// and "$(VAR)" expanded, typed, and every failure a ConfigError naming file, line and key.
// Used only while a configuration loads: failures are thrown (as ConfigError) and caught by
// parse_server_conf, the one boundary.
#pragma once

#include "signaling/config/ini_reader.hpp"
#include "signaling/config/load_config.hpp"
#include "signaling/config/server_conf.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::sig {

class IniValues {
public:
    /// Warns (into `warnings`) about keys set twice. All borrowed, outliving this.
    IniValues(const IniDocument& doc, const std::string& file, const EnvLookup& env,
              std::vector<std::string>& warnings);

    /// The entry whose value counts (the last one), or null.
    [[nodiscard]] const IniEntry* find(std::string_view section, std::string_view key) const;
    /// The line of the section's first header; 0 when the file has no such section.
    [[nodiscard]] int section_line(std::string_view section) const;

    /// The expanded value, or `def` when the key is absent.
    [[nodiscard]] std::string text(std::string_view section, std::string_view key,
                                   const std::string& def = "") const;
    [[nodiscard]] bool flag(std::string_view section, std::string_view key, bool def) const;
    /// A whole number in [0, max]; `def` when absent, empty or 0 (the reference's "unset").
    [[nodiscard]] uint64_t number(std::string_view section, std::string_view key, uint64_t def,
                                  uint64_t max) const;

    [[noreturn]] void fail(const IniEntry& at, const std::string& message) const;
    /// For a missing key: the section's line (or 0) and "section.key".
    [[noreturn]] void fail_missing(std::string_view section, std::string_view key,
                                   const std::string& message) const;
    void warn(const IniEntry& at, const std::string& message) const;
    void warn_section(const IniSection& at, const std::string& message) const;
    void warn_plain(const std::string& message) const;

    [[nodiscard]] const IniDocument& document() const { return doc_; }

private:
    [[nodiscard]] std::string expand(const IniEntry& e) const;

    const IniDocument& doc_;              // borrowed
    const std::string& file_;             // borrowed
    const EnvLookup& env_;                // borrowed
    std::vector<std::string>& warnings_;  // borrowed
    std::map<std::pair<std::string, std::string>, const IniEntry*> last_;
    std::map<std::string, int, std::less<>> section_lines_;
};

/// "section.key", as errors and warnings name keys.
std::string key_name(const IniEntry& e);

}  // namespace tern::sig
