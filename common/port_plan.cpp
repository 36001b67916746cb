#include "common/port_plan.hpp"

#include "common/config.hpp"

namespace tern {

PortPlan::PortPlan(const ServicesConfig& services, const TurnConfig* turn,
                   uint32_t n_workers) noexcept
    : workers_(n_workers == 0 ? 1 : n_workers), stun_port_(services.stun_port),
      media_base_(services.media_port) {
    if (services.transport_port_min != 0) {
        transport_ = {services.transport_port_min, services.transport_port_max};
    }
    if (turn != nullptr && turn->enabled) {
        relay_ = {turn->relay_port_min, turn->relay_port_max};
    }
}

PortPlan::PortPlan(const DataplaneConfig& dp) noexcept
    : PortPlan(dp.services, &dp.turn, static_cast<uint32_t>(dp.worker_cores.size())) {}

PortPlan PortPlan::relay_only(const TurnConfig& turn, uint32_t n_workers) noexcept {
    PortPlan p;
    p.workers_ = n_workers == 0 ? 1 : n_workers;
    p.relay_ = {turn.relay_port_min, turn.relay_port_max};
    return p;
}

}  // namespace tern
