// Which configured backend (Nextcloud) a URL names: the client's hello auth.url, an internal
// client's backend, the Spreed-Signaling-Backend header of a backend's POST. URLs are compared
// in a normal form: scheme and host in lower case, the scheme's default port dropped, the path
// cut before "ocs/v2.php/apps/spreed/" (Talk sends its API URL, the backend is its base), and
// ending in "/". A backend matches a URL when the host (and port) are equal and the backend's
// path is a prefix of the URL's.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tern::sig {

/// The normal form of an http(s) URL, or nullopt when it is not one.
std::optional<std::string> normalize_backend_url(std::string_view url);

struct BackendEntry {
    std::string id;      // the configuration's name for it
    std::string url;     // normal form (normalize_backend_url)
    std::string secret;  // shared with that Nextcloud
};

/// The backend a URL belongs to, or null.
const BackendEntry* find_backend(std::span<const BackendEntry> backends, std::string_view url);

}  // namespace tern::sig
