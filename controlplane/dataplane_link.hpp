// The control plane's bookkeeping of the attached data plane: the generation its commands carry,
// the instance it is, and each worker's health from ping/pong over the command and event rings.
// The connection itself is DataplaneClient's; the main loop says when it attached.
#pragma once

#include "common/log.hpp"
#include "common/shm/messages.hpp"
#include "common/shm/spsc_ring.hpp"
#include "controlplane/dp_client/dp_client.hpp"

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

namespace tern::cp {

struct WorkerHealth {
    uint64_t last_pong_ns = 0;
    uint64_t rtt_ns = 0;
    uint64_t pongs = 0;
    uint64_t last_cookie = 0;
};

class DataplaneLink {
public:
    /// Events other than pongs, for the rest of the control plane.
    using EventHandler = std::function<void(uint32_t worker, const shm::RingMessage& m)>;

    DataplaneLink(DataplaneClient& dp, const Logger& log, EventHandler on_event)
        : dp_(dp), log_(log), on_event_(std::move(on_event)) {}

    /// dp.connect() succeeded: takes a new generation (past every earlier control plane's) and
    /// pings every worker.
    void attached();
    /// The data plane went away.
    void detached() { health_.clear(); }
    /// Pings every worker, waiting up to 5 ms for the pongs (the round trip is the data plane's).
    void ping_all();
    /// Reads the waiting events: pongs here, the others to the EventHandler.
    void drain();
    /// A fresh cookie for a request to the workers (pings, turn-list).
    uint64_t next_cookie() { return ++cookie_; }

    [[nodiscard]] uint64_t generation() const noexcept { return generation_; }
    [[nodiscard]] uint64_t instance() const noexcept { return instance_; }
    [[nodiscard]] uint64_t attaches() const noexcept { return attaches_; }
    /// Each worker's health for `ternctl status`; a worker responds when it answered a ping
    /// within three ping intervals.
    [[nodiscard]] nlohmann::json workers_json(uint64_t now_ns, uint32_t ping_interval_ms) const;

    /// Monotonic and wall clocks, ns and us.
    static uint64_t mono_ns();
    static uint64_t wall_us();

private:
    DataplaneClient& dp_;  // borrowed, outlives this
    const Logger& log_;
    EventHandler on_event_;
    std::vector<WorkerHealth> health_;
    uint64_t generation_ = 0;
    uint64_t newest_seen_ = 0;  // what the lcores' pongs report
    uint64_t cookie_ = 0;
    uint64_t attaches_ = 0;
    uint64_t instance_ = 0;
};

}  // namespace tern::cp
