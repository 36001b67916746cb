#include "signaling/cluster/versioned_json.hpp"

namespace tern::sig::cluster {

Result<simdjson::dom::object, std::string> open_versioned(std::string_view payload,
                                                          std::size_t max_bytes, int64_t version,
                                                          std::string_view what) {
    // Grows to the largest payload a node accepts (the codecs' own caps).
    thread_local simdjson::dom::parser parser;
    if (payload.size() > max_bytes) {
        return unexpected(std::string(what) + " too large");
    }
    simdjson::dom::element doc;
    simdjson::dom::object o;
    if (parser.parse(payload.data(), payload.size()).get(doc) != simdjson::SUCCESS ||
        doc.get(o) != simdjson::SUCCESS) {
        return unexpected(std::string("not a JSON object"));
    }
    int64_t v = 0;
    if (o["v"].get(v) != simdjson::SUCCESS || v != version) {
        return unexpected(std::string("unsupported version"));
    }
    return o;
}

}  // namespace tern::sig::cluster
