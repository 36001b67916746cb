// Link and network addresses as value types. Parsing from text is for config and tools only.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace tern::wire {

struct MacAddr {
    std::array<uint8_t, 6> b{};

    static constexpr MacAddr broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
    [[nodiscard]] constexpr bool is_broadcast() const { return *this == broadcast(); }
    [[nodiscard]] constexpr bool is_multicast() const { return (b[0] & 1) != 0; }
    [[nodiscard]] constexpr bool is_zero() const { return *this == MacAddr{}; }
    auto operator<=>(const MacAddr&) const = default;

    static std::optional<MacAddr> parse(std::string_view text);
    [[nodiscard]] std::string to_string() const;
};

/// IPv4 address in host byte order.
struct Ipv4Addr {
    uint32_t v = 0;

    auto operator<=>(const Ipv4Addr&) const = default;
    [[nodiscard]] constexpr bool is_multicast() const { return (v >> 28) == 0xe; }
    [[nodiscard]] constexpr bool is_broadcast() const { return v == 0xffffffffU; }

    static std::optional<Ipv4Addr> parse(std::string_view text);
    [[nodiscard]] std::string to_string() const;
};

struct Ipv6Addr {
    std::array<uint8_t, 16> b{};

    auto operator<=>(const Ipv6Addr&) const = default;
    /// Two 64-bit compares instead of a byte-wise memcmp: neighbour and allocation lookups
    /// compare addresses on every packet.
    bool operator==(const Ipv6Addr& o) const noexcept {
        uint64_t a[2];
        uint64_t c[2];
        std::memcpy(a, b.data(), 16);
        std::memcpy(c, o.b.data(), 16);
        return ((a[0] ^ c[0]) | (a[1] ^ c[1])) == 0;
    }
    [[nodiscard]] constexpr bool is_multicast() const { return b[0] == 0xff; }
    [[nodiscard]] bool is_unspecified() const { return *this == Ipv6Addr{}; }
    [[nodiscard]] constexpr bool is_link_local() const {
        return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
    }

    /// ff02::1:ffXX:XXXX for this address (RFC 4291 §2.7.1).
    [[nodiscard]] Ipv6Addr solicited_node() const;
    /// fe80::/64 with the modified EUI-64 interface id of a MAC (RFC 4291 appendix A).
    static Ipv6Addr link_local_from_mac(const MacAddr& mac);
    /// 33:33:xx:xx:xx:xx for a multicast address (RFC 2464 §7).
    [[nodiscard]] MacAddr multicast_mac() const;

    static std::optional<Ipv6Addr> parse(std::string_view text);
    [[nodiscard]] std::string to_string() const;
};

/// An address with a prefix length, "198.18.0.2/24" or "2001:2::2/64".
template <class A>
struct Prefix {
    A addr{};
    uint8_t len = 0;
};

std::optional<Prefix<Ipv4Addr>> parse_ipv4_prefix(std::string_view text);
std::optional<Prefix<Ipv6Addr>> parse_ipv6_prefix(std::string_view text);

}  // namespace tern::wire
