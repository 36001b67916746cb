// The opening both cluster wire forms share (events on the bus, session records and node marks
// in KV): one JSON object, bounded in size, whose "v" is the form's version.
#pragma once

#include "common/result.hpp"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::sig::cluster {

/// `payload` as an object whose "v" is `version`, parsed by this thread's parser (the object is
/// valid until that parser's next use); else "<what> too large", "not a JSON object" or
/// "unsupported version".
[[nodiscard]] Result<simdjson::dom::object, std::string> open_versioned(std::string_view payload,
                                                                        std::size_t max_bytes,
                                                                        int64_t version,
                                                                        std::string_view what);

}  // namespace tern::sig::cluster
