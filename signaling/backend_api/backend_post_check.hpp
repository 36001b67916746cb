// The checks a backend's POST to /api/v1/room/{id} passes before its body is read, in the order
// the reference server applies them, as one decision: the HTTP status to answer with, or 0 and
// the backend it came from. The HTTP edge carries the verdict out; the brute-force limiter counts
// the failures the verdict marks.
#pragma once

#include "signaling/backend_api/backend_url.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace tern::sig {

inline constexpr std::size_t kMaxBackendBody = 256 * 1024;

struct BackendPost {
    std::optional<std::size_t> content_length;  // nullopt: no Content-Length header
    std::string_view content_type;              // Content-Type, "" when absent
    std::string_view body;
    std::string_view random;                  // Spreed-Signaling-Random, "" when absent
    std::string_view checksum;                // Spreed-Signaling-Checksum, "" when absent
    std::optional<std::string_view> backend;  // Spreed-Signaling-Backend
};

struct BackendPostVerdict {
    int status = 0;                      // 0: accepted; else 411, 413, 400, 403 or 429
    std::string_view reason;             // for the log and the error body
    const BackendEntry* from = nullptr;  // the accepted request's backend
    bool count_failure = false;          // a failed authentication: the limiter counts it
};

/// `throttled`: the client's address is blocked by the brute-force limiter.
BackendPostVerdict check_backend_post(const BackendPost& post,
                                      std::span<const BackendEntry> backends, bool throttled);

}  // namespace tern::sig
