#include "controlplane/dataplane_link.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <unistd.h>

namespace tern::cp {

uint64_t DataplaneLink::mono_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

uint64_t DataplaneLink::wall_us() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

void DataplaneLink::attached() {
    ++attaches_;
    generation_ = shm::next_generation(generation_, wall_us());
    instance_ = dp_.region().header->instance_id;
    health_.assign(dp_.workers(), WorkerHealth{});
    ping_all();
    if (newest_seen_ > generation_) {
        // An earlier control plane used a larger generation (the wall clock stepped back):
        // go past it, or the lcores would take our commands for stale ones.
        log_.warn("data plane has seen a newer generation; moving past it",
                  {{"seen", newest_seen_}, {"ours", generation_}});
        generation_ = newest_seen_ + 1;
    }
    log_.info("attached to data plane", {{"pid", dp_.dp_pid()},
                                         {"instance", instance_},
                                         {"workers", dp_.workers()},
                                         {"generation", generation_}});
    ping_all();
}

void DataplaneLink::ping_all() {
    const uint64_t first = next_cookie();
    for (uint32_t w = 0; w < dp_.workers(); ++w) {
        (void)dp_.send_ping(w, {generation_, first, mono_ns()});
    }
    // The rings have no doorbell: wait briefly for the answers so the round trip measured
    // is the data plane's, not this loop's poll interval.
    const uint64_t deadline = mono_ns() + 5'000'000;
    while (mono_ns() < deadline) {
        drain();
        bool all = true;
        for (const WorkerHealth& h : health_) {
            all = all && h.last_cookie == first;
        }
        if (all) {
            return;
        }
        usleep(20);
    }
}

void DataplaneLink::drain() {
    dp_.drain_events([this](uint32_t w, const shm::RingMessage& m) {
        if (m.type != static_cast<uint16_t>(shm::MsgType::Pong)) {
            on_event_(w, m);
            return;
        }
        const auto p = shm::decode<shm::PongEvt>(m);
        if (p && w < health_.size()) {
            const uint64_t now = mono_ns();
            health_[w].last_pong_ns = now;
            health_[w].rtt_ns = now - p->sent_ns;
            health_[w].last_cookie = p->cookie;
            ++health_[w].pongs;
            newest_seen_ = std::max(newest_seen_, p->generation);
        }
    });
}

nlohmann::json DataplaneLink::workers_json(uint64_t now_ns, uint32_t ping_interval_ms) const {
    nlohmann::json workers = nlohmann::json::array();
    for (uint32_t w = 0; w < health_.size(); ++w) {
        const WorkerHealth& wh = health_[w];
        workers.push_back(
            {{"worker", w},
             {"responding",
              wh.pongs > 0 && now_ns - wh.last_pong_ns < 3ULL * ping_interval_ms * 1'000'000ULL},
             {"ping_rtt_us", wh.rtt_ns / 1000},
             {"pongs", wh.pongs}});
    }
    return workers;
}

}  // namespace tern::cp
