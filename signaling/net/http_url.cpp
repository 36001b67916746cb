#include "signaling/net/http_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace tern::sig::net {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), s.begin(), [](char p, char c) {
               return std::tolower(static_cast<unsigned char>(c)) == p;
           });
}

uint16_t default_port(bool tls) {
    return tls ? 443 : 80;
}

}  // namespace

std::optional<HttpUrl> parse_http_url(std::string_view url) {
    HttpUrl out;
    if (starts_with_nocase(url, "https://")) {
        out.tls = true;
        url.remove_prefix(8);
    } else if (starts_with_nocase(url, "http://")) {
        url.remove_prefix(7);
    } else {
        return std::nullopt;
    }
    const std::size_t slash = url.find_first_of("/?#");
    std::string_view authority = url.substr(0, slash);
    std::string_view rest =
        slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
    if (authority.find('@') != std::string_view::npos) {
        return std::nullopt;  // credentials in a backend URL: refused rather than sent in clear
    }
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        out.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                return std::nullopt;
            }
            port_text = after.substr(1);
        }
    } else {
        const std::size_t colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
        }
    }
    if (out.host.empty()) {
        return std::nullopt;
    }
    out.port = default_port(out.tls);
    if (!port_text.empty()) {
        unsigned port = 0;
        auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
            port > 65535) {
            return std::nullopt;
        }
        out.port = static_cast<uint16_t>(port);
    }
    rest = rest.substr(0, rest.find('#'));
    out.target = rest.empty() || rest.front() != '/' ? "/" + std::string(rest) : std::string(rest);
    return out;
}

std::string HttpUrl::host_header() const {
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != default_port(tls)) {
        h += ":" + std::to_string(port);
    }
    return h;
}

std::string HttpUrl::pool_key() const {
    return std::string(tls ? "https://" : "http://") + host_header();
}

}  // namespace tern::sig::net
