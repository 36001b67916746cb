#include "signaling/config/ini_values.hpp"

#include "signaling/config/config_values.hpp"
#include "signaling/config/server_conf_keys.hpp"

#include <cctype>

namespace tern::sig {

namespace {

// goconf's bound on nested "%(name)s": deeper means a cycle.
constexpr int kMaxExpansions = 200;

bool is_var_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

bool takes_env(const IniEntry& e) {
    const auto use = is_server_conf_section(e.section) ? server_conf_key(e.section, e.key)
                                                       : backend_section_key(e.key);
    return use == KeyUse::UsedWithEnv;
}

}  // namespace

std::string key_name(const IniEntry& e) {
    return e.section + "." + e.key;
}

IniValues::IniValues(const IniDocument& doc, const std::string& file, const EnvLookup& env,
                     std::vector<std::string>& warnings)
    : doc_(doc), file_(file), env_(env), warnings_(warnings) {
    for (const IniSection& s : doc.sections) {
        section_lines_.emplace(s.name, s.line);  // keeps the first
    }
    for (const IniEntry& e : doc.entries) {
        const IniEntry*& slot = last_[{e.section, e.key}];
        if (slot != nullptr) {
            warn(e, "set again (first on line " + std::to_string(slot->line) +
                        "); this value replaces it");
        }
        slot = &e;
    }
}

const IniEntry* IniValues::find(std::string_view section, std::string_view key) const {
    const auto it = last_.find({std::string(section), std::string(key)});
    return it == last_.end() ? nullptr : it->second;
}

int IniValues::section_line(std::string_view section) const {
    const auto it = section_lines_.find(section);
    return it == section_lines_.end() ? 0 : it->second;
}

std::string IniValues::expand(const IniEntry& e) const {
    std::string v = e.value;
    // "%(name)s": goconf replaces the first occurrence until none is left.
    for (int round = 0;; ++round) {
        const std::size_t open = v.find("%(");
        std::size_t end = open == std::string::npos ? open : open + 2;
        while (end != std::string::npos && end < v.size() && is_var_char(v[end])) {
            ++end;
        }
        if (end == std::string::npos || end == open + 2 || v.compare(end, 2, ")s") != 0) {
            break;
        }
        if (round == kMaxExpansions) {
            fail(e, "\"%(...)s\" variables refer to each other in a cycle");
        }
        std::string name = v.substr(open + 2, end - open - 2);
        for (char& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        const IniEntry* var = find(e.section, name);
        if (var == nullptr) {
            var = find("default", name);
        }
        if (var == nullptr || var->value.empty()) {
            fail(e, "\"%(" + name + ")s\" names no key of [" + e.section +
                        "] nor one before the first section");
        }
        v.replace(open, end + 2 - open, var->value);
    }
    if (!takes_env(e)) {
        return v;
    }
    // "$(VAR)": one pass, so a variable's value is not expanded again.
    std::string out;
    std::size_t pos = 0;
    while (pos < v.size()) {
        const std::size_t open = v.find("$(", pos);
        std::size_t end = open == std::string::npos ? open : open + 2;
        const bool starts_alpha = end != std::string::npos && end < v.size() &&
                                  std::isalpha(static_cast<unsigned char>(v[end])) != 0;
        while (starts_alpha && end < v.size() &&
               (std::isalnum(static_cast<unsigned char>(v[end])) != 0 || v[end] == '_')) {
            ++end;
        }
        if (!starts_alpha || end >= v.size() || v[end] != ')') {
            out.append(v, pos, open == std::string::npos ? std::string::npos : open + 2 - pos);
            pos = open == std::string::npos ? v.size() : open + 2;
            continue;
        }
        const std::string name = v.substr(open + 2, end - open - 2);
        const auto value = env_(name);
        if (!value) {
            std::string why = "the environment variable ";
            why.append(name).append(" (\"$(").append(name).append(")\") is not set");
            fail(e, why);
        }
        out.append(v, pos, open - pos);
        out += *value;
        pos = end + 1;
    }
    return out;
}

std::string IniValues::text(std::string_view section, std::string_view key,
                            const std::string& def) const {
    const IniEntry* e = find(section, key);
    return e == nullptr ? def : expand(*e);
}

bool IniValues::flag(std::string_view section, std::string_view key, bool def) const {
    const IniEntry* e = find(section, key);
    if (e == nullptr || e->value.empty()) {
        return def;
    }
    auto v = parse_bool(expand(*e));
    if (!v) {
        fail(*e, v.error());
    }
    return *v;
}

uint64_t IniValues::number(std::string_view section, std::string_view key, uint64_t def,
                           uint64_t max) const {
    const IniEntry* e = find(section, key);
    if (e == nullptr || e->value.empty()) {
        return def;
    }
    auto v = parse_uint(expand(*e), max);
    if (!v) {
        fail(*e, v.error());
    }
    return *v == 0 ? def : *v;
}

void IniValues::fail(const IniEntry& at, const std::string& message) const {
    throw ConfigError{file_, at.line, key_name(at), message};
}

void IniValues::fail_missing(std::string_view section, std::string_view key,
                             const std::string& message) const {
    throw ConfigError{file_, section_line(section), std::string(section) + "." + std::string(key),
                      message};
}

void IniValues::warn(const IniEntry& at, const std::string& message) const {
    warnings_.push_back(ConfigError{file_, at.line, key_name(at), message}.describe());
}

void IniValues::warn_section(const IniSection& at, const std::string& message) const {
    warnings_.push_back(ConfigError{file_, at.line, "[" + at.name + "]", message}.describe());
}

void IniValues::warn_plain(const std::string& message) const {
    warnings_.push_back(ConfigError{file_, 0, "", message}.describe());
}

}  // namespace tern::sig
