// The control plane's figures in Prometheus' text exposition format (version 0.0.4), rendered
// from the same document `ternctl stats --json` prints, so a scrape and a script read one source:
// the data plane's counters per worker lcore, per port and per (port, queue), the workers'
// health, and the control plane's proxy, media and TURN-over-TCP/TLS figures. Nothing here
// touches the data plane: the counters are read from the shared region by the caller.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tern::cp::metrics {

/// `stats`: the admin `stats` verb's document (controlplane/admin/verbs/status.cpp). Names
/// follow Prometheus' conventions: `tern_` and the component, counters end in `_total`, units
/// are base units; what an object holds that is not a number is left out.
std::string prometheus_text(const nlohmann::json& stats);

}  // namespace tern::cp::metrics
