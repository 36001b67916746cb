#include "signaling_load/client_frames.hpp"

namespace tern::perf::sigload {

void append_masked_frame(std::string& out, uint8_t opcode, std::string_view payload,
                         uint32_t mask) {
    const std::size_t n = payload.size();
    out.push_back(static_cast<char>(0x80 | opcode));
    if (n < 126) {
        out.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xFFFF) {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xFF));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((static_cast<uint64_t>(n) >> shift) & 0xFF));
        }
    }
    const char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16),
                         static_cast<char>(mask >> 8), static_cast<char>(mask)};
    out.append(key, 4);
    const std::size_t at = out.size();
    out.append(payload);
    for (std::size_t i = 0; i < n; ++i) {
        out[at + i] = static_cast<char>(out[at + i] ^ key[i & 3]);
    }
}

ServerFrame next_server_frame(std::string_view in) {
    ServerFrame f;
    if (in.size() < 2) {
        return f;
    }
    const auto b0 = static_cast<uint8_t>(in[0]);
    const auto b1 = static_cast<uint8_t>(in[1]);
    if ((b0 & 0x80) == 0 || (b0 & 0x70) != 0 || (b1 & 0x80) != 0) {
        f.kind = ServerFrame::Kind::Bad;
        f.why = (b1 & 0x80) != 0 ? "a masked server frame" : "a fragmented or extended frame";
        return f;
    }
    std::size_t header = 2;
    uint64_t len = b1 & 0x7F;
    if (len == 126) {
        if (in.size() < 4) {
            return f;
        }
        len =
            (static_cast<uint64_t>(static_cast<uint8_t>(in[2])) << 8) | static_cast<uint8_t>(in[3]);
        header = 4;
    } else if (len == 127) {
        if (in.size() < 10) {
            return f;
        }
        len = 0;
        for (std::size_t i = 2; i < 10; ++i) {
            len = (len << 8) | static_cast<uint8_t>(in[i]);
        }
        header = 10;
    }
    if (in.size() - header < len) {
        return f;
    }
    f.kind = ServerFrame::Kind::Frame;
    f.opcode = b0 & 0x0F;
    f.payload = in.substr(header, static_cast<std::size_t>(len));
    f.consumed = header + static_cast<std::size_t>(len);
    return f;
}

std::string upgrade_request(std::string_view host, std::string_view path) {
    std::string r = "GET ";
    r.append(path);
    r += " HTTP/1.1\r\nHost: ";
    r.append(host);
    // A fixed key: the accept value is not checked here (the status line is).
    r += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    return r;
}

}  // namespace tern::perf::sigload
