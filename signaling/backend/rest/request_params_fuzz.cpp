// libFuzzer target: the REST parameter parsers (query string, form body, JSON body) and their
// typed readers take the same bytes. None may crash; every name and value they keep must be
// UTF-8 (the form parser refuses the rest; simdjson validates strings and writes nested values
// as UTF-8 JSON).
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
            if (!tern::sig::backend::utf8_length(name) || !tern::sig::backend::utf8_length(value)) {
                std::abort();
            }
            (void)body.all(name);
        }
    }
    return 0;
}
