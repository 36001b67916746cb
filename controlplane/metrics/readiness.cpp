#include "controlplane/metrics/readiness.hpp"

namespace tern::cp::metrics {

Readiness readiness(const nlohmann::json& status) {
    const auto dp = status.find("dataplane");
    if (dp == status.end() || !dp->value("connected", false)) {
        return {false, "no data plane attached"};
    }
    const auto workers = status.find("workers");
    if (workers == status.end() || !workers->is_array() || workers->empty()) {
        return {false, "the data plane has no workers"};
    }
    for (const nlohmann::json& w : *workers) {
        if (!w.value("responding", false)) {
            return {false, "worker " + std::to_string(w.value("worker", -1)) +
                               " has not answered a ping within three intervals"};
        }
    }
    return {true, {}};
}

std::string readiness_body(const Readiness& r) {
    nlohmann::json body{{"ready", r.ready}};
    if (!r.ready) {
        body["reason"] = r.reason;
    }
    return body.dump() + "\n";
}

}  // namespace tern::cp::metrics
