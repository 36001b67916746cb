// A set of IP addresses and CIDR ranges: [stats] allowed_ips, and the trusted proxies whose
// X-Real-Ip / X-Forwarded-For headers name the client. Entries that do not parse are reported
// by build() so the configuration check can name them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sig::net {

class AddressMatcher {
public:
    /// Loopback and the private ranges (RFC 1918, RFC 4193): the default trusted proxies.
    static AddressMatcher private_and_loopback();

    /// Adds each "address" or "address/prefix"; returns the entries that did not parse.
    std::vector<std::string> add(std::span<const std::string> entries);

    [[nodiscard]] bool contains(std::string_view address) const;
    [[nodiscard]] bool empty() const noexcept { return ranges_.empty(); }

private:
    struct Range {
        std::array<uint8_t, 16> net{};  // IPv4 as ::ffff:a.b.c.d
        unsigned prefix = 0;            // in bits of the 128
    };
    std::vector<Range> ranges_;
};

/// An IPv4 or IPv6 address in 16 bytes (IPv4 mapped into ::ffff:0:0/96), or nullopt.
std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view text);

/// The client's address as the edge reports it: the peer, unless the peer is a trusted proxy,
/// then X-Real-Ip, else the right-most X-Forwarded-For entry that is not itself a trusted proxy.
std::string client_address(std::string_view peer, std::string_view x_real_ip,
                           std::string_view x_forwarded_for, const AddressMatcher& trusted);

}  // namespace tern::sig::net
