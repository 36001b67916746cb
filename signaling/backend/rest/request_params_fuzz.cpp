// libFuzzer target: the REST parameter parsers (query string, form body, JSON body) and their
// typed readers take the same bytes. None may crash; every value they keep must be UTF-8 from
// the form parser (it refuses the rest), and a JSON body's kept objects must be JSON again.
#include "signaling/api/must_be_json_fuzz_support.hpp"
#include "signaling/backend/chat/message_text.hpp"
#include "signaling/backend/rest/request_params.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using tern::sig::backend::rest::RequestParams;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view input{reinterpret_cast<const char*>(data), size};
    RequestParams form;
    if (form.add_form(input)) {
        for (const auto& [name, value] : form.pairs()) {
            if (!tern::sig::backend::utf8_length(name) || !tern::sig::backend::utf8_length(value) ||
                name.empty()) {
                std::abort();
            }
            (void)form.integer(name);
            (void)form.boolean(name);
        }
        if (form.size() > tern::sig::backend::rest::kMaxParams) {
            std::abort();
        }
    }
    RequestParams body;
    if (body.add_json(input)) {
        for (const auto& [name, value] : body.pairs()) {
            if (!value.empty() && (value.front() == '{' || value.front() == '[')) {
                tern::sig::fuzz::must_be_json(value);
            }
            (void)body.all(name);
        }
    }
    return 0;
}
