// One accepted TCP connection until it is either a WebSocket (handed to ws_connection) or done:
// HTTP/1.1 requests, kept alive, routed by http_routes; a backend POST waits here for the
// handler's answer. Over TLS the handshake comes first, with the certificate current at accept.
//
// [limits] connections_per_ip: a peer that is not a trusted proxy went through the ConnectionGate
// at accept (`gated` holds its slot, empty when exempt or uncounted), and a WebSocket it opens
// keeps that slot. A trusted proxy's connections (`gated` nullopt) are counted only when they
// upgrade, by the client address its headers name; over the limit that upgrade gets 429.
#pragma once

#include "signaling/net/connection_gate.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>
#include <string>

namespace tern::sig::net {

class Shard;

void serve_http(Shard& shard, boost::asio::ip::tcp::socket socket,
                std::optional<ConnectionGate::Slot> gated);
void serve_https(Shard& shard, boost::asio::ip::tcp::socket socket,
                 std::shared_ptr<boost::asio::ssl::context> tls,
                 std::optional<ConnectionGate::Slot> gated);

/// The peer's address as text, an IPv4-mapped IPv6 address as IPv4; "" when unknown.
std::string peer_address(const boost::asio::ip::tcp::socket& socket);

}  // namespace tern::sig::net
