#include "signaling/net/ws_frame_reader.hpp"

#include <simdjson.h>

#include <cstring>

namespace tern::sig::net::ws {

namespace {

bool is_control(uint8_t opcode) noexcept {
    return (opcode & 0x8U) != 0;
}

bool known_opcode(uint8_t opcode) noexcept {
    switch (static_cast<Opcode>(opcode)) {
    case Opcode::Continuation:
    case Opcode::Text:
    case Opcode::Binary:
    case Opcode::Close:
    case Opcode::Ping:
    case Opcode::Pong: return true;
    }
    return false;
}

/// XORs `data` with the 4-byte masking key (§5.3), eight bytes at a time where it can.
void unmask(uint8_t* data, std::size_t len, const uint8_t key[4]) noexcept {
    uint64_t wide = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        wide |= static_cast<uint64_t>(key[i % 4]) << (8 * i);  // little-endian, as memcpy sees it
    }
    std::size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t chunk = 0;
        std::memcpy(&chunk, data + i, 8);
        chunk ^= wide;
        std::memcpy(data + i, &chunk, 8);
    }
    for (; i < len; ++i) {
        data[i] ^= key[i % 4];
    }
}

bool valid_utf8(std::string_view s) noexcept {
    return simdjson::validate_utf8(s.data(), s.size());
}

}  // namespace

bool close_code_allowed(uint16_t code) noexcept {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

Event FrameReader::fail(uint16_t code, std::string_view why, std::size_t consumed) {
    failed_ = true;
    fail_code_ = code;
    fail_why_ = why;
    message_.clear();
    message_.shrink_to_fit();
    return Event{Event::Kind::Fail, why, code, consumed};
}

Event FrameReader::next(std::span<uint8_t> in) {
    if (failed_) {
        return Event{Event::Kind::Fail, fail_why_, fail_code_, 0};
    }
    std::size_t pos = 0;  // bytes of `in` taken so far (fragments kept in message_)
    for (;;) {
        const std::size_t have = in.size() - pos;
        if (have < 2) {
            return Event{Event::Kind::NeedMore, {}, 0, pos};
        }
        uint8_t* frame = in.data() + pos;
        const bool fin = (frame[0] & 0x80U) != 0;
        const uint8_t rsv = frame[0] & 0x70U;
        const uint8_t opcode = frame[0] & 0x0FU;
        const bool masked = (frame[1] & 0x80U) != 0;
        uint64_t len = frame[1] & 0x7FU;
        if (rsv != 0) {
            return fail(kCloseProtocolError, "reserved bits set", pos);
        }
        if (!known_opcode(opcode)) {
            return fail(kCloseProtocolError, "unknown opcode", pos);
        }
        if (!masked) {
            return fail(kCloseProtocolError, "unmasked client frame", pos);
        }
        if (is_control(opcode) && (!fin || len > 125)) {
            return fail(kCloseProtocolError, "control frame fragmented or over 125 bytes", pos);
        }
        std::size_t header = 2;
        if (len == 126) {
            if (have < 4) {
                return Event{Event::Kind::NeedMore, {}, 0, pos};
            }
            len = (static_cast<uint64_t>(frame[2]) << 8) | frame[3];
            header = 4;
        } else if (len == 127) {
            if (have < 10) {
                return Event{Event::Kind::NeedMore, {}, 0, pos};
            }
            len = 0;
            for (std::size_t i = 0; i < 8; ++i) {
                len = (len << 8) | frame[2 + i];
            }
            if ((len >> 63) != 0) {
                return fail(kCloseProtocolError, "64-bit length with its top bit set", pos);
            }
            header = 10;
        }
        // Data frames: the message so far plus this frame must fit, known before the bytes come.
        if (!is_control(opcode)) {
            const bool continuation = opcode == static_cast<uint8_t>(Opcode::Continuation);
            if (continuation != in_message_) {
                return fail(kCloseProtocolError,
                            continuation ? "continuation with no message begun"
                                         : "new message inside a fragmented one",
                            pos);
            }
            if (len > max_message_ || message_.size() + len > max_message_) {
                return fail(kCloseTooBig, "message over the limit", pos);
            }
        }
        const uint8_t* key = frame + header;
        header += 4;
        if (have < header || have - header < len) {
            return Event{Event::Kind::NeedMore, {}, 0, pos};
        }
        uint8_t* payload = frame + header;
        const auto n = static_cast<std::size_t>(len);
        unmask(payload, n, key);
        pos += header + n;
        const std::string_view body(reinterpret_cast<const char*>(payload), n);

        switch (static_cast<Opcode>(opcode)) {
        case Opcode::Ping: return Event{Event::Kind::Ping, body, 0, pos};
        case Opcode::Pong: return Event{Event::Kind::Pong, body, 0, pos};
        case Opcode::Close: {
            if (n == 1) {
                return fail(kCloseProtocolError, "close frame of one byte", pos);
            }
            if (n == 0) {
                return Event{Event::Kind::Close, {}, kCloseNoStatus, pos};
            }
            const auto code = static_cast<uint16_t>((payload[0] << 8) | payload[1]);
            if (!close_code_allowed(code)) {
                return fail(kCloseProtocolError, "close status not allowed", pos);
            }
            const std::string_view reason = body.substr(2);
            if (!valid_utf8(reason)) {
                return fail(kCloseInvalidPayload, "close reason is not UTF-8", pos);
            }
            return Event{Event::Kind::Close, reason, code, pos};
        }
        case Opcode::Text:
        case Opcode::Binary:
            if (fin) {  // the whole message in one frame: handed out where it lies
                const bool text = opcode == static_cast<uint8_t>(Opcode::Text);
                if (text && !valid_utf8(body)) {
                    return fail(kCloseInvalidPayload, "text message is not UTF-8", pos);
                }
                return Event{text ? Event::Kind::Text : Event::Kind::Binary, body, 0, pos};
            }
            in_message_ = true;
            message_text_ = opcode == static_cast<uint8_t>(Opcode::Text);
            message_.assign(body);
            continue;
        case Opcode::Continuation:
            message_.append(body);
            if (!fin) {
                continue;
            }
            in_message_ = false;
            if (message_text_ && !valid_utf8(message_)) {
                return fail(kCloseInvalidPayload, "text message is not UTF-8", pos);
            }
            return Event{message_text_ ? Event::Kind::Text : Event::Kind::Binary, message_, 0, pos};
        }
        return fail(kCloseProtocolError, "unknown opcode", pos);  // known_opcode() excluded it
    }
}

std::size_t write_frame_header(uint8_t* out, Opcode op, std::size_t len) noexcept {
    out[0] = static_cast<uint8_t>(0x80U | static_cast<uint8_t>(op));
    if (len < 126) {
        out[1] = static_cast<uint8_t>(len);
        return 2;
    }
    if (len <= 0xFFFF) {
        out[1] = 126;
        out[2] = static_cast<uint8_t>(len >> 8);
        out[3] = static_cast<uint8_t>(len);
        return 4;
    }
    out[1] = 127;
    const auto wide = static_cast<uint64_t>(len);
    for (std::size_t i = 0; i < 8; ++i) {
        out[2 + i] = static_cast<uint8_t>(wide >> (8 * (7 - i)));
    }
    return 10;
}

}  // namespace tern::sig::net::ws
