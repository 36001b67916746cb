// The client WebSocket on /spreed (§1), on tern's own framing (ws_frame_reader, ws_handshake):
// the upgrade answered with the Server and X-Spreed-Signaling-Features headers; inbound messages
// capped at api::kMaxClientFrame (a larger one is closed with 1009); text to Handler::on_text,
// binary to on_binary; pings answered; a ping every 54 s carrying the Unix time in ns; a read
// deadline (60 s, reset by any frame) and a write deadline (10 s per write); a send queue bounded
// by send_queue_bytes, beyond which the client is a slow consumer and is closed. Whatever is
// queued goes out in one gather write; reads go into a small buffer of the connection's own that
// grows only while a frame does not fit. Server shutdown closes with 1012 (service restart) after
// the queue has drained, so clients reconnect and resume. on_close is called exactly once for every
// connection that was opened, never from inside a send. One connection lives on the shard that
// accepted it and is touched by its thread only.
#pragma once

#include "signaling/hub/handler.hpp"
#include "signaling/net/connection_gate.hpp"
#include "signaling/net/http_routes.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>

namespace tern::sig::net {

class Shard;

/// Completes the upgrade `req` read from `stream` and serves the WebSocket. `slot`: its place in
/// the per-address count (ConnectionGate), given back when the connection ends.
void accept_websocket(Shard& shard, boost::beast::tcp_stream&& stream, HttpRequest&& req,
                      ClientInfo who, ConnectionGate::Slot slot = {});
/// The same over TLS; `tls` keeps the certificate the connection began with alive.
void accept_websocket(Shard& shard, boost::beast::ssl_stream<boost::beast::tcp_stream>&& stream,
                      HttpRequest&& req, ClientInfo who, ConnectionGate::Slot slot,
                      std::shared_ptr<boost::asio::ssl::context> tls);

}  // namespace tern::sig::net
