// TURN over TCP and TLS (RFC 8656 §3.1) for the data plane's TURN server. The control plane
// owns the kernel sockets (reached through the exception path, so the host keeps one address):
// it accepts, terminates TLS, frames STUN and ChannelData out of the byte stream and hands each
// message to a worker lcore on its inject ring. The lcore treats the connection as the
// client's transport: answers and relayed data come back on its punt ring and are written to
// the connection here, while traffic to peers leaves the data plane as UDP, as for any client.
//
// One connection is one 5-tuple and owns at most one allocation; when it closes the lcore is
// told and frees the allocation (§3.1). Single-threaded: everything runs on the control plane's
// io_context thread.
#pragma once

#include "common/config.hpp"
#include "common/log.hpp"
#include "common/shm/messages.hpp"
#include "controlplane/dp_client/dp_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace tern::cp {

class TurnStreamServer {
public:
    struct Counters {
        uint64_t accepted = 0;
        uint64_t closed = 0;
        uint64_t refused = 0;  // no data plane, not one of our addresses, or too many connections
        uint64_t tls_handshake_failures = 0;
        uint64_t framing_errors = 0;  // neither STUN nor ChannelData: the connection is closed
        uint64_t idle_closed = 0;
        uint64_t messages_in = 0;
        uint64_t bytes_in = 0;
        uint64_t messages_out = 0;
        uint64_t bytes_out = 0;
        uint64_t inject_full = 0;         // times a connection waited for room on an inject ring
        uint64_t slow_client_drops = 0;   // messages dropped because a client's send queue was full
        uint64_t unknown_connection = 0;  // punted messages for a connection already gone
    };

    /// Opens the listeners of `cfg.dataplane.turn` (tcp_ports, tls_ports); throws with a
    /// message naming the port when one cannot be opened.
    TurnStreamServer(boost::asio::io_context& io, const Config& cfg, Logger& log);
    ~TurnStreamServer();
    TurnStreamServer(const TurnStreamServer&) = delete;
    TurnStreamServer& operator=(const TurnStreamServer&) = delete;

    /// A data plane was attached: every worker frees the allocations of connections a previous
    /// control plane held (the caller discards what it left on the punt rings).
    void attach(DataplaneClient& dp);
    /// The data plane went away, and with it every allocation: connections are closed.
    void detach();

    /// Moves punted messages to their connections and retries what waited for ring space.
    /// Returns true when anything moved (the caller polls again soon).
    bool pump(uint64_t now_ns);
    /// A punted TurnStreamData message (the caller drains the punt rings); true when delivered.
    bool on_punt(const shm::RingMessage& m);
    /// True while connections exchanged messages lately: the caller polls the rings often.
    [[nodiscard]] bool active(uint64_t now_ns) const noexcept {
        return now_ns - last_activity_ns_ < 200'000'000ULL;
    }

    [[nodiscard]] nlohmann::json stats() const;
    [[nodiscard]] std::size_t open_connections() const noexcept { return conns_.size(); }
    /// The port listener `i` (tcp_ports, then tls_ports, in order) is bound to (tests bind 0).
    [[nodiscard]] uint16_t listen_port_for_test(std::size_t i) const;

private:
    class Connection;
    template <class Stream>
    class Session;
    friend class Connection;

    struct Listener;
    void open_listener(uint16_t port, bool tls);
    void accept_next(Listener& l);
    void on_accept(Listener& l, boost::asio::ip::tcp::socket sock);

    /// Frames what `c` has buffered and pushes it to its worker; false when the ring is full
    /// (the connection then waits in paused_).
    bool forward(Connection& c);
    void on_closed(Connection& c);
    bool push_close(const shm::StreamMeta& meta);

    boost::asio::io_context& io_;
    const Config& cfg_;
    Logger& log_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    struct LocalAddress {
        boost::asio::ip::address addr;
        uint16_t port_index;
    };
    std::vector<LocalAddress> addresses_;  // the data plane's addresses, by port
    DataplaneClient* dp_ = nullptr;        // borrowed while attached
    std::unordered_map<uint64_t, std::shared_ptr<Connection>> conns_;
    std::vector<uint64_t> paused_;                // connections waiting for inject ring room
    std::vector<shm::StreamMeta> pending_close_;  // close notices waiting for ring room
    uint64_t next_id_;
    uint64_t last_activity_ns_ = 0;
    uint64_t last_sweep_ns_ = 0;
    uint64_t last_pump_ns_ = 0;
    Counters n_;
};

}  // namespace tern::cp
