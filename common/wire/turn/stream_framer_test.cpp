// Framing of TURN over TCP/TLS streams: RFC 5769 messages and ChannelData back to back, split
// at every byte boundary, plus the broken streams that must close a connection.
#include "common/wire/turn/stream_framer.hpp"
#include "support/packets.hpp"
#include "support/rfc5769.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tern;
using namespace tern::wire;
using namespace tern::wire::turn;

namespace {

using test::rfc5769::kRequest;
const test::Bytes& kResponse = test::rfc5769::kResponseV4;
// ChannelData on channel 0x4001 with 5 bytes of data and the 3 bytes of stream padding.
const test::Bytes kChannelData = test::hex("4001 0005 68656c6c6f 000000");

/// Splits a stream into messages the way the listener does: append what arrived, take every
/// complete message from the front.
std::vector<test::Bytes> reassemble(const test::Bytes& stream, std::size_t chunk) {
    std::vector<test::Bytes> out;
    test::Bytes buf;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
        const std::size_t n = std::min(chunk, stream.size() - at);
        buf.insert(buf.end(), stream.begin() + static_cast<std::ptrdiff_t>(at),
                   stream.begin() + static_cast<std::ptrdiff_t>(at + n));
        for (;;) {
            auto f = next_stream_frame(buf);
            REQUIRE(f);
            if (f->message_len == 0) {
                break;
            }
            out.emplace_back(buf.begin(),
                             buf.begin() + static_cast<std::ptrdiff_t>(f->message_len));
            buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(f->consumed));
        }
    }
    CHECK(buf.empty());
    return out;
}

}  // namespace

TEST_CASE("TURN stream framing: RFC 5769 messages and padded ChannelData at any split",
          "[wire][turn]") {
    test::Bytes stream = kRequest;
    stream.insert(stream.end(), kChannelData.begin(), kChannelData.end());
    stream.insert(stream.end(), kResponse.begin(), kResponse.end());
    const test::Bytes four = test::hex("4fff 0004 01020304");  // already aligned: no padding
    stream.insert(stream.end(), four.begin(), four.end());
    for (std::size_t chunk : {1, 2, 3, 5, 7, 19, 20, 64, 1000}) {
        INFO("chunk " << chunk);
        const auto msgs = reassemble(stream, chunk);
        REQUIRE(msgs.size() == 4);
        CHECK(msgs[0] == kRequest);
        CHECK(msgs[1] == test::hex("4001 0005 68656c6c6f"));  // the padding is not part of it
        CHECK(msgs[2] == kResponse);
        CHECK(msgs[3] == four);
    }
}

TEST_CASE("TURN stream framing: incomplete input waits for more", "[wire][turn]") {
    for (std::size_t n = 0; n < kRequest.size(); ++n) {
        auto f = next_stream_frame(ByteSpan{kRequest}.first(n));
        REQUIRE(f);
        CHECK(f->message_len == 0);
    }
    // ChannelData is complete only with its padding.
    auto f = next_stream_frame(ByteSpan{kChannelData}.first(9));
    REQUIRE(f);
    CHECK(f->message_len == 0);
    f = next_stream_frame(kChannelData);
    REQUIRE(f);
    CHECK(f->message_len == 9);
    CHECK(f->consumed == 12);
}

TEST_CASE("TURN stream framing: broken streams are refused", "[wire][turn]") {
    // TLS ClientHello on the plain port, RTP, DTLS: first bits are neither STUN nor ChannelData,
    // or the STUN cookie is missing.
    auto f = next_stream_frame(test::hex("16030100a5 01"));
    REQUIRE_FALSE(f);
    CHECK(f.error() == Error::BadMagic);
    f = next_stream_frame(test::hex("80 60 0001"));
    REQUIRE_FALSE(f);
    CHECK(f.error() == Error::Malformed);
    f = next_stream_frame(test::hex("c0"));
    REQUIRE_FALSE(f);
    // The cookie is checked as soon as its first byte arrives.
    f = next_stream_frame(test::hex("0001 0000 21"));
    REQUIRE(f);
    f = next_stream_frame(test::hex("0001 0000 22"));
    REQUIRE_FALSE(f);
    CHECK(f.error() == Error::BadMagic);
    // STUN lengths are multiples of four and bounded; so is ChannelData.
    f = next_stream_frame(test::hex("0001 0003 2112a442"));
    REQUIRE_FALSE(f);
    CHECK(f.error() == Error::BadLength);
    f = next_stream_frame(test::hex("0001 0800 2112a442"));
    REQUIRE_FALSE(f);
    CHECK(f.error() == Error::BadLength);
    f = next_stream_frame(test::hex("4000 ffff"));
    REQUIRE_FALSE(f);
    CHECK(f.error() == Error::BadLength);
    // The largest message accepted.
    f = next_stream_frame(test::hex("4000 07fc"));
    REQUIRE(f);
    CHECK(f->message_len == 0);  // valid, waiting for 2044 bytes
}
