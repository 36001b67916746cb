// One connection to the MCU proxy protocol server, over TCP or TLS: an HTTP request
// (`GET /welcome`) or the WebSocket on /proxy. Each transport is served from its own source
// file (proxy_connection_plain.cpp, proxy_connection_tls.cpp) so the two instantiations of
// Beast's HTTP and WebSocket code build in parallel.
#pragma once

#include "controlplane/proxy/proxy_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <nlohmann/json.hpp>
#include <string>

namespace tern::cp {

inline constexpr const char* kProxyVersion = "tern-1.0";

/// What the server needs of a connection, whatever carries it (TCP or TLS).
class ProxyServer::Connection {
public:
    virtual ~Connection() = default;
    virtual void send(const nlohmann::json& msg) = 0;
    virtual void close() = 0;
    void detach_server() { server_ = nullptr; }

    std::string session;  // the protocol session this connection speaks for (after hello)

protected:
    explicit Connection(ProxyServer& server) : server_(&server) {}
    ProxyServer* server_;
};

/// Serves an accepted socket as ws:// (and http://).
void serve_plain(ProxyServer& server, boost::asio::ip::tcp::socket socket);
/// Serves an accepted socket as wss:// (and https://): TLS handshake first.
void serve_tls(ProxyServer& server, boost::asio::ip::tcp::socket socket,
               boost::asio::ssl::context& tls);

}  // namespace tern::cp
