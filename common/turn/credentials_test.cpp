#include "common/turn/credentials.hpp"
#include "common/wire/turn/channel_data.hpp"
#include "support/packets.hpp"

#include <catch2/catch.hpp>

using namespace tern;

TEST_CASE("TURN REST credentials: username and password as coturn's use-auth-secret", "[turn]") {
    // Expected values computed independently with:
    //   echo -n "1700000000:alice" | openssl dgst -sha1 -hmac north-secret -binary | base64
    CHECK(turn::rest_username(1700000000, "alice") == "1700000000:alice");
    CHECK(turn::rest_username(1700000000, "") == "1700000000");
    CHECK(turn::rest_password("north-secret", "1700000000:alice") ==
          "g+jb180fcj+xlpA/2mP60OdIgU0=");
    CHECK(turn::rest_password("north-secret", "1700000000") == "KSVUc7JbPzLiz2XwcNjXxFmbP04=");
}

TEST_CASE("TURN REST credentials: expiry parsing", "[turn]") {
    CHECK(turn::rest_expiry("1700000000:alice") == 1700000000U);
    CHECK(turn::rest_expiry("1700000000") == 1700000000U);
    CHECK(turn::rest_expiry("1700000000-alice", '-') == 1700000000U);
    CHECK_FALSE(turn::rest_expiry("alice"));
    CHECK_FALSE(turn::rest_expiry(""));
    CHECK_FALSE(turn::rest_expiry("17x:alice"));
    CHECK_FALSE(turn::rest_expiry("99999999999999999999999:a"));  // overflow
}

TEST_CASE("base64: RFC 4648 §10 vectors", "[turn]") {
    auto enc = [](std::string_view s) {
        char out[64];
        return std::string(out, turn::base64_encode(as_bytes(s.data(), s.size()), out));
    };
    CHECK(enc("") == "");
    CHECK(enc("f") == "Zg==");
    CHECK(enc("fo") == "Zm8=");
    CHECK(enc("foo") == "Zm9v");
    CHECK(enc("foob") == "Zm9vYg==");
    CHECK(enc("fooba") == "Zm9vYmE=");
    CHECK(enc("foobar") == "Zm9vYmFy");
}

TEST_CASE("ChannelData: datagram and stream framing (RFC 8656 §12.4, §12.5)", "[turn][wire]") {
    using namespace wire::turn;
    auto m = test::hex("4001 0005 6865 6c6c 6f00 0000");  // "hello" + 3 bytes padding
    auto v = parse_channel_data(m, Framing::Datagram);
    REQUIRE(v);
    CHECK(v->channel == 0x4001);
    CHECK(v->data.size() == 5);
    CHECK(v->wire_len == 12);
    auto unpadded = parse_channel_data(ByteSpan{m}.first(9), Framing::Datagram);
    REQUIRE(unpadded);  // UDP may omit the padding
    CHECK(unpadded->data.size() == 5);
    CHECK(parse_channel_data(ByteSpan{m}.first(9), Framing::Stream).error() ==
          wire::Error::Truncated);

    // Two messages back to back on a stream.
    auto two = test::hex("4001 0002 6869 0000  4fff 0000");
    auto first = parse_channel_data(two, Framing::Stream);
    REQUIRE(first);
    CHECK(first->wire_len == 8);
    auto second = parse_channel_data(ByteSpan{two}.subspan(first->wire_len), Framing::Stream);
    REQUIRE(second);
    CHECK(second->channel == 0x4fff);
    CHECK(second->data.empty());
}

TEST_CASE("ChannelData: malformed messages are refused", "[turn][wire]") {
    using namespace wire::turn;
    CHECK(parse_channel_data(test::hex("4001 00"), Framing::Datagram).error() ==
          wire::Error::Truncated);
    CHECK(parse_channel_data(test::hex("4001 0008 6869"), Framing::Datagram).error() ==
          wire::Error::Truncated);
    CHECK(parse_channel_data(test::hex("8000 0000"), Framing::Datagram).error() ==
          wire::Error::Malformed);  // not a channel at all
    // RFC 5766's upper range still frames (whether it may be bound is the server's call).
    CHECK(parse_channel_data(test::hex("7fff 0000"), Framing::Datagram));
    CHECK(valid_channel(0x4fff));
    CHECK_FALSE(valid_channel(0x5000));
    CHECK(valid_channel(0x5000, true));
    CHECK(valid_channel(0x7fff, true));
    CHECK_FALSE(valid_channel(0x8000, true));
    CHECK_FALSE(valid_channel(0x3fff, true));
    CHECK(parse_channel_data(test::hex("3fff 0000"), Framing::Datagram).error() ==
          wire::Error::Malformed);
    CHECK(parse_channel_data(test::hex("4001 0001 68 000000 00"), Framing::Datagram).error() ==
          wire::Error::BadLength);  // more than padding after the data
    CHECK(looks_like_channel_data(test::hex("4000")));
    CHECK_FALSE(looks_like_channel_data(test::hex("0001")));
    CHECK(looks_like_channel_data(test::hex("7fff")));
    CHECK_FALSE(looks_like_channel_data(test::hex("8000")));
}
