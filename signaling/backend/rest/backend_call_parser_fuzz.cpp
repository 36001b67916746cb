// libFuzzer target: what a signaling server (or anything posing as one) posts to the backend's
// signaling endpoint, read by the backend call parser. It may not crash; a session request's
// user data kept for later must be JSON again.
#include "signaling/api/must_be_json_fuzz_support.hpp"
#include "signaling/backend/rest/backend_call_parser.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view input{reinterpret_cast<const char*>(data), size};
    if (auto call = tern::sig::backend::rest::parse_backend_call(input)) {
        if (const auto* s = std::get_if<tern::sig::api::BackendSessionRequest>(&*call)) {
            tern::sig::fuzz::must_be_json(s->user);
        }
    }
    return 0;
}
