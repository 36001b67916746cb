// status and stats: the control plane, the attached data plane and its workers' health, and each
// component's own figures; stats adds every data plane counter.
#include "controlplane/admin/verbs/verbs.hpp"
#include "controlplane/stats_report.hpp"

#include <chrono>
#include <unistd.h>

namespace tern::cp::verbs {

nlohmann::json status_json(const StatusSources& s, bool with_counters) {
    using nlohmann::json;
    json out;
    out["controlplane"] = {
        {"pid", getpid()}, {"attaches", s.link.attaches()}, {"generation", s.link.generation()}};
    if (!s.dp.connected()) {
        out["dataplane"] = {{"connected", false}};
        return out;
    }
    const auto& h = *s.dp.region().header;
    const auto now_unix =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
    out["dataplane"] = {{"connected", true},
                        {"pid", s.dp.dp_pid()},
                        {"instance_id", std::to_string(h.instance_id)},
                        {"workers", h.n_workers},
                        {"ports", h.n_ports},
                        {"tsc_hz", h.tsc_hz},
                        {"uptime_s", (now_unix - h.started_unix_ns) / 1'000'000'000ULL}};
    out["workers"] = s.link.workers_json(DataplaneLink::mono_ns(), s.ping_interval_ms);
    out["turn_streams"] = s.turn_streams ? s.turn_streams() : json::object();
    out["proxy"] = s.proxy ? s.proxy() : json::object();
    out["sfu_sessions"] = s.sfu_sessions ? s.sfu_sessions() : json::object();
    if (with_counters) {
        out.update(counters_report(s.dp.region()));
    }
    return out;
}

}  // namespace tern::cp::verbs
