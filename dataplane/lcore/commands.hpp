// The control plane's commands to one worker lcore (docs/control-channel.md), applied between
// bursts: a ping is answered with a pong, SFU commands install state in the lcore's engines,
// and a TURN listing is reported a bounded slice of allocations per loop iteration.
//
// Lcore-local: only the owning worker calls it. It reads the worker's command ring (single
// consumer) and writes to its event ring (whose single producer is the same lcore).
#pragma once

#include "common/shm/counters.hpp"
#include "common/shm/messages.hpp"
#include "common/shm/spsc_ring.hpp"
#include "dataplane/sfu/sfu.hpp"
#include "dataplane/turn/turn_server.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace tern::dp {

class Commands {
public:
    /// Everything is borrowed from the worker and outlives this; the engine vectors are filled
    /// after construction and never resized once the lcore runs.
    Commands(uint32_t lcore, shm::RingConsumer ring, shm::RingProducer& events,
             shm::LcoreCounters& counters, const std::vector<std::unique_ptr<sfu::Sfu>>& sfu,
             const std::vector<std::unique_ptr<TurnServer>>& turn, uint64_t tsc_hz) noexcept
        : lcore_(lcore), ring_(ring), events_(events), counters_(counters), sfu_(sfu), turn_(turn),
          hz_(tsc_hz) {}

    /// Applies what is waiting, at most 32 commands, so a storm cannot starve the packet loop.
    void poll() noexcept;
    /// Reports the next slice of a TURN listing in progress (at most 64 allocations).
    void continue_turn_list(uint64_t now_tsc) noexcept;

private:
    void apply_sfu(const shm::RingMessage& m) noexcept;
    /// False when the command is malformed or names what the engines do not have.
    bool apply_sfu_command(const shm::RingMessage& m);
    void count(shm::Counter c, uint64_t n = 1) noexcept {
        shm::bump(counters_.v[static_cast<std::size_t>(c)], n);
    }

    uint32_t lcore_;
    shm::RingConsumer ring_;
    shm::RingProducer& events_;
    shm::LcoreCounters& counters_;
    const std::vector<std::unique_ptr<sfu::Sfu>>& sfu_;     // one per port, when the SFU is on
    const std::vector<std::unique_ptr<TurnServer>>& turn_;  // one per port, when TURN is on
    uint64_t hz_;
    shm::GenerationGate generations_;
    // An allocation listing in progress.
    struct TurnListing {
        bool active = false;
        uint64_t request_id = 0;
        std::size_t port = 0;
        uint32_t next = 0;
        uint32_t reported = 0;
    } listing_;
};

}  // namespace tern::dp
