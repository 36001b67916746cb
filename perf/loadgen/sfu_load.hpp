// tern-loadgen's SFU mode (see sfu_load.cpp).
#pragma once

#include "common/wire/addr.hpp"

#include <cstdint>

struct rte_mempool;

namespace tern::loadgen {

/// Parses the sfu-mode options in argv and runs the meetings against tern on `port`.
int run_sfu(int argc, char** argv, uint16_t port, rte_mempool* pool, const wire::MacAddr& sfu_mac,
            const wire::Ipv4Addr& sfu_ip, uint16_t burst);

}  // namespace tern::loadgen
