// Answers STUN Binding requests of plain STUN clients (RFC 8489 §6.3) with the client's
// reflexive address. Runs on the lcore: no allocation, no syscalls.
#pragma once

#include "common/byte_reader.hpp"
#include "common/config.hpp"
#include "common/shm/counters.hpp"
#include "common/wire/stun/stun_message.hpp"

#include <string_view>

namespace tern::dp {

class StunBindingService {
public:
    explicit StunBindingService(const ServicesConfig& services) noexcept : services_(services) {}

    enum class Outcome : uint8_t { Reply, Silent, Drop };

    /// Handles one UDP payload received from `from`; on Reply the response is in
    /// out.first(out_len). Counts what it does in `c`.
    Outcome handle(ByteSpan request, const wire::Endpoint& from, MutableByteSpan out,
                   std::size_t& out_len, shm::LcoreCounters& c) const noexcept;

private:
    const ServicesConfig& services_;  // borrowed from the config, outlives this
};

}  // namespace tern::dp
