#include "common/wire/addr.hpp"

#include "common/ascii.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace tern::wire {

namespace {

template <class A>
std::optional<Prefix<A>> parse_prefix(std::string_view text, int max_len) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    auto addr = A::parse(text.substr(0, slash));
    const std::string_view len_text = text.substr(slash + 1);
    int len = -1;
    auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (!addr || ec != std::errc{} || ptr != len_text.data() + len_text.size() || len < 0 ||
        len > max_len) {
        return std::nullopt;
    }
    return Prefix<A>{*addr, static_cast<uint8_t>(len)};
}

}  // namespace

std::optional<MacAddr> MacAddr::parse(std::string_view text) {
    // Exactly "xx:xx:xx:xx:xx:xx".
    if (text.size() != 17) {
        return std::nullopt;
    }
    MacAddr m;
    for (std::size_t i = 0; i < 6; ++i) {
        const int hi = hex_digit_value(text[i * 3]);
        const int lo = hex_digit_value(text[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':')) {
            return std::nullopt;
        }
        m.b[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    return m;
}

std::string MacAddr::to_string() const {
    char s[18];
    std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    return s;
}

std::optional<Ipv4Addr> Ipv4Addr::parse(std::string_view text) {
    const std::string s(text);
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) {
        return std::nullopt;
    }
    return Ipv4Addr{ntohl(a.s_addr)};
}

std::string Ipv4Addr::to_string() const {
    char s[INET_ADDRSTRLEN];
    const in_addr a{htonl(v)};
    inet_ntop(AF_INET, &a, s, sizeof s);
    return s;
}

std::optional<Ipv6Addr> Ipv6Addr::parse(std::string_view text) {
    const std::string s(text);
    Ipv6Addr a;
    if (inet_pton(AF_INET6, s.c_str(), a.b.data()) != 1) {
        return std::nullopt;
    }
    return a;
}

std::string Ipv6Addr::to_string() const {
    char s[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, b.data(), s, sizeof s);
    return s;
}

Ipv6Addr Ipv6Addr::solicited_node() const {
    Ipv6Addr m;
    m.b = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, b[13], b[14], b[15]};
    return m;
}

Ipv6Addr Ipv6Addr::link_local_from_mac(const MacAddr& mac) {
    Ipv6Addr a;
    a.b = {0xfe,     0x80,     0,
           0,        0,        0,
           0,        0,        static_cast<uint8_t>(mac.b[0] ^ 0x02),
           mac.b[1], mac.b[2], 0xff,
           0xfe,     mac.b[3], mac.b[4],
           mac.b[5]};
    return a;
}

MacAddr Ipv6Addr::multicast_mac() const {
    return {{0x33, 0x33, b[12], b[13], b[14], b[15]}};
}

std::optional<Prefix<Ipv4Addr>> parse_ipv4_prefix(std::string_view text) {
    return parse_prefix<Ipv4Addr>(text, 32);
}

std::optional<Prefix<Ipv6Addr>> parse_ipv6_prefix(std::string_view text) {
    return parse_prefix<Ipv6Addr>(text, 128);
}

}  // namespace tern::wire
