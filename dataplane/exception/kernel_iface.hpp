// Configures the kernel side of an exception tap: the port's addresses, so the kernel owns the
// same IP for TCP and everything else the fast path hands it.
#pragma once

#include "common/wire/addr.hpp"

#include <optional>
#include <string>

namespace tern::dp {

/// Adds the addresses to `iface` and brings it up; throws std::runtime_error on failure.
/// IPv6 duplicate address detection is turned off: the data plane already owns the address.
void configure_kernel_iface(const std::string& iface,
                            const std::optional<wire::Prefix<wire::Ipv4Addr>>& v4,
                            const std::optional<wire::Prefix<wire::Ipv6Addr>>& v6);

}  // namespace tern::dp
