// For the signaling parsers' libFuzzer targets: JSON that a parser keeps to forward unchanged
// (message data, properties, candidates, ...) must be valid JSON again, or the target aborts so
// that libFuzzer reports the input.
#pragma once

#include <simdjson.h>

#include <cstdlib>
#include <string>

namespace tern::sig::fuzz {

/// Aborts unless `raw` is empty (nothing kept) or one valid JSON document.
inline void must_be_json(const std::string& raw) {
    if (raw.empty()) {
        return;
    }
    static simdjson::dom::parser check;
    simdjson::dom::element e;
    if (check.parse(raw).get(e) != simdjson::SUCCESS) {
        std::abort();
    }
}

}  // namespace tern::sig::fuzz
