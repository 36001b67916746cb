// Which peer addresses a TURN allocation may relay to (RFC 8656 §21 "Security Considerations":
// a relay must not become a way into the server's own networks). Denied by default: loopback,
// unspecified, link-local, multicast, broadcast, the server's own addresses, plus operator
// prefixes; an allow list overrides every denial.
#pragma once

#include "common/config.hpp"
#include "common/wire/addr.hpp"

#include <vector>

namespace tern::dp {

class PeerPolicy {
public:
    PeerPolicy(const TurnConfig& cfg, const std::vector<wire::Ipv4Addr>& own4,
               const std::vector<wire::Ipv6Addr>& own6);

    [[nodiscard]] bool allowed(const wire::Ipv4Addr& a) const noexcept;
    [[nodiscard]] bool allowed(const wire::Ipv6Addr& a) const noexcept;
    /// One of the appliance's own addresses (a relay-to-relay "hairpin" when the port is a relay
    /// port).
    [[nodiscard]] bool own(const wire::Ipv4Addr& a) const noexcept;
    [[nodiscard]] bool own(const wire::Ipv6Addr& a) const noexcept;

private:
    std::vector<wire::Ipv4Addr> own4_;
    std::vector<wire::Ipv6Addr> own6_;
    std::vector<wire::Prefix<wire::Ipv4Addr>> deny4_, allow4_;
    std::vector<wire::Prefix<wire::Ipv6Addr>> deny6_, allow6_;
};

}  // namespace tern::dp
