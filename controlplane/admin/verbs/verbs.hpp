// The admin socket's verbs, one source file each beside this header; main.cpp registers them
// in an AdminVerbs with what each needs. Every verb answers one JSON document (an object with
// "error" when it refuses).
//
//   status, stats        status.cpp            the control plane, the data plane, every component
//   turn-list            turn_list.cpp         every worker's TURN allocations
//   turn-credentials     turn_credentials.cpp  TURN REST credentials and URIs
//   sfu-*                sfu.cpp               SFU state by hand (tests and load generators)
//   sfu-batch FILE       sfu_batch.cpp         many sfu-* commands from a file
#pragma once

#include "common/config.hpp"
#include "common/port_plan.hpp"
#include "common/shm/spsc_ring.hpp"
#include "controlplane/admin/admin_verbs.hpp"
#include "controlplane/command_sink.hpp"
#include "controlplane/dataplane_link.hpp"
#include "controlplane/dp_client/dp_client.hpp"

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tern::cp::verbs {

// ---- status, stats ----------------------------------------------------------------------------

/// What `status` reports besides the data plane itself.
struct StatusSources {
    const DataplaneClient& dp;
    const DataplaneLink& link;
    uint32_t ping_interval_ms = 1000;
    std::function<nlohmann::json()> turn_streams;
    std::function<nlohmann::json()> proxy;
    std::function<nlohmann::json()> sfu_sessions;
};
/// `status`, or with counters `stats` (status plus every data plane counter): a value, which
/// the admin socket dumps and GET /metrics renders.
nlohmann::json status_json(const StatusSources& sources, bool with_counters);

// ---- turn-list ---------------------------------------------------------------------------------

/// Asks every worker for its TURN allocations and collects the answers, which arrive as events.
class TurnList {
public:
    /// Sends the request and waits up to 2 s for every worker's answer, calling `drain` to read
    /// the events (which come back through on_event).
    std::string run(CommandSink& sink, uint64_t generation, uint64_t request_id,
                    const std::function<void()>& drain);
    /// TurnAllocation and TurnListDone events; false for other events.
    bool on_event(const shm::RingMessage& m);

private:
    uint64_t request_ = 0;  // the request being answered, 0: none
    uint32_t done_ = 0;
    std::vector<nlohmann::json> allocations_;
};

// ---- turn-credentials [USER|- [TTL_S]] ---------------------------------------------------------

/// TURN REST API credentials (the first secret) valid for TTL (default one day) from `now_unix_s`.
std::string turn_credentials(const Config& config, const AdminRequest& req, uint64_t now_unix_s);

// ---- sfu-*
// ---------------------------------------------------------------------------------------

struct SfuContext {
    uint64_t generation = 0;
    PortPlan ports;  // the data plane's port layout (its SFU off: no media ports)
};
/// One sfu-* command (`args[0]` is its name): installs SFU state by hand, as the proxy protocol
/// does from SDP and DTLS. The transport's worker is id % workers.
std::string sfu_command(CommandSink& sink, const SfuContext& ctx,
                        const std::vector<std::string>& args);
/// sfu-batch FILE: one sfu-* command per line, waiting for room on the command rings.
std::string sfu_batch(CommandSink& sink, const SfuContext& ctx, const std::string& path);

}  // namespace tern::cp::verbs
