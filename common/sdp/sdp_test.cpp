#include "common/sdp/sdp.hpp"

#include <catch2/catch.hpp>

using namespace tern;

TEST_CASE("SDP: the example session of RFC 8866 section 5", "[sdp]") {
    const char* text = "v=0\r\n"
                       "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n"
                       "s=Call to John Smith\r\n"
                       "i=SDP Offer #1\r\n"
                       "u=http://www.jdoe.example.com/home.html\r\n"
                       "e=Jane Doe <jane@jdoe.example.com>\r\n"
                       "p=+1 617 555-6011\r\n"
                       "c=IN IP4 198.51.100.1\r\n"
                       "t=0 0\r\n"
                       "m=audio 49170 RTP/AVP 0\r\n"
                       "m=audio 49180 RTP/AVP 0\r\n"
                       "m=video 51372 RTP/AVP 99\r\n"
                       "c=IN IP6 2001:db8::2\r\n"
                       "a=rtpmap:99 h263-1998/90000\r\n";
    auto s = sdp::parse(text);
    REQUIRE(s);
    CHECK(s->lines.size() == 9);
    CHECK(s->lines[1] == "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1");
    REQUIRE(s->media.size() == 3);
    CHECK(s->media[0].kind == "audio");
    CHECK(s->media[0].port == 49170);
    CHECK(s->media[0].proto == "RTP/AVP");
    CHECK(s->media[0].formats == std::vector<std::string>{"0"});
    CHECK(s->media[1].port == 49180);
    CHECK(s->media[2].kind == "video");
    CHECK(s->media[2].lines == std::vector<std::string>{"c=IN IP6 2001:db8::2"});
    CHECK(s->media[2].attr("rtpmap") == "99 h263-1998/90000");
    CHECK_FALSE(s->media[2].attr("fmtp"));
}

TEST_CASE("SDP: LF line ends, flags, repeated attributes, port counts", "[sdp]") {
    auto s = sdp::parse("v=0\na=ice-lite\nm=video 9/2 UDP/TLS/RTP/SAVPF 96 "
                        "97\na=rtcp-mux\na=ssrc:1 cname:x\na=ssrc:2 cname:y\n\n");
    REQUIRE(s);
    CHECK(s->attr("ice-lite") == "");
    REQUIRE(s->media.size() == 1);
    CHECK(s->media[0].port == 9);
    CHECK(s->media[0].has("rtcp-mux"));
    CHECK(s->media[0].attrs("ssrc") == std::vector<std::string_view>{"1 cname:x", "2 cname:y"});
    CHECK(sdp::split("a  b c ", ' ') == std::vector<std::string_view>{"a", "b", "c"});
}

TEST_CASE("SDP: malformed input gives an error naming the line", "[sdp]") {
    CHECK_FALSE(sdp::parse(""));
    CHECK_FALSE(sdp::parse("\r\n\r\n"));
    auto e = sdp::parse("o=- 1 1 IN IP4 0.0.0.0\r\n");
    REQUIRE_FALSE(e);
    CHECK(e.error().find("v=0") != std::string::npos);
    e = sdp::parse("v=0\r\nm=audio\r\n");
    REQUIRE_FALSE(e);
    CHECK(e.error().find("line 2") != std::string::npos);
    CHECK_FALSE(sdp::parse("v=0\r\nm=audio 70000 RTP/AVP 0\r\n"));
    CHECK_FALSE(sdp::parse("v=0\r\nm=audio x RTP/AVP 0\r\n"));
    CHECK_FALSE(sdp::parse("v=0\r\nnot a line\r\n"));
    CHECK_FALSE(sdp::parse("v=0\r\na=\r\n"));
    CHECK_FALSE(sdp::parse("v=0\r\na=x\x01y\r\n"));
    CHECK_FALSE(sdp::parse(std::string("v=0\r\na=") + std::string(sdp::kMaxBytes, 'x')));
    std::string many = "v=0\r\n";
    for (std::size_t i = 0; i <= sdp::kMaxMedia; ++i) {
        many += "m=audio 9 RTP/AVP 0\r\n";
    }
    CHECK_FALSE(sdp::parse(many));
}
