// The load generator's client framing against RFC 6455 §5.7's examples: a masked "Hello" as a
// client sends it, the server's unmasked frames read back (short, 16-bit and 64-bit lengths),
// partial input, and what a server must not send.
#include "signaling_load/client_frames.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tern::perf::sigload;

namespace {

std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int v : b) {
        s.push_back(static_cast<char>(v));
    }
    return s;
}

}  // namespace

TEST_CASE("client frames: RFC 6455 5.7 masked Hello", "[perf]") {
    std::string out;
    append_masked_frame(out, kOpText, "Hello", 0x37fa213d);
    CHECK(out == bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
    // Lengths of 126 and more take the 16-bit form, past 65535 the 64-bit one.
    std::string mid;
    append_masked_frame(mid, kOpText, std::string(256, 'x'), 0);
    CHECK(mid.substr(0, 4) == bytes({0x81, 0xFE, 0x01, 0x00}));
    CHECK(mid.size() == 4 + 4 + 256);
    std::string big;
    append_masked_frame(big, kOpText, std::string(65536, 'x'), 0);
    CHECK(big.substr(0, 10) == bytes({0x81, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0}));
}

TEST_CASE("client frames: the server's frames, whole and partial", "[perf]") {
    const std::string hello = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
    const std::string ping = bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
    const std::string two = hello + ping;
    ServerFrame f = next_server_frame(two);
    REQUIRE(f.kind == ServerFrame::Kind::Frame);
    CHECK(f.opcode == kOpText);
    CHECK(f.payload == "Hello");
    CHECK(f.consumed == 7);
    f = next_server_frame(std::string_view(two).substr(7));
    REQUIRE(f.kind == ServerFrame::Kind::Frame);
    CHECK(f.opcode == kOpPing);
    for (std::size_t n = 0; n < hello.size(); ++n) {
        CHECK(next_server_frame(std::string_view(hello).substr(0, n)).kind ==
              ServerFrame::Kind::NeedMore);
    }
    const std::string mid = bytes({0x82, 0x7E, 0x01, 0x00}) + std::string(256, 'y');
    f = next_server_frame(mid);
    REQUIRE(f.kind == ServerFrame::Kind::Frame);
    CHECK(f.payload.size() == 256);
    const std::string big = bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}) + std::string(65536, 'z');
    f = next_server_frame(big);
    REQUIRE(f.kind == ServerFrame::Kind::Frame);
    CHECK(f.payload.size() == 65536);
    CHECK(next_server_frame(std::string_view(big).substr(0, 9)).kind ==
          ServerFrame::Kind::NeedMore);
    // A masked or fragmented server frame is not read.
    CHECK(next_server_frame(bytes({0x81, 0x85, 1, 2, 3, 4, 0, 0, 0, 0, 0})).kind ==
          ServerFrame::Kind::Bad);
    CHECK(next_server_frame(bytes({0x01, 0x03, 0x48, 0x65, 0x6c})).kind == ServerFrame::Kind::Bad);
}

TEST_CASE("client frames: the upgrade request", "[perf]") {
    const std::string r = upgrade_request("127.0.0.1:8080", "/spreed");
    CHECK(r.starts_with("GET /spreed HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"));
    CHECK(r.find("Upgrade: websocket\r\n") != std::string::npos);
    CHECK(r.find("Sec-WebSocket-Version: 13\r\n") != std::string::npos);
    CHECK(r.ends_with("\r\n\r\n"));
}
