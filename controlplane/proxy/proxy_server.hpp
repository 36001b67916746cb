// The MCU proxy protocol server (Nextcloud Talk's standalone signaling server, `[mcu] type =
// proxy`): a WebSocket on /proxy, JSON messages hello / command / payload / bye, events back.
// `GET /welcome` answers like the stock proxy so health checks work unchanged; `GET /metrics`
// gives loopback peers the control plane's figures in Prometheus' text format.
//
// Sessions: a signaling server says hello with a JWT (RS256/384/512) whose `iss` names one of
// the configured token keys, and gets a session id; when its WebSocket drops it may resume the
// session with `resumeid` within session_timeout_s, after which its publishers and subscribers
// are deleted. Commands create and delete publishers and subscribers (MediaSessions); payloads
// carry SDP and candidates; events report ICE completion, closed clients and the load. Requests
// are read into typed structs by proxy_requests.hpp; MediaSessions' refusals (ClientError)
// become the protocol's error messages here, in answer().
#pragma once

#include "common/config.hpp"
#include "common/log.hpp"
#include "controlplane/metrics/readiness.hpp"
#include "controlplane/proxy/jwt.hpp"
#include "controlplane/webrtc/media_sessions.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tern::cp {

class ProxyServer {
public:
    class Connection;  // one WebSocket (or one HTTP request), over TCP or TLS

    ProxyServer(boost::asio::io_context& io, const Config& config, const Logger& log,
                MediaSessions& media);
    ~ProxyServer();
    ProxyServer(const ProxyServer&) = delete;
    ProxyServer& operator=(const ProxyServer&) = delete;

    /// Loads the token keys and starts listening (ws:// on `listen`, wss:// on `tls_listen`);
    /// the error says which key, certificate or address failed.
    Result<bool, std::string> start();

    /// Session expiry and load updates (call about every 100 ms).
    void tick(uint64_t now_ms);

    // From MediaSessions.
    void ice_completed(const std::string& owner, const std::string& client_id);
    void client_closed(const std::string& owner, const std::string& client_id, bool publisher);

    [[nodiscard]] nlohmann::json stats() const;

    /// GET /metrics on the proxy's listeners answers with `source()` (Prometheus' text format).
    void set_metrics(std::function<std::string()> source) { metrics_ = std::move(source); }
    /// GET /readyz answers from `source()`: 200 when ready, else 503 with the reason.
    void set_readiness(std::function<metrics::Readiness()> source) {
        readiness_ = std::move(source);
    }
    /// Ready when no source was set (nothing to wait for).
    [[nodiscard]] metrics::Readiness readiness() const {
        return readiness_ ? readiness_() : metrics::Readiness{true, {}};
    }
    /// The metrics text for a scrape from `peer`, or nullopt when it may not scrape: only
    /// loopback peers may (a collector on the host, or a reverse proxy in front of it).
    [[nodiscard]] std::optional<std::string>
    metrics_for(const boost::asio::ip::address& peer) const;

    // For connections.
    void on_message(const std::shared_ptr<Connection>& conn, const std::string& text);
    void on_closed(Connection& conn);
    /// `conn` stopped reading with `queued` bytes waiting for it: it is being closed.
    void on_slow_client(Connection& conn, std::size_t queued);

private:
    std::function<std::string()> metrics_;
    std::function<metrics::Readiness()> readiness_;
    struct Session {
        std::string id;
        std::string issuer;
        std::weak_ptr<Connection> conn;
        uint64_t detached_ms = 0;  // when its connection went away (0: connected)
        uint64_t last_load = UINT64_MAX;
    };

    Result<bool, std::string> listen(const std::string& where, bool tls);
    void accept(boost::asio::ip::tcp::acceptor& acceptor, bool tls);
    /// What a command or payload is answered with: the object under the reply's "command" or
    /// "payload" key; `load_changed`: an update-load may follow.
    struct Answer {
        nlohmann::json body;
        bool load_changed = false;
    };
    void hello(const std::shared_ptr<Connection>& conn, const nlohmann::json& msg);
    /// Requests are read by proxy_requests.hpp and carried out by MediaSessions.
    Result<Answer, ClientError> command(Session& s, const nlohmann::json& command);
    Result<Answer, ClientError> payload(const nlohmann::json& payload);
    /// Sends `result` to `conn` as the reply to `request` (`kind`: "command" or "payload"), or
    /// its error as the protocol's error message.
    void answer(Session& s, Connection& conn, const nlohmann::json& request, const char* kind,
                const Result<Answer, ClientError>& result);
    void send_to_owner(const std::string& owner, const nlohmann::json& msg);
    void send_load(Session& s, bool force);
    /// Hands the session list to MediaSessions, which saves it with the clients.
    void persist();
    static nlohmann::json error(const nlohmann::json& request, const std::string& code,
                                const std::string& message);

    boost::asio::io_context& io_;
    const Config& cfg_;
    const Logger& log_;
    MediaSessions& media_;
    TokenKeys keys_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
    std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
    std::map<std::string, Session> sessions_;
    uint64_t now_ms_ = 0;
    uint64_t last_load_ms_ = 0;
    struct Counts {
        uint64_t connections = 0, hellos = 0, auth_failures = 0, resumes = 0, expired = 0,
                 messages = 0, errors = 0, slow_clients = 0;
    } n_;
};

}  // namespace tern::cp
