#include "signaling/net/ws_frame_reader.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace tern::sig::net::ws;
using Kind = Event::Kind;

namespace {

using Bytes = std::vector<uint8_t>;

/// A client frame: `first` is the first byte (FIN, RSV, opcode), the payload masked with `key`.
Bytes client_frame(uint8_t first, std::string_view payload, uint32_t key = 0x37fa213d,
                   bool masked = true) {
    Bytes f{first};
    const uint8_t mask_bit = masked ? 0x80 : 0x00;
    if (payload.size() < 126) {
        f.push_back(static_cast<uint8_t>(mask_bit | payload.size()));
    } else if (payload.size() <= 0xFFFF) {
        f.push_back(mask_bit | 126);
        f.push_back(static_cast<uint8_t>(payload.size() >> 8));
        f.push_back(static_cast<uint8_t>(payload.size()));
    } else {
        f.push_back(mask_bit | 127);
        for (int i = 7; i >= 0; --i) {
            f.push_back(static_cast<uint8_t>(static_cast<uint64_t>(payload.size()) >> (8 * i)));
        }
    }
    const uint8_t k[4] = {static_cast<uint8_t>(key >> 24), static_cast<uint8_t>(key >> 16),
                          static_cast<uint8_t>(key >> 8), static_cast<uint8_t>(key)};
    if (masked) {
        f.insert(f.end(), k, k + 4);
    }
    for (std::size_t i = 0; i < payload.size(); ++i) {
        f.push_back(static_cast<uint8_t>(payload[i]) ^ (masked ? k[i % 4] : 0));
    }
    return f;
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes all;
    for (const Bytes& p : parts) {
        all.insert(all.end(), p.begin(), p.end());
    }
    return all;
}

}  // namespace

TEST_CASE("ws frames: RFC 6455 §5.7 masked text 'Hello'", "[signaling][ws]") {
    Bytes in{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    FrameReader r(64 * 1024);
    const Event e = r.next(in);
    CHECK(e.kind == Kind::Text);
    CHECK(e.payload == "Hello");
    CHECK(e.consumed == in.size());
    CHECK(r.next(std::span<uint8_t>(in).subspan(e.consumed)).kind == Kind::NeedMore);
}

TEST_CASE("ws frames: §5.7 masked pong, ping, 256-byte and 64 KiB binary", "[signaling][ws]") {
    FrameReader r(64 * 1024);
    Bytes pong{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    Event e = r.next(pong);
    CHECK(e.kind == Kind::Pong);
    CHECK(e.payload == "Hello");

    Bytes ping = client_frame(0x89, "Hello");
    e = r.next(ping);
    CHECK(e.kind == Kind::Ping);
    CHECK(e.payload == "Hello");

    const std::string b256(256, 'x');
    Bytes bin = client_frame(0x82, b256);
    CHECK(bin[1] == (0x80 | 126));
    e = r.next(bin);
    CHECK(e.kind == Kind::Binary);
    CHECK(e.payload == b256);

    const std::string b64k(65536, 'y');
    Bytes big = client_frame(0x82, b64k);
    CHECK(big[1] == (0x80 | 127));
    e = r.next(big);
    CHECK(e.kind == Kind::Binary);
    CHECK(e.payload.size() == 65536);
}

TEST_CASE("ws frames: fragments put together, a ping between them", "[signaling][ws]") {
    Bytes in = cat({client_frame(0x01, "Hel"), client_frame(0x89, "p"), client_frame(0x80, "lo")});
    FrameReader r(64 * 1024);
    Event e = r.next(in);
    CHECK(e.kind == Kind::Ping);
    CHECK(e.payload == "p");
    CHECK(r.in_message());
    std::size_t used = e.consumed;
    e = r.next(std::span<uint8_t>(in).subspan(used));
    CHECK(e.kind == Kind::Text);
    CHECK(e.payload == "Hello");
    used += e.consumed;
    CHECK(used == in.size());
    CHECK_FALSE(r.in_message());
}

TEST_CASE("ws frames: bytes arriving one at a time", "[signaling][ws]") {
    Bytes in = cat({client_frame(0x81, std::string(300, 'a')), client_frame(0x01, "ab"),
                    client_frame(0x80, "cd"),
                    client_frame(0x88, "\x03\xe8"
                                       "bye")});
    FrameReader r(64 * 1024);
    std::vector<std::string> got;
    Bytes buf;
    for (uint8_t b : in) {
        buf.push_back(b);
        for (;;) {
            const Event e = r.next(buf);
            buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(e.consumed));
            if (e.kind == Kind::NeedMore) {
                break;
            }
            REQUIRE(e.kind != Kind::Fail);
            got.push_back(std::to_string(static_cast<int>(e.kind)) + ":" + std::string(e.payload) +
                          (e.kind == Kind::Close ? ":" + std::to_string(e.code) : ""));
        }
    }
    REQUIRE(got.size() == 3);
    CHECK(got[0] == "1:" + std::string(300, 'a'));
    CHECK(got[1] == "1:abcd");
    CHECK(got[2] == "5:bye:1000");
    CHECK(buf.empty());
}

TEST_CASE("ws frames: close with and without a status", "[signaling][ws]") {
    FrameReader r(1024);
    Bytes empty = client_frame(0x88, "");
    Event e = r.next(empty);
    CHECK(e.kind == Kind::Close);
    CHECK(e.code == kCloseNoStatus);
    Bytes going = client_frame(0x88, "\x03\xe9");
    e = r.next(going);
    CHECK(e.kind == Kind::Close);
    CHECK(e.code == 1001);
    CHECK(e.payload.empty());
}

TEST_CASE("ws frames: what a server refuses, with its close status", "[signaling][ws]") {
    struct Case {
        const char* what;
        Bytes in;
        uint16_t code;
    };
    const std::string over(1025, 'z');
    std::vector<Case> cases = {
        {"unmasked", client_frame(0x81, "hi", 0, false), kCloseProtocolError},
        {"RSV1 set", client_frame(0xC1, "hi"), kCloseProtocolError},
        {"RSV3 set", client_frame(0x91, "hi"), kCloseProtocolError},
        {"opcode 3", client_frame(0x83, "hi"), kCloseProtocolError},
        {"opcode 0xB", client_frame(0x8B, ""), kCloseProtocolError},
        {"fragmented ping", client_frame(0x09, "hi"), kCloseProtocolError},
        {"ping of 126 bytes", client_frame(0x89, std::string(126, 'p')), kCloseProtocolError},
        {"continuation first", client_frame(0x80, "hi"), kCloseProtocolError},
        {"text inside a message", cat({client_frame(0x01, "a"), client_frame(0x81, "b")}),
         kCloseProtocolError},
        {"close of one byte", client_frame(0x88, "\x03"), kCloseProtocolError},
        {"close 1005", client_frame(0x88, "\x03\xed"), kCloseProtocolError},
        {"close 999", client_frame(0x88, "\x03\xe7"), kCloseProtocolError},
        {"close 2000", client_frame(0x88, "\x07\xd0"), kCloseProtocolError},
        {"close 5000", client_frame(0x88, "\x13\x88"), kCloseProtocolError},
        {"close reason not UTF-8", client_frame(0x88, "\x03\xe8\xff"), kCloseInvalidPayload},
        {"text not UTF-8", client_frame(0x81, "\xc3\x28"), kCloseInvalidPayload},
        {"fragmented text not UTF-8",
         cat({client_frame(0x01, "\xe2\x82"), client_frame(0x80, "\x28")}), kCloseInvalidPayload},
        {"message over the limit", client_frame(0x81, over), kCloseTooBig},
        {"fragments over the limit",
         cat({client_frame(0x01, std::string(600, 'a')),
              client_frame(0x80, std::string(600, 'b'))}),
         kCloseTooBig},
    };
    for (Case& c : cases) {
        INFO(c.what);
        FrameReader r(1024);
        Event e;
        std::size_t used = 0;
        do {
            e = r.next(std::span<uint8_t>(c.in).subspan(used));
            used += e.consumed;
        } while (e.kind != Kind::Fail && e.kind != Kind::NeedMore);
        CHECK(e.kind == Kind::Fail);
        CHECK(e.code == c.code);
        CHECK(r.next(c.in).kind == Kind::Fail);  // failed for good
    }
}

TEST_CASE("ws frames: a too long message is refused from its header alone", "[signaling][ws]") {
    Bytes head{0x81, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4};  // 65536 bytes announced
    FrameReader r(64 * 1024 - 1);
    const Event e = r.next(head);
    CHECK(e.kind == Kind::Fail);
    CHECK(e.code == kCloseTooBig);
    Bytes top{0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0};
    FrameReader r2(64 * 1024);
    CHECK(r2.next(top).code == kCloseProtocolError);
}

TEST_CASE("ws frames: server headers for every length form", "[signaling][ws]") {
    uint8_t h[10];
    CHECK(write_frame_header(h, Opcode::Text, 5) == 2);
    CHECK(h[0] == 0x81);
    CHECK(h[1] == 5);
    CHECK(write_frame_header(h, Opcode::Binary, 256) == 4);
    CHECK((h[0] == 0x82 && h[1] == 126 && h[2] == 1 && h[3] == 0));
    CHECK(write_frame_header(h, Opcode::Text, 65536) == 10);
    CHECK((h[1] == 127 && h[7] == 1 && h[8] == 0 && h[9] == 0));
    CHECK(write_frame_header(h, Opcode::Close, 2) == 2);
    CHECK(h[0] == 0x88);
}

TEST_CASE("ws frames: close statuses a peer may send", "[signaling][ws]") {
    for (uint16_t ok : {1000, 1001, 1002, 1003, 1007, 1011, 1012, 1014, 3000, 4999}) {
        CHECK(close_code_allowed(ok));
    }
    for (uint16_t bad : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
        CHECK_FALSE(close_code_allowed(bad));
    }
}
