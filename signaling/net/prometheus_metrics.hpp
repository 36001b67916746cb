// GET /metrics: the hub's counts (summed over shards) and the edge's counters in Prometheus'
// text exposition format, with the reference server's metric names where one exists.
#pragma once

#include "signaling/net/edge_context.hpp"

#include <string>

namespace tern::sig::net {

std::string prometheus_metrics(const EdgeContext& ctx);

}  // namespace tern::sig::net
