#include "signaling/config/config_values.hpp"

#include "common/ascii.hpp"
#include "signaling/config/ini_reader.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <charconv>

namespace tern::sig {

namespace {

bool is_ipv4(std::string_view s) {
    std::array<unsigned char, 4> buf{};
    return s.size() < 16 && inet_pton(AF_INET, std::string(s).c_str(), buf.data()) == 1;
}

bool is_ipv6(std::string_view s) {
    std::array<unsigned char, 16> buf{};
    return s.size() < 46 && inet_pton(AF_INET6, std::string(s).c_str(), buf.data()) == 1;
}

bool is_dns_name(std::string_view s) {
    if (s.empty() || s.size() > 253 || s.front() == '.' || s.front() == '-') {
        return false;
    }
    const bool chars_ok = std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '-' || c == '.';
    });
    // All digits and dots is an IPv4 literal or a mistake, never a name.
    const bool numeric = std::all_of(
        s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0 || c == '.'; });
    return chars_ok && !numeric;
}

std::optional<uint16_t> parse_port(std::string_view s) {
    auto n = parse_uint(s, 65535);
    if (!n) {
        return std::nullopt;
    }
    return static_cast<uint16_t>(*n);
}

/// scheme://rest with the scheme in lower case, or nullopt.
std::optional<std::pair<std::string, std::string_view>> split_scheme(std::string_view s) {
    const std::size_t sep = s.find("://");
    if (sep == std::string_view::npos || sep == 0) {
        return std::nullopt;
    }
    return std::pair{ascii_lower(s.substr(0, sep)), s.substr(sep + 3)};
}

bool has_host(std::string_view rest) {
    const std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
    return !host.empty() && host.find_first_of(" \t@") == std::string_view::npos;
}

}  // namespace

std::vector<std::string> split_list(std::string_view s, std::string_view separators) {
    std::vector<std::string> out;
    while (!s.empty()) {
        const std::size_t at = s.find_first_of(separators);
        const std::string_view piece = trim_space(s.substr(0, at));
        if (!piece.empty()) {
            out.emplace_back(piece);
        }
        s = at == std::string_view::npos ? std::string_view{} : s.substr(at + 1);
    }
    return out;
}

Result<bool, std::string> parse_bool(std::string_view s) {
    const std::string v = ascii_lower(s);
    for (const char* t : {"t", "true", "y", "yes", "on", "1"}) {
        if (v == t) {
            return true;
        }
    }
    for (const char* f : {"f", "false", "n", "no", "off", "0"}) {
        if (v == f) {
            return false;
        }
    }
    return unexpected(std::string("must be true or false (also yes/no, on/off, 1/0)"));
}

Result<uint64_t, std::string> parse_uint(std::string_view s, uint64_t max) {
    uint64_t v = 0;
    const char* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (s.empty() || ec != std::errc{} || ptr != end || v > max) {
        return unexpected("must be a whole number from 0 to " + std::to_string(max));
    }
    return v;
}

Result<ListenAddress, std::string> parse_listen_address(std::string_view s) {
    const std::string bad =
        "'" + std::string(s) + "' is not host:port (like 127.0.0.1:8080, :8080 or [::1]:8080)";
    const std::size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) {
        return unexpected(bad);
    }
    std::string_view host = s.substr(0, colon);
    const auto port = parse_port(s.substr(colon + 1));
    if (!port) {
        return unexpected(bad + ": the port must be a number from 0 to 65535");
    }
    if (host.empty()) {
        return ListenAddress{"::", *port};
    }
    if (host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
        if (!is_ipv6(host)) {
            return unexpected(bad + ": '" + std::string(host) + "' is not an IPv6 address");
        }
        return ListenAddress{std::string(host), *port};
    }
    if (host.find(':') != std::string_view::npos) {
        return unexpected(bad + ": an IPv6 address needs brackets, like [::1]:8080");
    }
    if (!is_ipv4(host) && !is_dns_name(host)) {
        return unexpected(bad + ": '" + std::string(host) + "' is neither an address nor a name");
    }
    return ListenAddress{std::string(host), *port};
}

bool is_ip_or_cidr(std::string_view s) {
    const std::size_t slash = s.find('/');
    const std::string_view addr = s.substr(0, slash);
    const bool v4 = is_ipv4(addr);
    if (!v4 && !is_ipv6(addr)) {
        return false;
    }
    if (slash == std::string_view::npos) {
        return true;
    }
    return parse_uint(s.substr(slash + 1), v4 ? 32 : 128).has_value();
}

Result<std::string, std::string> parse_backend_url(std::string_view s) {
    auto url = normalize_backend_url(s);
    const auto parts = split_scheme(s);
    if (!url || !parts || !has_host(parts->second)) {
        return unexpected("'" + std::string(s) +
                          "' is not an http(s) URL like https://cloud.example.com/");
    }
    return std::move(*url);
}

Result<std::string, std::string> parse_proxy_url(std::string_view s) {
    auto parts = split_scheme(s);
    if (!parts || !has_host(parts->second)) {
        return unexpected("'" + std::string(s) + "' is not a URL like ws://127.0.0.1:9090");
    }
    std::string& scheme = parts->first;
    if (scheme == "http") {
        scheme = "ws";
    } else if (scheme == "https") {
        scheme = "wss";
    } else if (scheme != "ws" && scheme != "wss") {
        return unexpected("'" + std::string(s) + "': a proxy URL is ws:// or wss://");
    }
    return scheme + "://" + std::string(parts->second);
}

Result<std::string, std::string> parse_nats_url(std::string_view s) {
    if (s == ":loopback:") {
        return std::string("nats://loopback");
    }
    const auto parts = split_scheme(s);
    if (!parts || !has_host(parts->second) || (parts->first != "nats" && parts->first != "tls")) {
        return unexpected("'" + std::string(s) +
                          "' is not a NATS URL like nats://127.0.0.1:4222 or nats://loopback");
    }
    return parts->first + "://" + std::string(parts->second);
}

bool is_turn_uri(std::string_view s) {
    const std::string l = ascii_lower(s.substr(0, 6));
    return (l.starts_with("turn:") && s.size() > 5) || (l.starts_with("turns:") && s.size() > 6);
}

std::optional<std::string> hash_key_problem(std::string_view key) {
    if (key.size() < kMinHashKeyLen) {
        return "is " + std::to_string(key.size()) + " bytes; tern-signaling needs at least " +
               std::to_string(kMinHashKeyLen) +
               " because it signs session ids with HMAC-SHA256 under this key (use 32 or 64 "
               "random bytes, e.g. openssl rand -hex 32)";
    }
    return std::nullopt;
}

std::optional<std::string> block_key_problem(std::string_view key) {
    if (!key.empty() && key.size() != 16 && key.size() != 24 && key.size() != 32) {
        return "is " + std::to_string(key.size()) + " bytes; it must be 16, 24 or 32 bytes (AES)";
    }
    return std::nullopt;
}

std::string unsupported_mcu_type(std::string_view type) {
    if (ascii_lower(type) == "janus") {
        return "type janus is not supported: tern-signaling drives tern's SFU through the proxy "
               "protocol; set type = proxy and url = tern's proxy listener (controlplane.proxy "
               "in tern.conf, e.g. ws://127.0.0.1:9090)";
    }
    return "unknown MCU type '" + std::string(type) + "': leave it empty (no MCU) or use proxy";
}

}  // namespace tern::sig
