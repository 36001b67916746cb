// The server's side of the WebSocket opening handshake (RFC 6455 §4.2): checks the client's
// upgrade request and writes the answer: 101 with Sec-WebSocket-Accept (and the Server and
// X-Spreed-Signaling-Features headers Talk's clients read), or the refusal §4.2.2 asks for.
// No extension and no subprotocol is agreed: frames carry neither. Pure; ws_connection writes it.
#pragma once

#include "signaling/net/http_routes.hpp"

#include <string>
#include <string_view>

namespace tern::sig::net::ws {

struct HandshakeAnswer {
    bool accepted = false;
    unsigned status = 0;   // 101, or 400 / 426 refused
    std::string response;  // the whole HTTP response, head (and a short body when refused)
};

/// Sec-WebSocket-Accept for `client_key`: base64(SHA-1(key + the protocol's GUID)) (§1.3).
std::string accept_key(std::string_view client_key);

/// The answer to `req`, an upgrade (beast::websocket::is_upgrade holds). Refused: no key, a key
/// that is not 16 bytes in base64, a method other than GET or HTTP before 1.1 (400); a
/// Sec-WebSocket-Version other than 13 (426, naming 13).
HandshakeAnswer answer_upgrade(const HttpRequest& req, std::string_view server,
                               std::string_view features);

}  // namespace tern::sig::net::ws
