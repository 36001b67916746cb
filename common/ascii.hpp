// ASCII case folding for protocol tokens and configuration words (section and key names, URL
// schemes and hosts, digest names): the letters A-Z only, whatever the process's locale.
#pragma once

#include <string>
#include <string_view>

namespace tern {

inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

}  // namespace tern
