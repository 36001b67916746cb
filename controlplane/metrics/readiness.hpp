// Whether the control plane can carry calls, for GET /readyz on the proxy listener (a load
// balancer, systemd or an orchestrator asks it): a data plane is attached and each of its
// workers answered a ping within three ping intervals. Read from the status document
// (admin/verbs/status.cpp), so /readyz, `ternctl status` and /metrics agree. Liveness, GET
// /healthz, is only the process answering at all.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tern::cp::metrics {

struct Readiness {
    bool ready = false;
    std::string reason;  // why not; empty when ready
};

/// Readiness from `status` (verbs::status_json).
Readiness readiness(const nlohmann::json& status);

/// The /readyz body: {"ready":true} or {"ready":false,"reason":"..."}.
std::string readiness_body(const Readiness& r);

}  // namespace tern::cp::metrics
