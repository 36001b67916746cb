// The web client's files (signaling/web/dist) as tern-signaling serves them: the directory is
// read once at start-up into memory (path → bytes, with the .gz and .br siblings the build wrote),
// and each request is a pure decision over that: which bytes, which Content-Type, which
// precompressed encoding the client accepts, the cache rules and the security headers.
//
// - "/" and the client's routes (Talk's conversation links /call/TOKEN and /index.php/call/TOKEN)
//   answer with index.html; everything else must be a file that was loaded, else 404.
// - Vite's hashed files under /assets/ are cached for a year (immutable); index.html, the
//   manifest, the service worker and every other file are revalidated (no-cache) against a weak
//   ETag, answered 304 when it matches.
// - Every answer carries a strict Content-Security-Policy (no inline script or style), nosniff
//   and Referrer-Policy: no-referrer; every file answer Vary: Accept-Encoding.
// - Only GET and HEAD (405 otherwise). Paths with "..", ".", empty segments, backslashes or NUL
//   (also percent-encoded) are 404; symbolic links that lead outside the root and hidden files
//   (".name") are not loaded at all.
#pragma once

#include "common/result.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::sig::net {

inline constexpr std::string_view kWebContentSecurityPolicy =
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; "
    "media-src 'self' blob:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'";
inline constexpr std::string_view kCacheImmutable = "public, max-age=31536000, immutable";
inline constexpr std::string_view kCacheRevalidate = "no-cache";

struct StaticRequest {
    std::string_view method;           // "GET", "HEAD", ...
    std::string_view target;           // the request target: path, maybe ?query
    std::string_view accept_encoding;  // the Accept-Encoding header ("" when absent)
    std::string_view if_none_match;    // the If-None-Match header ("" when absent)
};

/// What to answer. Views point into the StaticFiles, which must outlive this.
struct StaticResponse {
    int status = 404;                   // 200, 304, 404 or 405
    std::string_view body;              // the bytes to send (empty for HEAD, 304, 405)
    std::size_t content_length = 0;     // of the chosen representation, also for HEAD
    std::string_view content_type;      // "" on 304
    std::string_view content_encoding;  // "", "gzip" or "br"
    std::string_view cache_control;     // "" on 404 and 405
    std::string_view etag;              // "" on 404 and 405
    bool vary_accept_encoding = false;  // on every file answer (200 and 304)
    std::string_view allow;             // "GET, HEAD" on 405

    /// Every header to send besides Content-Length: the ones above that are set, then
    /// Content-Security-Policy, X-Content-Type-Options and Referrer-Policy.
    [[nodiscard]] std::vector<std::pair<std::string_view, std::string_view>> headers() const;
};

/// Limits of what load() takes in, so a wrong directory does not fill the memory.
struct StaticLimits {
    std::size_t max_files = 4096;
    std::size_t max_total_bytes = 64U * 1024 * 1024;
};

class StaticFiles {
public:
    /// Every regular file under `root`, read now. Errors (root missing, unreadable file, over the
    /// limits) are a sentence naming the path.
    static Result<StaticFiles, std::string> load(const std::filesystem::path& root,
                                                 const StaticLimits& limits = {});

    /// Adds one file as load() would: `path` is absolute in the web root ("/assets/a.js"); a path
    /// ending in .gz or .br whose base was added becomes its precompressed sibling (call add()
    /// for the base first; load() does). For tests and for load().
    void add(std::string path, std::string bytes);

    [[nodiscard]] StaticResponse respond(const StaticRequest& req) const;

    [[nodiscard]] std::size_t file_count() const noexcept { return files_.size(); }
    [[nodiscard]] bool has_index() const noexcept { return files_.contains("/index.html"); }

private:
    struct File {
        std::string identity;
        std::string gzip;    // empty when there is none
        std::string brotli;  // empty when there is none
        std::string content_type;
        std::string etag;
        bool immutable = false;
    };

    std::map<std::string, File, std::less<>> files_;
};

/// The decoded path of a request target (query dropped, %XX decoded), or "" when it is not a
/// safe absolute path: no "." or ".." segment, no empty segment inside, no backslash, no NUL.
std::string safe_request_path(std::string_view target);

/// Whether `path` (decoded) is one of the client's routes answered with index.html.
bool is_client_route(std::string_view path) noexcept;

/// The Content-Type for a file name, by its extension (application/octet-stream when unknown).
std::string_view content_type_for(std::string_view path) noexcept;

/// Which precompressed encoding `accept_encoding` takes: 'b' (br), 'g' (gzip) or 0 (identity);
/// brotli first when both are accepted; q=0 refuses a coding, "*" accepts any.
char pick_encoding(std::string_view accept_encoding, bool have_br, bool have_gzip) noexcept;

}  // namespace tern::sig::net
