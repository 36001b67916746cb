#include "dataplane/turn/peer_policy.hpp"

#include <algorithm>

namespace tern::dp {

namespace {

bool in(const wire::Prefix<wire::Ipv4Addr>& p, const wire::Ipv4Addr& a) {
    const uint32_t mask = p.len == 0 ? 0 : ~uint32_t{0} << (32 - p.len);
    return (a.v & mask) == (p.addr.v & mask);
}

bool in(const wire::Prefix<wire::Ipv6Addr>& p, const wire::Ipv6Addr& a) {
    const std::size_t full = p.len / 8;
    for (std::size_t i = 0; i < full; ++i) {
        if (a.b[i] != p.addr.b[i]) {
            return false;
        }
    }
    const unsigned rest = p.len % 8;
    if (rest == 0) {
        return true;
    }
    const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (a.b[full] & mask) == (p.addr.b[full] & mask);
}

template <class A>
bool any(const std::vector<wire::Prefix<A>>& ps, const A& a) {
    for (const auto& p : ps) {
        if (in(p, a)) {
            return true;
        }
    }
    return false;
}

}  // namespace

PeerPolicy::PeerPolicy(const TurnConfig& cfg, const std::vector<wire::Ipv4Addr>& own4,
                       const std::vector<wire::Ipv6Addr>& own6)
    : own4_(own4), own6_(own6) {
    for (const char* p :
         {"0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "255.255.255.255/32"}) {
        deny4_.push_back(wire::parse_ipv4_prefix(p).value());
    }
    for (const char* p : {"::/128", "::1/128", "fe80::/10", "ff00::/8", "::ffff:0:0/96"}) {
        deny6_.push_back(wire::parse_ipv6_prefix(p).value());
    }
    for (const auto& a : own4) {
        deny4_.push_back({a, 32});
    }
    for (const auto& a : own6) {
        deny6_.push_back({a, 128});
    }
    for (const std::string& s : cfg.denied_peers) {
        if (auto p4 = wire::parse_ipv4_prefix(s)) {
            deny4_.push_back(*p4);
        } else if (auto p6 = wire::parse_ipv6_prefix(s)) {
            deny6_.push_back(*p6);
        }
    }
    for (const std::string& s : cfg.allowed_peers) {
        if (auto p4 = wire::parse_ipv4_prefix(s)) {
            allow4_.push_back(*p4);
        } else if (auto p6 = wire::parse_ipv6_prefix(s)) {
            allow6_.push_back(*p6);
        }
    }
}

bool PeerPolicy::own(const wire::Ipv4Addr& a) const noexcept {
    return std::find(own4_.begin(), own4_.end(), a) != own4_.end();
}

bool PeerPolicy::own(const wire::Ipv6Addr& a) const noexcept {
    return std::find(own6_.begin(), own6_.end(), a) != own6_.end();
}

bool PeerPolicy::allowed(const wire::Ipv4Addr& a) const noexcept {
    return any(allow4_, a) || !any(deny4_, a);
}

bool PeerPolicy::allowed(const wire::Ipv6Addr& a) const noexcept {
    return any(allow6_, a) || !any(deny6_, a);
}

}  // namespace tern::dp
