// libFuzzer target signaling_cluster_event: any payload parses or is an error, and what parses
// writes back to a payload that parses to the same event.
#include "signaling/cluster/cluster_event_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    using namespace tern::sig::cluster;
    const std::string_view payload(reinterpret_cast<const char*>(data), size);
    auto e = parse_event(payload);
    if (!e) {
        return 0;
    }
    const std::string again = write_event(*e);
    auto back = parse_event(again);
    if (!back || back->origin != e->origin || back->body.index() != e->body.index() ||
        write_event(*back) != again) {
        std::abort();
    }
    return 0;
}
