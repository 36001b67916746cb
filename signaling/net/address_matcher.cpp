#include "signaling/net/address_matcher.hpp"

#include "common/ascii.hpp"

#include <arpa/inet.h>
#include <charconv>

namespace tern::sig::net {

std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view text) {
    if (text.size() >= INET6_ADDRSTRLEN) {
        return std::nullopt;
    }
    const std::string s(text);
    std::array<uint8_t, 16> out{};
    if (s.find(':') != std::string::npos) {
        if (inet_pton(AF_INET6, s.c_str(), out.data()) != 1) {
            return std::nullopt;
        }
        return out;
    }
    out[10] = 0xff;
    out[11] = 0xff;
    if (inet_pton(AF_INET, s.c_str(), out.data() + 12) != 1) {
        return std::nullopt;
    }
    return out;
}

AddressMatcher AddressMatcher::private_and_loopback() {
    static const std::vector<std::string> kRanges = {
        "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"};
    AddressMatcher m;
    m.add(kRanges);
    return m;
}

std::vector<std::string> AddressMatcher::add(std::span<const std::string> entries) {
    std::vector<std::string> bad;
    for (const std::string& entry : entries) {
        std::string_view e = trim_ows(entry);
        const std::size_t slash = e.find('/');
        auto ip = parse_ip(e.substr(0, slash));
        if (!ip) {
            bad.push_back(entry);
            continue;
        }
        const bool v4 = e.substr(0, slash).find(':') == std::string_view::npos;
        unsigned prefix = 128;
        if (slash != std::string_view::npos) {
            std::string_view p = e.substr(slash + 1);
            auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
            if (ec != std::errc{} || end != p.data() + p.size() || prefix > (v4 ? 32U : 128U)) {
                bad.push_back(entry);
                continue;
            }
            if (v4) {
                prefix += 96;
            }
        }
        ranges_.push_back({*ip, prefix});
    }
    return bad;
}

bool AddressMatcher::contains(std::string_view address) const {
    auto ip = parse_ip(trim_ows(address));
    if (!ip) {
        return false;
    }
    for (const Range& r : ranges_) {
        unsigned bits = r.prefix;
        bool match = true;
        for (std::size_t i = 0; i < 16 && bits > 0 && match; ++i) {
            const unsigned take = bits >= 8 ? 8 : bits;
            const auto mask = static_cast<uint8_t>(0xff00U >> take);
            match = ((*ip)[i] & mask) == (r.net[i] & mask);
            bits -= take;
        }
        if (match) {
            return true;
        }
    }
    return false;
}

std::string client_address(std::string_view peer, std::string_view x_real_ip,
                           std::string_view x_forwarded_for, const AddressMatcher& trusted) {
    if (!trusted.contains(peer)) {
        return std::string(peer);
    }
    if (x_real_ip = trim_ows(x_real_ip); !x_real_ip.empty() && parse_ip(x_real_ip)) {
        return std::string(x_real_ip);
    }
    // Each proxy appends the address it got the request from: walking from the right, the first
    // address that is not one of ours is the client (earlier entries are the client's to forge).
    std::string_view rest = x_forwarded_for;
    std::string_view leftmost;
    while (!rest.empty()) {
        const std::size_t comma = rest.rfind(',');
        std::string_view item =
            trim_ows(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
        if (!parse_ip(item)) {
            break;
        }
        if (!trusted.contains(item)) {
            return std::string(item);
        }
        leftmost = item;
    }
    return leftmost.empty() ? std::string(peer) : std::string(leftmost);
}

}  // namespace tern::sig::net
