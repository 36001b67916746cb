// ARP for IPv4 over Ethernet (RFC 826).
#pragma once

#include "common/byte_reader.hpp"
#include "common/result.hpp"
#include "common/wire/addr.hpp"
#include "common/wire/error.hpp"

namespace tern::wire {

inline constexpr uint16_t kArpRequest = 1;
inline constexpr uint16_t kArpReply = 2;
inline constexpr std::size_t kArpLen = 28;

struct ArpView {
    uint16_t op = 0;
    MacAddr sha;
    Ipv4Addr spa;
    MacAddr tha;
    Ipv4Addr tpa;
};

/// Accepts only Ethernet/IPv4 ARP with op request or reply; trailing padding is ignored.
Result<ArpView, Error> parse_arp(ByteSpan payload) noexcept;
void write_arp(ByteWriter& w, const ArpView& a) noexcept;

}  // namespace tern::wire
