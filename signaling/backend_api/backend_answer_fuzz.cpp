// libFuzzer target: what a backend (or anything posing as one) sends back: the answer parser,
// the capabilities parser and the hello token verifier all take the same bytes. None may crash;
// JSON kept for forwarding must be valid JSON again.
#include "common/crypto/jwt.hpp"
#include "signaling/api/must_be_json_fuzz_support.hpp"
#include "signaling/backend_api/backend_answers.hpp"
#include "signaling/backend_api/capabilities.hpp"
#include "signaling/backend_api/hello_token.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

using namespace tern::sig;

using tern::sig::fuzz::must_be_json;

// An Ed25519 key, so tokens in the input reach the signature check.
constexpr std::string_view kKey = "-----BEGIN PUBLIC KEY-----\n"
                                  "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                                  "-----END PUBLIC KEY-----\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view input{reinterpret_cast<const char*>(data), size};
    if (auto a = parse_backend_answer(input)) {
        if (const auto* auth = std::get_if<tern::sig::api::BackendAuthAnswer>(&*a)) {
            must_be_json(auth->user);
        } else if (const auto* room = std::get_if<tern::sig::api::BackendRoomAnswer>(&*a)) {
            must_be_json(room->properties);
            must_be_json(room->session);
        } else if (const auto* err = std::get_if<tern::sig::api::BackendError>(&*a)) {
            must_be_json(err->details);
        }
    }
    if (auto caps = parse_capabilities(input)) {
        if (caps->hello_v2_token_key.empty() != (caps->hello_v2_public_key == nullptr)) {
            std::abort();
        }
    }
    static const tern::crypto::PkeyPtr key = tern::crypto::public_key_from_pem(kKey).value();
    if (auto user = verify_hello_token(input, key.get(), 1'800'000'000)) {
        must_be_json(user->user_data);
    }
    return 0;
}
