#include "signaling_load/load_run.hpp"

#include "signaling_load/proc_probe.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sys/resource.h>

namespace tern::perf::sigload {

namespace asio = boost::asio;
using asio::use_awaitable;

namespace {

double self_cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double percentile_ms(std::vector<uint32_t>& v, double p) {
    if (v.empty()) {
        return 0;
    }
    const auto k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k] / 1000.0;
}

constexpr auto kTick = std::chrono::milliseconds(1);  // pacing granularity

}  // namespace

LoadRun::LoadRun(asio::io_context& ioc, const Options& opts)
    : ioc_(ioc), opts_(opts), rng_(opts.seed) {
    const uint32_t rooms = (opts.sessions + opts.room_size - 1) / opts.room_size;
    members_.resize(rooms);
    sessions_.reserve(opts.sessions);
    for (uint32_t i = 0; i < opts.sessions; ++i) {
        sessions_.push_back(std::make_unique<LoadSession>(ioc, opts, stats_, i, i / opts.room_size,
                                                          i % opts.room_size));
    }
}

asio::awaitable<void> LoadRun::pause(double seconds) {
    asio::steady_timer t(ioc_);
    t.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(seconds)));
    co_await t.async_wait(use_awaitable);
}

asio::awaitable<void> LoadRun::worker(asio::ip::tcp::endpoint server) {
    const auto base = asio::ip::make_address_v4(opts_.source_base).to_uint();
    while (next_setup_ < opts_.sessions) {
        const uint32_t i = next_setup_++;
        LoadSession& s = *sessions_[i];
        const asio::ip::address source = asio::ip::address_v4(base + i % opts_.sources);
        const std::string room = opts_.room_prefix + std::to_string(opts_.room_base + s.room());
        const std::string err = co_await s.establish(server, source, room);
        if (err.empty()) {
            members_[s.room()].push_back(i);
            s.start_reading();
        } else if (report_.failed++ == 0) {
            report_.first_failure = "session " + std::to_string(i) + ": " + err;
        }
    }
    --workers_running_;
}

asio::awaitable<void> LoadRun::establish_all() {
    const asio::ip::tcp::endpoint server(asio::ip::make_address(opts_.host), opts_.port);
    const uint32_t n = std::min(opts_.connect_concurrency, opts_.sessions);
    workers_running_ = n;
    for (uint32_t w = 0; w < n; ++w) {
        asio::co_spawn(ioc_, worker(server), asio::detached);
    }
    const int64_t deadline = now_ns() + static_cast<int64_t>(opts_.setup_timeout * 1e9);
    while (workers_running_ > 0 && now_ns() < deadline) {
        co_await pause(0.01);
    }
    if (workers_running_ > 0) {  // late ones fail: their pending operations are aborted
        next_setup_ = opts_.sessions;
        for (auto& s : sessions_) {
            if (s->public_id().empty()) {
                s->close();
            }
        }
        for (int i = 0; i < 500 && workers_running_ > 0; ++i) {
            co_await pause(0.01);
        }
    }
}

void LoadRun::send_one(int64_t sent_at) {
    if (senders_.empty()) {
        return;
    }
    LoadSession& s = *sessions_[senders_[next_sender_]];
    next_sender_ = (next_sender_ + 1) % senders_.size();
    if (!s.can_send()) {
        ++stats_.shed;
        return;
    }
    const auto& room = members_[s.room()];
    const bool to_room = std::uniform_real_distribution<double>(0, 1)(rng_) < opts_.room_share;
    char buf[512];
    int n = 0;
    uint64_t owed = 1;
    if (to_room) {
        owed = room.size() - 1;
        n = std::snprintf(buf, sizeof buf,
                          R"({"type":"message","message":{"recipient":{"type":"room"},)"
                          R"("data":{"type":"lg","lgf":%u,"lgr":1,"lgq":%llu,"lgt":%lld}}})",
                          s.slot(), static_cast<unsigned long long>(s.next_room_seq()),
                          static_cast<long long>(sent_at));
    } else {
        uint32_t to = s.slot();
        size_t pick = 0;
        while (to == s.slot()) {  // bounded: the room has another member
            pick = std::uniform_int_distribution<size_t>(0, room.size() - 1)(rng_);
            to = sessions_[room[pick]]->slot();
        }
        n = std::snprintf(
            buf, sizeof buf,
            R"({"type":"message","message":{"recipient":{"type":"session","sessionid":"%s"},)"
            R"("data":{"type":"lg","lgf":%u,"lgr":0,"lgq":%llu,"lgt":%lld}}})",
            sessions_[room[pick]]->public_id().c_str(), s.slot(),
            static_cast<unsigned long long>(s.next_direct_seq(to)),
            static_cast<long long>(sent_at));
    }
    if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) {
        return;  // a session id longer than any server issues
    }
    s.send(std::string(buf, static_cast<size_t>(n)));
    ++stats_.sent;
    if (sent_at >= stats_.window_start_ns) {
        stats_.expected += owed;
    }
}

asio::awaitable<void> LoadRun::run() {
    const int pid = opts_.server_pid;
    report_.rss_before_kib = pid > 0 ? process_rss_kib(pid) : -1;
    co_await establish_all();
    for (const auto& room : members_) {
        if (room.size() >= 2) {
            senders_.insert(senders_.end(), room.begin(), room.end());
        }
    }
    report_.sessions = static_cast<uint32_t>(opts_.sessions - report_.failed);
    std::fprintf(stderr, "signaling-load: %u sessions joined, %u failed%s%s\n", report_.sessions,
                 report_.failed, report_.failed ? "; first: " : "", report_.first_failure.c_str());
    co_await pause(1.0);  // join events settle before memory is read
    report_.rss_after_kib = pid > 0 ? process_rss_kib(pid) : -1;

    stats_.latency_us.reserve(static_cast<size_t>(
        std::min(5e7, opts_.rate * opts_.seconds * (1 + opts_.room_share * opts_.room_size))));
    const int64_t start = now_ns();
    const int64_t window_start = start + static_cast<int64_t>(opts_.warmup * 1e9);
    const int64_t end = window_start + static_cast<int64_t>(opts_.seconds * 1e9);
    stats_.window_start_ns = window_start;
    const auto max_per_tick =
        static_cast<uint64_t>(opts_.rate / 100) + 1;  // catch up over 10 ticks
    uint64_t attempted = 0;
    bool in_window = false;
    double cpu0 = 0;
    double self0 = 0;
    asio::steady_timer tick(ioc_);
    for (int64_t now = start; now < end; now = now_ns()) {
        if (!in_window && now >= window_start) {
            in_window = true;
            cpu0 = pid > 0 ? process_cpu_seconds(pid) : 0;
            self0 = self_cpu_seconds();
        }
        const auto due = static_cast<uint64_t>(opts_.rate * static_cast<double>(now - start) / 1e9);
        for (uint64_t k = 0; attempted < due && k < max_per_tick; ++k, ++attempted) {
            send_one(now);
        }
        tick.expires_after(kTick);
        co_await tick.async_wait(use_awaitable);
    }
    const int64_t drain_end = now_ns() + static_cast<int64_t>(opts_.drain * 1e9);
    while (stats_.delivered < stats_.expected && now_ns() < drain_end) {
        co_await pause(0.005);
    }
    report_.window_s = static_cast<double>(end - window_start) / 1e9;
    report_.server_cpu_s = pid > 0 ? process_cpu_seconds(pid) - cpu0 : -1;
    report_.loadgen_cpu_s = self_cpu_seconds() - self0;
    for (auto& s : sessions_) {
        s->close();
    }
}

void LoadRun::print() const {
    std::vector<uint32_t> lat = stats_.latency_us;
    const double p50 = percentile_ms(lat, 0.50);
    const double p99 = percentile_ms(lat, 0.99);
    const double delivered = static_cast<double>(stats_.delivered);
    const long long lost =
        static_cast<long long>(stats_.expected) - static_cast<long long>(stats_.delivered);
    const double kib =
        report_.rss_before_kib >= 0 && report_.rss_after_kib >= 0 && report_.sessions > 0
            ? static_cast<double>(report_.rss_after_kib - report_.rss_before_kib) / report_.sessions
            : -1;
    const double per_cpu = report_.server_cpu_s > 0 ? delivered / report_.server_cpu_s : -1;
    if (stats_.server_errors > 0) {
        std::fprintf(stderr, "signaling-load: %llu error frames; first: %s\n",
                     static_cast<unsigned long long>(stats_.server_errors),
                     stats_.first_server_error.c_str());
    }
    std::printf("signaling-load: sessions=%u failed=%u sent=%llu shed=%llu expected=%llu "
                "delivered=%llu msgs_per_s=%.0f p50_ms=%.3f p99_ms=%.3f lost=%lld gaps=%llu "
                "reordered=%llu malformed=%llu closed=%llu errors=%llu server_cpu_s=%.2f "
                "msgs_per_cpu_s=%.0f rss_before_kib=%ld rss_after_kib=%ld kib_per_session=%.1f "
                "loadgen_cpu_s=%.2f\n",
                report_.sessions, report_.failed, static_cast<unsigned long long>(stats_.sent),
                static_cast<unsigned long long>(stats_.shed),
                static_cast<unsigned long long>(stats_.expected),
                static_cast<unsigned long long>(stats_.delivered),
                delivered / std::max(1e-9, report_.window_s), p50, p99, lost < 0 ? 0 : lost,
                static_cast<unsigned long long>(stats_.gaps),
                static_cast<unsigned long long>(stats_.reordered),
                static_cast<unsigned long long>(stats_.malformed),
                static_cast<unsigned long long>(stats_.closed),
                static_cast<unsigned long long>(stats_.server_errors), report_.server_cpu_s,
                per_cpu, report_.rss_before_kib, report_.rss_after_kib, kib, report_.loadgen_cpu_s);
    std::fflush(stdout);
}

}  // namespace tern::perf::sigload
