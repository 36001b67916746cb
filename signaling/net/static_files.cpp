#include "signaling/net/static_files.hpp"

#include "common/ascii.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <system_error>

namespace tern::sig::net {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kNotFoundBody = "not found\n";
constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
constexpr std::string_view kIndex = "/index.html";

bool ends_with(std::string_view s, std::string_view tail) noexcept {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

/// A weak ETag over the bytes (64-bit FNV-1a): a changed file gets another one.
std::string etag_of(std::string_view bytes) {
    uint64_t h = 14695981039346656037ULL;
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    std::array<char, 40> buf{};
    const int n = std::snprintf(buf.data(), buf.size(), "W/\"%016llx-%zx\"",
                                static_cast<unsigned long long>(h), bytes.size());
    return std::string(buf.data(), static_cast<std::size_t>(n));
}

/// Whether an If-None-Match header names `etag` (weak comparison, RFC 9110 §13.1.2).
bool etag_matches(std::string_view header, std::string_view etag) noexcept {
    auto opaque = [](std::string_view t) {
        t = trim_ows(t);
        if (t.starts_with("W/")) {
            t.remove_prefix(2);
        }
        return t;
    };
    const std::string_view mine = opaque(etag);
    while (!header.empty()) {
        const std::size_t comma = header.find(',');
        const std::string_view item = trim_ows(header.substr(0, comma));
        if (item == "*" || (!item.empty() && opaque(item) == mine)) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        header.remove_prefix(comma + 1);
    }
    return false;
}

/// Whether a q parameter's value is zero ("0", "0.", "0.000").
bool q_is_zero(std::string_view q) noexcept {
    q = trim_ows(q);
    if (q.empty() || q.front() != '0') {
        return false;
    }
    q.remove_prefix(1);
    if (q.empty()) {
        return true;
    }
    if (q.front() != '.') {
        return false;
    }
    q.remove_prefix(1);
    return std::all_of(q.begin(), q.end(), [](char c) { return c == '0'; });
}

Result<std::string, std::string> read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return unexpected("cannot open " + path.string());
    }
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) {
        return unexpected("cannot read " + path.string() + ": " + ec.message());
    }
    std::string bytes(size, '\0');
    if (!in.read(bytes.data(), static_cast<std::streamsize>(size)) ||
        static_cast<uintmax_t>(in.gcount()) != size) {
        return unexpected("cannot read " + path.string());
    }
    return bytes;
}

bool inside(const fs::path& root, const fs::path& p) {
    auto r = root.begin();
    auto q = p.begin();
    for (; r != root.end(); ++r, ++q) {
        if (q == p.end() || *q != *r) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string safe_request_path(std::string_view target) {
    const std::size_t cut = target.find_first_of("?#");
    const std::string_view raw = target.substr(0, cut);
    if (raw.empty() || raw.front() != '/') {
        return {};
    }
    std::string path;
    path.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%') {
            if (i + 2 >= raw.size()) {
                return {};
            }
            const int hi = hex_digit_value(raw[i + 1]);
            const int lo = hex_digit_value(raw[i + 2]);
            if (hi < 0 || lo < 0) {
                return {};
            }
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0' || c == '\\') {
            return {};
        }
        path.push_back(c);
    }
    // Segments between slashes: none may be empty (except after the last slash), "." or "..".
    std::string_view rest(path);
    rest.remove_prefix(1);
    while (true) {
        const std::size_t slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        if (segment == "." || segment == "..") {
            return {};
        }
        if (slash == std::string_view::npos) {
            break;
        }
        if (segment.empty()) {
            return {};
        }
        rest.remove_prefix(slash + 1);
    }
    return path;
}

bool is_client_route(std::string_view path) noexcept {
    if (path == "/") {
        return true;
    }
    if (path.starts_with("/index.php/")) {
        path.remove_prefix(std::string_view("/index.php").size());
    }
    if (!path.starts_with("/call/")) {
        return false;
    }
    path.remove_prefix(std::string_view("/call/").size());
    if (path.ends_with('/')) {
        path.remove_suffix(1);
    }
    if (path.empty() || path.size() > 64) {
        return false;
    }
    return std::all_of(path.begin(), path.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

std::string_view content_type_for(std::string_view path) noexcept {
    struct Kind {
        std::string_view ext;
        std::string_view type;
    };
    static constexpr std::array<Kind, 19> kKinds{{
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".txt", "text/plain; charset=utf-8"},
        {".wasm", "application/wasm"},
        {".ogg", "audio/ogg"},
    }};
    const std::size_t slash = path.rfind('/');
    const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    const std::size_t dot = name.rfind('.');
    if (dot == std::string_view::npos) {
        return "application/octet-stream";
    }
    const std::string ext = ascii_lower(name.substr(dot));
    for (const Kind& k : kKinds) {
        if (k.ext == ext) {
            return k.type;
        }
    }
    return "application/octet-stream";
}

char pick_encoding(std::string_view accept_encoding, bool have_br, bool have_gzip) noexcept {
    bool br = false;
    bool gzip = false;
    bool br_refused = false;
    bool gzip_refused = false;
    bool any = false;
    std::string_view rest = accept_encoding;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const std::size_t semi = item.find(';');
        const std::string_view coding = trim_ows(item.substr(0, semi));
        bool refused = false;
        if (semi != std::string_view::npos) {
            std::string_view params = item.substr(semi + 1);
            const std::size_t eq = params.find('=');
            if (eq != std::string_view::npos &&
                ascii_lower(trim_ows(params.substr(0, eq))) == "q") {
                refused = q_is_zero(params.substr(eq + 1));
            }
        }
        const std::string name = ascii_lower(coding);
        if (name == "br") {
            (refused ? br_refused : br) = true;
        } else if (name == "gzip" || name == "x-gzip") {
            (refused ? gzip_refused : gzip) = true;
        } else if (name == "*" && !refused) {
            any = true;
        }
    }
    if (have_br && !br_refused && (br || any)) {
        return 'b';
    }
    if (have_gzip && !gzip_refused && (gzip || any)) {
        return 'g';
    }
    return 0;
}

std::vector<std::pair<std::string_view, std::string_view>> StaticResponse::headers() const {
    std::vector<std::pair<std::string_view, std::string_view>> out;
    out.reserve(10);
    if (!content_type.empty()) {
        out.emplace_back("Content-Type", content_type);
    }
    if (!content_encoding.empty()) {
        out.emplace_back("Content-Encoding", content_encoding);
    }
    if (vary_accept_encoding) {
        out.emplace_back("Vary", "Accept-Encoding");
    }
    if (!cache_control.empty()) {
        out.emplace_back("Cache-Control", cache_control);
    }
    if (!etag.empty()) {
        out.emplace_back("ETag", etag);
    }
    if (!allow.empty()) {
        out.emplace_back("Allow", allow);
    }
    out.emplace_back("Content-Security-Policy", kWebContentSecurityPolicy);
    out.emplace_back("X-Content-Type-Options", "nosniff");
    out.emplace_back("Referrer-Policy", "no-referrer");
    return out;
}

void StaticFiles::add(std::string path, std::string bytes) {
    for (const auto& [ext, slot] : {std::pair{std::string_view(".gz"), &File::gzip},
                                    std::pair{std::string_view(".br"), &File::brotli}}) {
        if (ends_with(path, ext)) {
            auto base = files_.find(std::string_view(path).substr(0, path.size() - ext.size()));
            if (base != files_.end()) {
                base->second.*slot = std::move(bytes);
                return;
            }
        }
    }
    File f;
    f.content_type = std::string(content_type_for(path));
    f.etag = etag_of(bytes);
    f.immutable = path.starts_with("/assets/");
    f.identity = std::move(bytes);
    files_.insert_or_assign(std::move(path), std::move(f));
}

Result<StaticFiles, std::string> StaticFiles::load(const fs::path& root,
                                                   const StaticLimits& limits) {
    std::error_code ec;
    const fs::path base = fs::canonical(root, ec);
    if (ec || !fs::is_directory(base, ec)) {
        return unexpected("the web root " + root.string() + " is no directory");
    }
    std::vector<std::pair<std::string, fs::path>> found;  // web path, file
    fs::recursive_directory_iterator it(base, fs::directory_options::none, ec);
    if (ec) {
        return unexpected("cannot list " + base.string() + ": " + ec.message());
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
            return unexpected("cannot list " + base.string() + ": " + ec.message());
        }
        const fs::directory_entry& entry = *it;
        const std::string name = entry.path().filename().string();
        if (name.starts_with('.')) {
            if (entry.is_directory(ec)) {
                it.disable_recursion_pending();
            }
            continue;
        }
        fs::path file = entry.path();
        if (entry.is_symlink(ec)) {
            const fs::path target = fs::canonical(file, ec);
            if (ec || !inside(base, target)) {
                ec.clear();
                continue;  // a link leading out of the root is not served
            }
            file = target;
        }
        if (!fs::is_regular_file(file, ec)) {
            ec.clear();
            continue;
        }
        const fs::path rel = entry.path().lexically_relative(base);
        found.emplace_back("/" + rel.generic_string(), file);
        if (found.size() > limits.max_files) {
            return unexpected("the web root " + base.string() + " holds more than " +
                              std::to_string(limits.max_files) + " files");
        }
    }
    // Bases before their .gz and .br siblings.
    auto compressed = [](const std::string& p) {
        return ends_with(p, ".gz") || ends_with(p, ".br");
    };
    std::stable_sort(found.begin(), found.end(), [&](const auto& a, const auto& b) {
        return !compressed(a.first) && compressed(b.first);
    });
    StaticFiles out;
    std::size_t total = 0;
    for (auto& [path, file] : found) {
        auto bytes = read_file(file);
        if (!bytes) {
            return unexpected(bytes.error());
        }
        total += bytes->size();
        if (total > limits.max_total_bytes) {
            return unexpected("the web root " + base.string() + " holds more than " +
                              std::to_string(limits.max_total_bytes) + " bytes");
        }
        out.add(std::move(path), std::move(*bytes));
    }
    return out;
}

StaticResponse StaticFiles::respond(const StaticRequest& req) const {
    StaticResponse out;
    if (req.method != "GET" && req.method != "HEAD") {
        out.status = 405;
        out.allow = "GET, HEAD";
        return out;
    }
    const bool head = req.method == "HEAD";
    const std::string path = safe_request_path(req.target);
    auto found = path.empty() ? files_.end() : files_.find(path);
    if (found == files_.end() && !path.empty() && is_client_route(path)) {
        found = files_.find(kIndex);
    }
    if (found == files_.end()) {
        out.status = 404;
        out.content_type = kTextPlain;
        out.content_length = kNotFoundBody.size();
        out.body = head ? std::string_view{} : kNotFoundBody;
        return out;
    }
    const File& f = found->second;
    out.content_type = f.content_type;
    out.cache_control = f.immutable ? kCacheImmutable : kCacheRevalidate;
    out.etag = f.etag;
    out.vary_accept_encoding = true;
    if (!req.if_none_match.empty() && etag_matches(req.if_none_match, f.etag)) {
        out.status = 304;
        out.content_type = {};
        return out;
    }
    out.status = 200;
    std::string_view bytes = f.identity;
    switch (pick_encoding(req.accept_encoding, !f.brotli.empty(), !f.gzip.empty())) {
    case 'b':
        bytes = f.brotli;
        out.content_encoding = "br";
        break;
    case 'g':
        bytes = f.gzip;
        out.content_encoding = "gzip";
        break;
    default: break;
    }
    out.content_length = bytes.size();
    out.body = head ? std::string_view{} : bytes;
    return out;
}

}  // namespace tern::sig::net
