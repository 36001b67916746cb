// An absolute http:// or https:// URL taken apart for the backend client: where to connect and
// what to ask for. Backend URLs come from the configuration and from clients' hellos (after
// matching a configured backend), so a URL that does not parse is an error value, not a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::sig::net {

struct HttpUrl {
    bool tls = false;
    std::string host;    // without brackets for IPv6 literals
    uint16_t port = 0;   // the scheme's default when the URL names none
    std::string target;  // path and query, at least "/"

    /// The Host header's value: host, bracketed when IPv6, with the port unless it is the default.
    [[nodiscard]] std::string host_header() const;
    /// The connection pool's key: one pool per scheme, host and port.
    [[nodiscard]] std::string pool_key() const;
};

std::optional<HttpUrl> parse_http_url(std::string_view url);

}  // namespace tern::sig::net
