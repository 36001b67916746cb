// libFuzzer target: any frame through the /spreed request parser. Must never crash; whatever it
// accepts as forwarded JSON (data, params, values) must be valid JSON again.
#include "signaling/api/client_request_parser.hpp"
#include "signaling/api/must_be_json_fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

using tern::sig::fuzz::must_be_json;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    using namespace tern::sig::api;
    auto r = parse_client_request({reinterpret_cast<const char*>(data), size});
    if (!r) {
        return 0;
    }
    if (const auto* m = std::get_if<MessageRequest>(&r->body)) {
        must_be_json(m->data);
    } else if (const auto* h = std::get_if<Hello>(&r->body)) {
        must_be_json(h->auth.params);
    } else if (const auto* t = std::get_if<TransientRequest>(&r->body)) {
        must_be_json(t->value);
    } else if (const auto* room = std::get_if<RoomRequest>(&r->body)) {
        must_be_json(room->federation);
    }
    return 0;
}
