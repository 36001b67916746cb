#pragma once
// The client side of WebSocket framing (RFC 6455 §5) for the load generator: frames masked as a
// client's must be, written into one buffer so that a session sends everything it has queued in
// one system call, and the server's frames (never masked) read from the bytes a recv brought,
// all of them at once. Beast's stream costs a coroutine resumption and a write per frame, which
// made the load processes saturate their core before the server under test did.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::perf::sigload {

inline constexpr uint8_t kOpText = 0x1;
inline constexpr uint8_t kOpClose = 0x8;
inline constexpr uint8_t kOpPing = 0x9;
inline constexpr uint8_t kOpPong = 0xA;

/// Appends one final frame of `opcode` carrying `payload`, masked with `mask`.
void append_masked_frame(std::string& out, uint8_t opcode, std::string_view payload, uint32_t mask);

/// One frame from the server at the front of `in`.
struct ServerFrame {
    enum class Kind : uint8_t { NeedMore, Frame, Bad } kind = Kind::NeedMore;
    uint8_t opcode = 0;
    std::string_view payload;  // into `in`
    std::size_t consumed = 0;
    const char* why = "";  // for Bad
};

/// Reads the frame at the front of `in`: unfragmented and unmasked, as both servers send theirs;
/// anything else is Bad (the session counts it and ends).
ServerFrame next_server_frame(std::string_view in);

/// The opening handshake's request for `path` on `host`.
std::string upgrade_request(std::string_view host, std::string_view path);

}  // namespace tern::perf::sigload
