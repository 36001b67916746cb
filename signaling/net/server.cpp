#include "signaling/net/server.hpp"

#include "signaling/net/shard.hpp"
#include "signaling/net/tls_context.hpp"

#include <boost/asio/post.hpp>

#include <future>
#include <sys/resource.h>

namespace tern::sig::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

Result<tcp::endpoint, std::string> endpoint_of(const ListenAddress& a) {
    const std::string host = a.host.empty() ? "0.0.0.0" : a.host;
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (!ec) {
        return tcp::endpoint(addr, a.port);
    }
    asio::io_context io;
    tcp::resolver resolver(io);
    auto found = resolver.resolve(host, std::to_string(a.port), ec);
    if (ec || found.empty()) {
        return unexpected("listen address " + host + ": " + (ec ? ec.message() : "no address"));
    }
    return found.begin()->endpoint();
}

}  // namespace

FileLimit raise_file_limit() {
    FileLimit out;
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        out.raised_ok = false;
        return out;
    }
    out.soft_before = lim.rlim_cur;
    out.hard = lim.rlim_max;
    if (lim.rlim_cur < lim.rlim_max) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            lim = raised;
        } else {
            out.raised_ok = false;
        }
    }
    out.soft = lim.rlim_cur;
    return out;
}

Server::Server(const SignalingConfig& config, ServerOptions options, HandlerFactory factory,
               const Logger& log)
    : config_(config), log_(log), factory_(std::move(factory)),
      tls_(std::make_unique<TlsHolder>()) {
    options.shards = std::max(1U, options.shards);
    const unsigned n = options.shards;
    ctx_ = std::make_unique<EdgeContext>(config, std::move(options), n);
}

Server::~Server() {
    stop();
}

Result<bool, std::string> Server::start() {
    if (running_ || !shards_.empty()) {
        return unexpected(std::string("server already started"));
    }
    for (const std::string& bad : ctx_->bad_addresses) {
        log_.warn("ignoring an address that does not parse", {{"entry", bad}});
    }
    const FileLimit files = raise_file_limit();
    if (files.raised_ok) {
        log_.info("file descriptor limit",
                  {{"soft", files.soft}, {"was", files.soft_before}, {"hard", files.hard}});
    } else {
        log_.warn("file descriptor limit could not be raised",
                  {{"soft", files.soft}, {"hard", files.hard}});
    }
    if (!config_.https_listen.empty()) {
        auto tls = load_server_tls(config_.tls_certificate, config_.tls_key);
        if (!tls) {
            return unexpected(tls.error());
        }
        tls_->set(std::move(*tls));
    }
    for (unsigned i = 0; i < ctx_->shard_count; ++i) {
        shards_.push_back(std::make_unique<Shard>(i, factory_(i), *ctx_, *tls_, log_));
        if (auto r = shards_.back()->connect_cluster(); !r) {
            shards_.clear();
            return r;
        }
    }
    for (auto& shard : shards_) {
        ctx_->shards.push_back(shard.get());
    }
    if (auto r = bind_all(config_.http_listen, false, http_bound_); !r) {
        ctx_->shards.clear();
        shards_.clear();
        return r;
    }
    if (auto r = bind_all(config_.https_listen, true, https_bound_); !r) {
        ctx_->shards.clear();
        shards_.clear();
        return r;
    }
    for (auto& shard : shards_) {
        threads_.emplace_back([s = shard.get()] { s->run(); });
    }
    running_ = true;
    log_.info("listening", {{"shards", ctx_->shard_count},
                            {"http", static_cast<uint64_t>(http_bound_.size())},
                            {"https", static_cast<uint64_t>(https_bound_.size())},
                            {"max_files", files.soft}});
    return true;
}

Result<bool, std::string> Server::bind_all(const std::vector<ListenAddress>& where, bool tls,
                                           std::vector<tcp::endpoint>& bound) {
    for (const ListenAddress& a : where) {
        auto at = endpoint_of(a);
        if (!at) {
            return unexpected(at.error());
        }
        // The first shard resolves port 0; the others bind the port it got.
        tcp::endpoint target = *at;
        for (auto& shard : shards_) {
            auto local = shard->listen(target, tls);
            if (!local) {
                return unexpected(local.error());
            }
            target = *local;
        }
        bound.push_back(target);
    }
    return true;
}

void Server::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    const auto t0 = std::chrono::steady_clock::now();
    log_.info("shutting down: no more connections; clients are closed with 1012 (service restart) "
              "once their queued frames are out",
              {{"websockets", ctx_->total(&EdgeCounters::ws_open)},
               {"grace_ms", static_cast<uint64_t>(ctx_->options.stop_grace.count())}});
    std::vector<std::future<void>> stopped;
    for (auto& shard : shards_) {
        auto done = std::make_shared<std::promise<void>>();
        stopped.push_back(done->get_future());
        asio::post(shard->io(), [s = shard.get(), done] {
            s->begin_stop();
            // Told from inside the loop: the thread's run() ends when the last operation does.
            done->set_value();
        });
    }
    const auto deadline = std::chrono::steady_clock::now() + ctx_->options.stop_grace;
    for (std::size_t i = 0; i < shards_.size(); ++i) {
        stopped[i].wait_until(deadline);
    }
    // Threads still busy at the deadline are cut: whatever they were waiting for is abandoned.
    bool drained = true;
    for (std::size_t i = 0; i < threads_.size(); ++i) {
        auto& io = shards_[i]->io();
        std::thread& t = threads_[i];
        auto finished = std::async(std::launch::async, [&t] { t.join(); });
        if (finished.wait_until(deadline) == std::future_status::timeout) {
            log_.warn("shard did not finish within the grace period",
                      {{"shard", static_cast<uint64_t>(i)}});
            io.stop();
            finished.wait();
            drained = false;
        }
    }
    threads_.clear();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    log_.info("stopped", {{"drained", drained},
                          {"ms", static_cast<uint64_t>(ms)},
                          {"websockets_left", ctx_->total(&EdgeCounters::ws_open)}});
}

Result<bool, std::string> Server::reload_certificate() {
    if (config_.https_listen.empty()) {
        return true;
    }
    auto tls = load_server_tls(config_.tls_certificate, config_.tls_key);
    if (!tls) {
        log_.warn("certificate reload failed, keeping the old one", {{"err", tls.error()}});
        return unexpected(tls.error());
    }
    tls_->set(std::move(*tls));
    log_.info("certificate reloaded", {{"file", config_.tls_certificate}});
    return true;
}

}  // namespace tern::sig::net
