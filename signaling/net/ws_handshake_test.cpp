#include "signaling/net/ws_handshake.hpp"

#include <catch2/catch.hpp>

using namespace tern::sig::net;
namespace http = boost::beast::http;

namespace {

HttpRequest upgrade(std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==",
                    std::string_view version = "13") {
    HttpRequest req{http::verb::get, "/spreed", 11};
    req.set(http::field::host, "example");
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::connection, "Upgrade");
    if (!key.empty()) {
        req.set("Sec-WebSocket-Key", boost::beast::string_view(key.data(), key.size()));
    }
    req.set("Sec-WebSocket-Version", boost::beast::string_view(version.data(), version.size()));
    return req;
}

}  // namespace

TEST_CASE("ws handshake: RFC 6455 §1.3 accept key", "[signaling][ws]") {
    CHECK(ws::accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("ws handshake: 101 with the accept key and Talk's headers", "[signaling][ws]") {
    const ws::HandshakeAnswer a = ws::answer_upgrade(upgrade(), "srv/1", "mcu, simulcast");
    CHECK(a.accepted);
    CHECK(a.status == 101);
    CHECK(a.response.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
    CHECK(a.response.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") !=
          std::string::npos);
    CHECK(a.response.find("Upgrade: websocket\r\n") != std::string::npos);
    CHECK(a.response.find("Server: srv/1\r\n") != std::string::npos);
    CHECK(a.response.find("X-Spreed-Signaling-Features: mcu, simulcast\r\n") != std::string::npos);
    CHECK(a.response.ends_with("\r\n\r\n"));
}

TEST_CASE("ws handshake: refusals", "[signaling][ws]") {
    const ws::HandshakeAnswer v =
        ws::answer_upgrade(upgrade("dGhlIHNhbXBsZSBub25jZQ==", "8"), "srv", "");
    CHECK_FALSE(v.accepted);
    CHECK(v.status == 426);
    CHECK(v.response.find("Sec-WebSocket-Version: 13\r\n") != std::string::npos);
    for (std::string_view key : {"", "short==", "dGhlIHNhbXBsZSBub25jZQ",
                                 "dGhlIHNhbXBsZSBub25jZ!==", "dGhlIHNhbXBsZSBub25jZQ==AA"}) {
        INFO(key);
        const ws::HandshakeAnswer a = ws::answer_upgrade(upgrade(key), "srv", "");
        CHECK_FALSE(a.accepted);
        CHECK(a.status == 400);
    }
    HttpRequest post = upgrade();
    post.method(http::verb::post);
    CHECK(ws::answer_upgrade(post, "srv", "").status == 400);
    HttpRequest old = upgrade();
    old.version(10);
    CHECK(ws::answer_upgrade(old, "srv", "").status == 400);
}
