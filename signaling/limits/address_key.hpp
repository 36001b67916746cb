// The address a limit counts by. IPv4 is mapped into ::ffff:0:0/96; IPv6 is cut to its /64,
// since one host (or one customer of a provider) holds a whole /64 and could otherwise step
// around any per-address limit by changing its interface identifier. Text that is no address
// (a Unix socket peer, a test's placeholder) maps to one shared key of all ones.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tern::sig {

using AddressKey = std::array<uint8_t, 16>;

/// The key of `address` (IPv4 or IPv6 text, as the edge reports a client).
AddressKey address_key(std::string_view address);

struct AddressKeyHash {
    std::size_t operator()(const AddressKey& k) const noexcept;
};

}  // namespace tern::sig
