// Reads the data plane's counters out of the shared region into JSON for the admin socket.
#pragma once

#include "common/shm/channel_layout.hpp"

#include <nlohmann/json.hpp>

namespace tern::cp {

/// Per lcore counters, per port hardware counters and per (port, queue) software counters.
nlohmann::json counters_report(const shm::Region& region);

}  // namespace tern::cp
