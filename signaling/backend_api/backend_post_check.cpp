#include "signaling/backend_api/backend_post_check.hpp"

#include "signaling/backend_api/checksum.hpp"

#include <simdjson.h>

namespace tern::sig {

namespace {

bool is_json(std::string_view body) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element e;
    return parser.parse(body.data(), body.size()).get(e) == simdjson::SUCCESS;
}

/// "application/json", with or without parameters ("; charset=utf-8"), in any case: Nextcloud
/// always sends it, and the reference server refuses anything else.
bool is_json_media_type(std::string_view ct) {
    const std::string_view want = "application/json";
    if (ct.size() < want.size()) {
        return false;
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
        const char c = ct[i];
        if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != want[i]) {
            return false;
        }
    }
    const std::string_view rest = ct.substr(want.size());
    return rest.empty() || rest.front() == ';' || rest.front() == ' ';
}

BackendPostVerdict refuse(int status, std::string_view reason, bool count = false) {
    return {status, reason, nullptr, count};
}

}  // namespace

BackendPostVerdict check_backend_post(const BackendPost& post,
                                      std::span<const BackendEntry> backends, bool throttled) {
    if (!post.content_length) {
        return refuse(411, "Content-Length required");
    }
    if (*post.content_length > kMaxBackendBody || post.body.size() > kMaxBackendBody) {
        return refuse(413, "request body larger than 256 KiB");
    }
    if (!is_json_media_type(post.content_type) || !is_json(post.body)) {
        return refuse(400, "request body is not JSON (Content-Type application/json)");
    }
    if (post.random.empty() || post.checksum.empty()) {
        return refuse(403, "Spreed-Signaling-Random or Spreed-Signaling-Checksum missing");
    }
    if (throttled) {
        return refuse(429, "too many failed requests from this address");
    }
    if (post.backend) {
        const BackendEntry* b = find_backend(backends, *post.backend);
        if (b == nullptr) {
            return refuse(403, "unknown backend", true);
        }
        if (!verify_backend_checksum(b->secret, post.random, post.body, post.checksum)) {
            return refuse(403, "invalid checksum", true);
        }
        return {0, "", b, false};
    }
    // No backend named (older Nextcloud): the first backend whose secret signs it.
    for (const BackendEntry& b : backends) {
        if (verify_backend_checksum(b.secret, post.random, post.body, post.checksum)) {
            return {0, "", &b, false};
        }
    }
    return refuse(403, "invalid checksum", true);
}

}  // namespace tern::sig
