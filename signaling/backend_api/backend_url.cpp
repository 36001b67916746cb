#include "signaling/backend_api/backend_url.hpp"

#include "common/ascii.hpp"

#include <algorithm>
#include <cctype>

namespace tern::sig {

namespace {

/// Where the origin (scheme://host[:port]) ends in a normal-form URL.
std::size_t origin_end(std::string_view url) {
    const std::size_t at = url.find("://");
    const std::size_t slash = url.find('/', at == std::string_view::npos ? 0 : at + 3);
    return slash == std::string_view::npos ? url.size() : slash;
}

}  // namespace

std::optional<std::string> normalize_backend_url(std::string_view url) {
    const std::size_t sep = url.find("://");
    if (sep == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string scheme = ascii_lower(url.substr(0, sep));
    if (scheme != "http" && scheme != "https") {
        return std::nullopt;
    }
    std::string_view rest = url.substr(sep + 3);
    // Query and fragment play no part in naming a backend.
    rest = rest.substr(0, std::min(rest.find('?'), rest.find('#')));
    const std::size_t slash = rest.find('/');
    std::string host = ascii_lower(rest.substr(0, slash));
    std::string path =
        slash == std::string_view::npos ? std::string("/") : std::string(rest.substr(slash));
    if (host.empty() || host.find('@') != std::string::npos ||
        host.find(' ') != std::string::npos) {
        return std::nullopt;
    }
    const std::string default_port = scheme == "https" ? ":443" : ":80";
    if (host.size() > default_port.size() && host.ends_with(default_port)) {
        host.resize(host.size() - default_port.size());
    }
    if (const std::size_t api = path.find("ocs/v2.php/apps/spreed/"); api != std::string::npos) {
        path.resize(api);
    }
    if (path.empty() || path.back() != '/') {
        path.push_back('/');
    }
    return scheme + "://" + host + path;
}

const BackendEntry* find_backend(std::span<const BackendEntry> backends, std::string_view url) {
    const auto normal = normalize_backend_url(url);
    if (!normal) {
        return nullptr;
    }
    const std::string_view u{*normal};
    const std::string_view u_origin = u.substr(0, origin_end(u));
    const BackendEntry* best = nullptr;
    for (const BackendEntry& b : backends) {
        const std::string_view bu{b.url};
        if (bu.substr(0, origin_end(bu)) == u_origin && u.starts_with(bu) &&
            (best == nullptr || bu.size() > best->url.size())) {
            best = &b;  // the longest matching prefix: a Nextcloud under /nc2/ beside one at /
        }
    }
    return best;
}

}  // namespace tern::sig
