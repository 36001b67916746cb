// One accepted TCP connection until it is either a WebSocket (handed to ws_connection) or done:
// HTTP/1.1 requests, kept alive, routed by http_routes; a backend POST waits here for the
// handler's answer. Over TLS the handshake comes first, with the certificate current at accept.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>

namespace tern::sig::net {

class Shard;

void serve_http(Shard& shard, boost::asio::ip::tcp::socket socket);
void serve_https(Shard& shard, boost::asio::ip::tcp::socket socket,
                 std::shared_ptr<boost::asio::ssl::context> tls);

}  // namespace tern::sig::net
