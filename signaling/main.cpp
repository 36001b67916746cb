// tern-signaling: a drop-in for nextcloud-spreed-signaling. This file only assembles the
// process: the configuration, one Hub per shard behind the network edge, and the signals
// (SIGTERM/SIGINT stop gracefully: clients closed with 1012 after their queues drain, within
// [tern] shutdown_grace_ms, then exit 0; SIGHUP reloads the TLS certificate). Logs are JSON lines
// on stderr and never carry message contents.
#include "common/log.hpp"
#include "signaling/api/server_messages.hpp"
#include "signaling/backend/rest/backend_service.hpp"
#include "signaling/backend/store/sqlite_db.hpp"
#include "signaling/backend/store/sqlite_store.hpp"
#include "signaling/backend_api/checksum.hpp"
#include "signaling/config/load_config.hpp"
#include "signaling/hub/features.hpp"
#include "signaling/hub/hub.hpp"
#include "signaling/mcu/proxy_token.hpp"
#include "signaling/net/server.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <pthread.h>
#include <sched.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using tern::sig::Handler;
using tern::sig::SignalingConfig;
using tern::sig::mcu::ProxyTokenSigner;

constexpr const char* kUsage =
    "usage: tern-signaling --config FILE [--check]\n"
    "       tern-signaling --version | --help\n"
    "\n"
    "  --config FILE  server.conf (the reference server's INI) or tern.conf (signaling group)\n"
    "  --check        load and validate the configuration, print its warnings, exit 0 (valid) or "
    "1\n";

// The two seams between the edge and the protocol: the integrator keeps them pointing at the Hub.
// `signer`: the hello tokens for the SFU's proxies, when [mcu] is configured.
std::unique_ptr<Handler>
make_handler(const SignalingConfig& config, unsigned shard, unsigned shards,
             const std::shared_ptr<const ProxyTokenSigner>& signer,
             const std::shared_ptr<tern::sig::mcu::PublisherDirectory>& publishers,
             const std::shared_ptr<tern::sig::RoomSessionDirectory>& room_sessions,
             const std::shared_ptr<tern::sig::SharedHelloRate>& hello_rate,
             const std::shared_ptr<tern::sig::SharedBruteForce>& brute_force) {
    tern::sig::HubOptions options;
    options.shard = shard;
    options.shards = shards;
    options.publishers = publishers;
    options.room_sessions = room_sessions;
    options.hello_rate = hello_rate;
    options.brute_force = brute_force;
    if (signer) {
        options.mcu_token = [signer](int64_t now_s) { return signer->sign(now_s); };
    }
    return std::make_unique<tern::sig::Hub>(config, std::move(options));
}

/// `threads` from the configuration, 0 meaning one per CPU this process may run on (its
/// affinity: under taskset or a cpuset, the CPUs it was given), at most ShardNodes::kMaxShards.
unsigned shard_count(uint32_t threads) {
    unsigned n = threads;
    if (n == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        n = sched_getaffinity(0, sizeof set, &set) == 0
                ? static_cast<unsigned>(CPU_COUNT(&set))
                : std::max(1U, std::thread::hardware_concurrency());
    }
    return std::clamp(n, 1U, tern::sig::ShardNodes::kMaxShards);
}

/// One directory of MCU publishers for the shards to share; none for one shard.
std::shared_ptr<tern::sig::mcu::PublisherDirectory> shards_publishers(unsigned shards) {
    return shards > 1 ? std::make_shared<tern::sig::mcu::PublisherDirectory>() : nullptr;
}

/// The X-Spreed-Signaling-Features header lists what the welcome lists: the union of what
/// client and internal sessions get.
std::vector<std::string> advertised_features(const SignalingConfig& config) {
    std::vector<std::string> out;
    for (std::string_view f : tern::sig::welcome_features(config)) {
        out.emplace_back(f);
    }
    return out;
}

struct Args {
    std::string config;
    bool check = false;
    bool version = false;
    bool help = false;
    std::string error;
};

Args parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--config" || arg == "-config" || arg == "-c") {
            if (i + 1 >= argc) {
                a.error = "--config needs a file";
                return a;
            }
            a.config = argv[++i];
        } else if (arg.starts_with("--config=")) {
            a.config = std::string(arg.substr(9));
        } else if (arg == "--check") {
            a.check = true;
        } else if (arg == "--version" || arg == "-version") {
            a.version = true;
        } else if (arg == "--help" || arg == "-h") {
            a.help = true;
        } else {
            a.error = "unknown argument: " + std::string(arg);
            return a;
        }
    }
    if (!a.version && !a.help && a.config.empty()) {
        a.error = "--config FILE is required";
    }
    return a;
}

/// The URL clients reach this server by when tern.conf does not say: http:// and the first
/// listen address, a wildcard address as loopback.
std::string own_url(const SignalingConfig& config) {
    const bool tls = config.http_listen.empty() && !config.https_listen.empty();
    const auto& list = tls ? config.https_listen : config.http_listen;
    if (list.empty()) {
        return "http://127.0.0.1:8080/";
    }
    std::string host = list.front().host;
    if (host.empty() || host == "::" || host == "0.0.0.0") {
        host = "127.0.0.1";
    } else if (host.find(':') != std::string::npos) {
        host = "[" + host + "]";
    }
    return std::string(tls ? "https://" : "http://") + host + ":" +
           std::to_string(list.front().port) + "/";
}

/// The embedded Talk backend (docs/admin.md): registered as one more backend of this server,
/// under its own URL with a secret derived from the session hash key (so the hub's backend
/// requests reach the REST layer signed like a Nextcloud's), and opened once per shard.
void use_embedded_backend(SignalingConfig& config, tern::sig::net::ServerOptions& options) {
    namespace rest = tern::sig::backend::rest;
    const std::string url = config.backend.url.empty() ? own_url(config) : config.backend.url;
    tern::sig::BackendConfig self;
    self.entry = {"embedded", url,
                  tern::sig::backend_checksum(config.hash_key, "tern embedded backend", "")};
    self.urls = {url};
    config.backends.push_back(self);
    rest::RestSettings s;
    s.ticket_key = tern::sig::backend_checksum(config.hash_key, "tern signaling tickets", "");
    for (const tern::sig::BackendConfig& b : config.backends) {
        s.backend_secrets.push_back(b.entry.secret);
    }
    s.turn_secret = config.turn.secret;
    s.turn_servers = config.turn.servers;
    s.version = std::string(tern::sig::api::kServerVersion);
    options.rest_backend = [database = config.backend.database,
                            s](unsigned) -> std::unique_ptr<rest::BackendService> {
        // Its folder as ternctl makes it (owner and group only), for a first start before any
        // `ternctl user add`.
        if (const std::string why = tern::sig::backend::make_database_folder(database);
            !why.empty()) {
            throw std::runtime_error("embedded backend: " + why);
        }
        auto store = tern::sig::backend::SqliteStore::open(database);
        if (!store) {
            throw std::runtime_error("embedded backend: " + store.error().message);
        }
        return std::make_unique<rest::BackendService>(std::move(*store), s);
    };
}

}  // namespace

static int run(int argc, char** argv) {
    const Args args = parse_args(argc, argv);
    if (args.help) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (args.version) {
        std::printf("tern-signaling (nextcloud-spreed-signaling/%s)\n",
                    std::string(tern::sig::api::kServerVersion).c_str());
        return 0;
    }
    if (!args.error.empty()) {
        std::fprintf(stderr, "tern-signaling: %s\n%s", args.error.c_str(), kUsage);
        return 2;
    }

    const tern::Logger log("signaling");
    auto loaded = tern::sig::load_signaling_config(args.config);
    if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().describe().c_str());
        return args.check ? 1 : 2;
    }
    std::vector<std::string> seen;
    for (const std::string& w : loaded->warnings) {
        if (std::find(seen.begin(), seen.end(), w) == seen.end()) {
            seen.push_back(w);
            if (args.check) {
                std::fprintf(stderr, "warning: %s\n", w.c_str());
            } else {
                log.warn("configuration", {{"warning", w}});
            }
        }
    }
    if (args.check) {
        std::printf("%s: ok\n", args.config.c_str());
        return 0;
    }
    SignalingConfig& config = loaded->config;
    std::shared_ptr<const ProxyTokenSigner> signer;
    if (config.mcu.type == tern::sig::McuType::Proxy) {
        auto loaded_signer =
            ProxyTokenSigner::from_file(config.mcu.token_id, config.mcu.token_key_file);
        if (!loaded_signer) {
            log.error("[mcu] token_key: cannot sign proxy tokens",
                      {{"err", loaded_signer.error()}});
            return 1;
        }
        signer = std::make_shared<const ProxyTokenSigner>(std::move(*loaded_signer));
    }

    // Signals are taken by this thread alone (sigwait below): blocked before the shards start,
    // so their threads inherit the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    tern::sig::net::ServerOptions options;
    options.shards = shard_count(config.threads);
    if (options.shards > 1 && config.node_id > tern::sig::ShardNodes::kMaxNodeId) {
        // Each shard numbers its sessions as a node of its own (docs/signaling.md, "Shards").
        if (config.threads > 1) {
            log.error("node_id is over 1023 with more than one thread: set threads = 1 or a "
                      "smaller node_id",
                      {{"node_id", config.node_id}, {"threads", config.threads}});
            return 1;
        }
        log.warn("node_id is over 1023: one thread only (a smaller node_id allows one per CPU)",
                 {{"node_id", config.node_id}});
        options.shards = 1;
    }
    if (config.backend.enabled) {
        use_embedded_backend(config, options);
        log.info("embedded backend on", {{"database", config.backend.database},
                                         {"url", config.backends.back().entry.url}});
    }
    if (!config.web_root.empty()) {
        auto web = tern::sig::net::StaticFiles::load(config.web_root);
        if (web) {
            options.web = std::make_shared<const tern::sig::net::StaticFiles>(std::move(*web));
            log.info("web client", {{"root", config.web_root}});
        } else {
            // The API and the signaling serve on without it; "/" says what is missing.
            options.web_unavailable = web.error();
            log.error("web client not served", {{"err", web.error()}});
        }
    }
    options.features = advertised_features(config);
    options.stop_grace = std::chrono::milliseconds(config.shutdown_grace_ms);
    std::unique_ptr<tern::sig::net::Server> server;
    try {
        server = std::make_unique<tern::sig::net::Server>(
            config, options,
            [&config, signer, shards = options.shards,
             publishers = shards_publishers(options.shards),
             room_sessions =
                 options.shards > 1 ? std::make_shared<tern::sig::RoomSessionDirectory>() : nullptr,
             hello_rate = std::make_shared<tern::sig::SharedHelloRate>(
                 config.limits.hellos_per_second, config.limits.hello_burst,
                 config.limits.tracked_addresses),
             brute_force = std::make_shared<tern::sig::SharedBruteForce>()](unsigned shard) {
                return make_handler(config, shard, shards, signer, publishers, room_sessions,
                                    hello_rate, brute_force);
            },
            log);
        if (auto started = server->start(); !started) {
            log.error("cannot start", {{"err", started.error()}});
            return 1;
        }
    } catch (const std::exception& e) {
        log.error("cannot start", {{"err", e.what()}});
        return 1;
    }
    log.info("started", {{"version", std::string(tern::sig::api::kServerVersion)},
                         {"shards", options.shards}});

    for (;;) {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0) {
            continue;
        }
        if (sig == SIGHUP) {
            server->reload_certificate();
            continue;
        }
        log.info("stopping", {{"signal", std::string(strsignal(sig))}});
        break;
    }
    // Graceful: no more accepts, every client told (1012) after its queue drained, at most
    // [tern] shutdown_grace_ms; then exit 0 either way (what was cut is logged).
    server->stop();
    return 0;
}

int main(int argc, char** argv) {
    // What escapes run() is a bug or an exhausted resource: said once, with a failing status.
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tern-signaling: fatal: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "tern-signaling: fatal: unknown exception\n");
    }
    return 1;
}
