#include "signaling/config/load_config.hpp"

#include "signaling/config/server_conf.hpp"
#include "signaling/config/tern_conf_group.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

namespace tern::sig {

namespace {

/// The format is told by content, since both files are "*.conf": a server.conf (INI) begins,
/// after blank and comment lines, with a "[section]" line; a libconfig file never does (its
/// top level is "name = value;", and '[' only opens arrays after a name).
bool looks_like_ini(std::string_view text) {
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        const std::size_t first = line.find_first_not_of(" \t\r");
        if (first == std::string_view::npos) {
            continue;
        }
        line.remove_prefix(first);
        if (line.front() == '#' || line.front() == ';' || line.starts_with("//")) {
            continue;
        }
        return line.front() == '[';
    }
    return false;
}

}  // namespace

std::string ConfigError::describe() const {
    std::string out = file;
    if (line > 0) {
        out += ":" + std::to_string(line);
    }
    out += ": ";
    if (!key.empty()) {
        out += key + ": ";
    }
    return out + message;
}

Result<LoadedConfig, ConfigError> load_signaling_config(const std::string& path) {
    const std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) {
        return unexpected(
            ConfigError{path, 0, "", std::string("cannot open: ") + std::strerror(errno)});
    }
    std::string text;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
        text.append(buf, n);
    }
    if (std::ferror(f.get()) != 0) {
        return unexpected(ConfigError{path, 0, "", "cannot read the file"});
    }
    if (looks_like_ini(text)) {
        return parse_server_conf(text, path);
    }
    return parse_tern_conf_group(text, path);
}

}  // namespace tern::sig
