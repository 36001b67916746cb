// Unordered containers keyed by std::string that are searched with a std::string_view: the hash
// and equality are transparent (C++20 heterogeneous look-up), so a look-up builds no temporary
// string. The hot maps of tern-signaling (sessions by public id, rooms, users) use them.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tern {

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

template <class Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

}  // namespace tern
