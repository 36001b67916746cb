#include "signaling_load/load_run.hpp"

#include "signaling_load/proc_probe.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fcntl.h>
#include <sstream>
#include <stdexcept>
#include <sys/resource.h>
#include <unistd.h>

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

std::optional<PhaseSpec> parse_phase(const std::string& line) {
    std::istringstream in(line);
    std::string verb;
    std::string kind;
    PhaseSpec p;
    if (!(in >> verb >> p.name >> kind >> p.rate >> p.warmup >> p.seconds >> p.drain) ||
        verb != "run" || (kind != "direct" && kind != "room")) {
        return std::nullopt;
    }
    p.to_room = kind == "room";
    // Bounds keep every phase finite.
    if (!(p.rate > 0 && p.rate <= 1e7 && p.warmup >= 0 && p.warmup <= 600 && p.seconds > 0 &&
          p.seconds <= 600 && p.drain >= 0 && p.drain <= 600)) {
        return std::nullopt;
    }
    return p;
}

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

asio::awaitable<void> LoadRun::worker(asio::ip::address server) {
    const auto base = asio::ip::make_address_v4(opts_.source_base).to_uint();
    while (next_setup_ < opts_.sessions) {
        const uint32_t i = next_setup_++;
        LoadSession& s = *sessions_[i];
        const asio::ip::address source = asio::ip::address_v4(base + i % opts_.sources);
        const std::string room = opts_.room_prefix + std::to_string(opts_.room_base + s.room());
        // Over the nodes of a cluster in turn: the members of a room meet on several nodes.
        const asio::ip::tcp::endpoint at(server, opts_.ports[i % opts_.ports.size()]);
        const std::string err = co_await s.establish(at, source, room);
        if (err.empty()) {
            members_[s.room()].push_back(i);
            s.start_reading();
        } else if (failed_++ == 0) {
            first_failure_ = "session " + std::to_string(i) + ": " + err;
        }
    }
    --workers_running_;
}

asio::awaitable<void> LoadRun::establish_all() {
    const asio::ip::address server(asio::ip::make_address(opts_.host));
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

void LoadRun::send_one(int64_t sent_at, bool to_room) {
    LoadSession& s = *sessions_[senders_[next_sender_]];
    next_sender_ = (next_sender_ + 1) % senders_.size();
    if (!s.can_send()) {
        ++stats_.shed;
        return;
    }
    const auto& room = members_[s.room()];
    char buf[1024];
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
        for (int tries = 0; to == s.slot() && tries < 1000;
             ++tries) {  // the room has another member
            pick = std::uniform_int_distribution<size_t>(0, room.size() - 1)(rng_);
            to = sessions_[room[pick]]->slot();
        }
        if (to == s.slot()) {
            return;
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
    stats_.expected_all += owed;
    if (sent_at >= stats_.window_start_ns) {
        ++stats_.window_sent;
        stats_.expected += owed;
    }
}

asio::awaitable<void> LoadRun::phase(const PhaseSpec& spec) {
    const int pid = opts_.server_pid;
    stats_.reset_phase();
    const uint32_t fanout = spec.to_room ? opts_.room_size - 1 : 1;
    stats_.latency_us.reserve(
        static_cast<size_t>(std::min(4e6, spec.rate * spec.seconds * fanout)));
    const int64_t start = now_ns();
    const int64_t window_start = start + static_cast<int64_t>(spec.warmup * 1e9);
    const int64_t end = window_start + static_cast<int64_t>(spec.seconds * 1e9);
    stats_.window_start_ns = window_start;
    const auto max_per_tick = static_cast<uint64_t>(spec.rate / 100) + 1;  // catch up over 10 ticks
    uint64_t attempted = 0;
    bool in_window = false;
    double cpu0 = 0;
    double self0 = 0;
    asio::steady_timer tick(ioc_);
    for (int64_t now = start; now < end && !senders_.empty(); now = now_ns()) {
        if (!in_window && now >= window_start) {
            in_window = true;
            cpu0 = pid > 0 ? process_cpu_seconds(pid) : 0;
            self0 = self_cpu_seconds();
        }
        const auto due = static_cast<uint64_t>(spec.rate * static_cast<double>(now - start) / 1e9);
        for (uint64_t k = 0; attempted < due && k < max_per_tick; ++k, ++attempted) {
            if (stats_.inflight() >= opts_.max_inflight) {
                // Closed loop at saturation: what the server has not delivered yet bounds what
                // is offered, so queues (and the drain) stay short.
                stats_.held += due - attempted;
                attempted = due;
                break;
            }
            send_one(now, spec.to_room);
        }
        tick.expires_after(kTick);
        co_await tick.async_wait(use_awaitable);
    }
    const int64_t drain_end = now_ns() + static_cast<int64_t>(spec.drain * 1e9);
    while (stats_.inflight() > 0 && now_ns() < drain_end) {
        co_await pause(0.005);
    }
    const double server_cpu = pid > 0 ? process_cpu_seconds(pid) - cpu0 : -1;
    print_phase(spec, server_cpu, self_cpu_seconds() - self0);
}

void LoadRun::print_phase(const PhaseSpec& spec, double server_cpu_s, double loadgen_cpu_s) {
    std::vector<uint32_t>& lat = stats_.latency_us;
    const double p50 = percentile_ms(lat, 0.50);
    const double p99 = percentile_ms(lat, 0.99);
    const double delivered = static_cast<double>(stats_.delivered);
    const auto lost =
        static_cast<long long>(stats_.expected) - static_cast<long long>(stats_.delivered);
    const auto dropped =
        static_cast<long long>(stats_.expected_all) - static_cast<long long>(stats_.delivered_all);
    if (stats_.server_errors > 0) {
        std::fprintf(stderr, "signaling-load: phase %s: %llu error frames; first: %s\n",
                     spec.name.c_str(), static_cast<unsigned long long>(stats_.server_errors),
                     stats_.first_server_error.c_str());
    }
    // `lost`: deliveries owed for messages of the window and not seen by the end of the drain;
    // `dropped`: the same over the whole phase, warm-up included.
    std::printf("phase %s kind=%s sessions=%u sent=%llu window_sent=%llu held=%llu shed=%llu "
                "expected=%llu delivered=%llu lost=%lld dropped=%lld gaps=%llu reordered=%llu "
                "malformed=%llu closed=%llu errors=%llu p50_ms=%.3f p99_ms=%.3f window_s=%.3f "
                "send_rate=%.1f delivered_per_s=%.1f server_cpu_s=%.3f loadgen_cpu_s=%.3f\n",
                spec.name.c_str(), spec.to_room ? "room" : "direct", established_,
                static_cast<unsigned long long>(stats_.sent),
                static_cast<unsigned long long>(stats_.window_sent),
                static_cast<unsigned long long>(stats_.held),
                static_cast<unsigned long long>(stats_.shed),
                static_cast<unsigned long long>(stats_.expected),
                static_cast<unsigned long long>(stats_.delivered), lost < 0 ? 0 : lost,
                dropped < 0 ? 0 : dropped, static_cast<unsigned long long>(stats_.gaps),
                static_cast<unsigned long long>(stats_.reordered),
                static_cast<unsigned long long>(stats_.malformed),
                static_cast<unsigned long long>(stats_.closed),
                static_cast<unsigned long long>(stats_.server_errors), p50, p99, spec.seconds,
                static_cast<double>(stats_.window_sent) / spec.seconds, delivered / spec.seconds,
                server_cpu_s, loadgen_cpu_s);
    std::fflush(stdout);
}

asio::awaitable<void> LoadRun::run() {
    co_await establish_all();
    for (const auto& room : members_) {
        if (room.size() >= 2) {
            senders_.insert(senders_.end(), room.begin(), room.end());
        }
    }
    established_ = opts_.sessions - failed_;
    std::printf("ready sessions=%u failed=%u\n", established_, failed_);
    std::fflush(stdout);
    if (failed_ > 0) {
        std::fprintf(stderr, "signaling-load: first failure: %s\n", first_failure_.c_str());
    }

    // Commands, one a line, from a pipe or FIFO (epoll cannot wait on a regular file).
    const int fd =
        opts_.commands == "-" ? ::dup(0) : ::open(opts_.commands.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw std::runtime_error("cannot open the command stream " + opts_.commands);
    }
    asio::posix::stream_descriptor in(ioc_, fd);
    std::string buf;
    for (uint32_t n = 0; n < opts_.max_commands; ++n) {
        boost::system::error_code ec;
        const size_t len = co_await asio::async_read_until(in, asio::dynamic_buffer(buf), '\n',
                                                           asio::redirect_error(use_awaitable, ec));
        if (ec) {
            break;  // the end of the stream: as quit
        }
        const std::string line = buf.substr(0, len - 1);
        buf.erase(0, len);
        if (line == "quit") {
            break;
        }
        if (const auto spec = parse_phase(line)) {
            co_await phase(*spec);
        } else {
            std::printf("bad-command %s\n", line.c_str());
            std::fflush(stdout);
        }
    }
    for (auto& s : sessions_) {
        s->close();
    }
}

}  // namespace tern::perf::sigload
