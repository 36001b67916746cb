// libFuzzer target signaling_session_record: any KV value parses as a session record and as a
// node mark or is an error, and what parses writes back to a value that parses the same.
#include "signaling/cluster/session_record_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    using namespace tern::sig::cluster;
    const std::string_view payload(reinterpret_cast<const char*>(data), size);
    if (auto r = parse_record(payload)) {
        const std::string again = write_record(*r);
        auto back = parse_record(again);
        if (!back || write_record(*back) != again) {
            std::abort();
        }
    }
    if (auto m = parse_node_mark(payload)) {
        auto back = parse_node_mark(write_node_mark(*m));
        if (!back || back->node != m->node || back->seq != m->seq || back->at_us != m->at_us) {
            std::abort();
        }
    }
    return 0;
}
