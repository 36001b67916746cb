#include "signaling/net/ws_handshake.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>

namespace tern::sig::net::ws {

namespace {

namespace http = boost::beast::http;

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string base64(const unsigned char* data, std::size_t len) {
    std::string out(4 * ((len + 2) / 3), '\0');
    const int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

/// Whether `key` is base64 (with padding) of exactly 16 bytes: 22 characters and "==".
bool key_well_formed(std::string_view key) {
    if (key.size() != 24 || key[22] != '=' || key[23] != '=') {
        return false;
    }
    for (std::size_t i = 0; i < 22; ++i) {
        const char c = key[i];
        const bool alnum =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '+' && c != '/') {
            return false;
        }
    }
    return true;
}

HandshakeAnswer refuse(unsigned status, std::string_view reason, std::string_view body,
                       std::string_view server, bool name_version) {
    std::string r = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
    r += "Server: " + std::string(server) + "\r\n";
    if (name_version) {
        r += "Sec-WebSocket-Version: 13\r\n";
    }
    r += "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n";
    r += body;
    return HandshakeAnswer{false, status, std::move(r)};
}

}  // namespace

std::string accept_key(std::string_view client_key) {
    std::string joined(client_key);
    joined += kGuid;
    std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
    SHA1(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), digest.data());
    return base64(digest.data(), digest.size());
}

HandshakeAnswer answer_upgrade(const HttpRequest& req, std::string_view server,
                               std::string_view features) {
    if (req.method() != http::verb::get || req.version() < 11) {
        return refuse(400, "Bad Request", "a WebSocket upgrade is a GET over HTTP/1.1\n", server,
                      false);
    }
    if (header_value(req, "Sec-WebSocket-Version") != "13") {
        return refuse(426, "Upgrade Required", "Sec-WebSocket-Version must be 13\n", server, true);
    }
    const std::string_view key = header_value(req, "Sec-WebSocket-Key");
    if (!key_well_formed(key)) {
        return refuse(400, "Bad Request", "Sec-WebSocket-Key must be 16 bytes in base64\n", server,
                      false);
    }
    std::string r = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Accept: ";
    r += accept_key(key);
    r += "\r\nServer: ";
    r += server;
    r += "\r\nX-Spreed-Signaling-Features: ";
    r += features;
    r += "\r\n\r\n";
    return HandshakeAnswer{true, 101, std::move(r)};
}

}  // namespace tern::sig::net::ws
