#include "controlplane/webrtc/negotiation.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace tern;
using namespace tern::cp;

namespace {

/// Offers captured from Chromium 156's createOffer() (testdata/README).
std::string testdata(const char* name) {
    std::ifstream f(std::string(TERN_TESTDATA) + "/" + name);
    REQUIRE(f);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

sdp::Session parsed(const std::string& text) {
    auto s = sdp::parse(text);
    INFO(text);
    REQUIRE(s);
    return *s;
}

LocalParams local() {
    return LocalParams{"tern1",
                       "0123456789abcdefghijkl",
                       "sha-256 AA:BB",
                       {{"198.18.0.2", 20000}, {"2001:2::2", 20000}},
                       42,
                       2};
}

bool has_line(const std::string& sdp, const std::string& line) {
    return sdp.find(line + "\r\n") != std::string::npos;
}

}  // namespace

TEST_CASE("negotiation: Chromium's audio+video+data offer to a publisher", "[sdp][negotiation]") {
    const auto offer = read_offer(parsed(testdata("chromium_offer.sdp")), CodecPreferences{});
    REQUIRE(offer);
    CHECK(offer->ice_ufrag == "JMp4");
    CHECK(offer->ice_pwd == "mh1PAsBBl6TRNA3khLClsah1");
    CHECK(offer->fingerprint.rfind("sha-256 52:E5:77", 0) == 0);
    CHECK(offer->setup == "actpass");
    REQUIRE(offer->sections.size() == 3);

    const auto& audio = offer->sections[0];
    CHECK(audio.accepted);
    CHECK(audio.mid == "0");
    CHECK(audio.kind == MediaKind::Audio);
    CHECK(audio.codec.pt == 111);
    CHECK(audio.codec.name == "opus");
    CHECK(audio.codec.clock_hz == 48000);
    CHECK(audio.codec.channels == 2);
    CHECK(audio.codec.fmtp == "minptime=10;useinbandfec=1");
    CHECK(audio.codec.sfu_codec == 0);
    CHECK(audio.ssrc == 3648275612U);
    REQUIRE(audio.extensions.size() == 3);  // audio level, transport-cc and mid; not abs-send-time
    CHECK(audio.extensions[0].uri == "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
    CHECK(extension_id(audio, kAudioLevelUri) == 1);
    CHECK(extension_id(audio, kTransportCcUri) == 3);
    CHECK(extension_id(audio, "urn:ietf:params:rtp-hdrext:toffset") == 0);
    CHECK(audio.codec.feedback == std::vector<std::string>{"transport-cc"});

    const auto& video = offer->sections[1];
    CHECK(video.accepted);
    CHECK(video.codec.pt == 96);
    CHECK(video.codec.name == "VP8");
    CHECK(video.codec.sfu_codec == 1);
    CHECK(video.codec.feedback ==
          std::vector<std::string>{"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"});
    CHECK(video.ssrc == 1855393388U);
    CHECK(video.rtx_ssrc == 2218936591U);
    CHECK(video.codec.rtx_pt == 97);  // a=fmtp:97 apt=96
    CHECK(audio.codec.rtx_pt == 0);
    CHECK(video.rids.empty());

    CHECK_FALSE(offer->sections[2].accepted);  // data channels off in these preferences
    CHECK(offer->sections[2].kind == MediaKind::Application);

    const std::string answer = write_answer(*offer, local());
    const auto a = parsed(answer);
    CHECK(a.attr("ice-lite"));
    CHECK(a.attr("group") == "BUNDLE 0 1");
    REQUIRE(a.media.size() == 3);
    CHECK(a.media[0].formats == std::vector<std::string>{"111"});
    CHECK(a.media[0].has("recvonly"));
    CHECK(a.media[0].attr("setup") == "passive");
    CHECK(a.media[0].attr("ice-ufrag") == "tern1");
    CHECK(a.media[0].attr("fingerprint") == "sha-256 AA:BB");
    CHECK(a.media[0].attrs("candidate") ==
          std::vector<std::string_view>{"1 1 udp 2130706431 198.18.0.2 20000 typ host",
                                        "2 1 udp 2130706175 2001:2::2 20000 typ host"});
    CHECK(a.media[0].has("end-of-candidates"));
    CHECK(a.media[0].has("rtcp-mux"));
    CHECK(a.media[1].formats == std::vector<std::string>{"96"});
    CHECK(a.media[1].attrs("rtcp-fb") ==
          std::vector<std::string_view>{"96 goog-remb", "96 transport-cc", "96 ccm fir", "96 nack",
                                        "96 nack pli"});
    CHECK(a.media[0].attrs("rtcp-fb") == std::vector<std::string_view>{"111 transport-cc"});
    CHECK(a.media[2].port == 0);
    CHECK(a.media[2].attr("mid") == "2");
    CHECK(has_line(answer, "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid"));
    // tern answers publishers with transport-cc feedback: the extension is kept.
    CHECK(has_line(
        answer,
        "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"));
    CHECK_FALSE(has_line(answer, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"));
    // Video orientation is taken from the publisher's video (subscribers get it under tern's id).
    CHECK(a.media[1].attrs("extmap") ==
          std::vector<std::string_view>{
              "13 urn:3gpp:video-orientation",
              "3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
              "4 urn:ietf:params:rtp-hdrext:sdes:mid"});
    CHECK(extension_id(video, kVideoOrientationUri) == 13);

    // Data channels when enabled.
    CodecPreferences dc;
    dc.data_channels = true;
    const auto with_dc = read_offer(parsed(testdata("chromium_offer.sdp")), dc);
    REQUIRE(with_dc);
    CHECK(with_dc->sections[2].accepted);
    CHECK(with_dc->sections[2].sctp_port == 5000);
    CHECK(with_dc->sections[2].max_message_size == 262144);
    const auto a2 = parsed(write_answer(*with_dc, local()));
    CHECK(a2.attr("group") == "BUNDLE 0 1 2");
    CHECK(a2.media[2].port == 9);
    CHECK(a2.media[2].attr("sctp-port") == "5000");
}

TEST_CASE("negotiation: codec preference picks VP9 or H.264 packetization-mode 1",
          "[sdp][negotiation]") {
    CodecPreferences p;
    p.video = {"VP9"};
    auto o = read_offer(parsed(testdata("chromium_offer.sdp")), p);
    REQUIRE(o);
    CHECK(o->sections[1].codec.pt == 98);
    CHECK(o->sections[1].codec.fmtp == "profile-id=0");
    p.video = {"H264"};
    o = read_offer(parsed(testdata("chromium_offer.sdp")), p);
    REQUIRE(o);
    CHECK(o->sections[1].codec.pt == 102);  // the first with packetization-mode=1
    p.video = {"theora"};
    o = read_offer(parsed(testdata("chromium_offer.sdp")), p);
    REQUIRE(o);
    CHECK_FALSE(o->sections[1].accepted);
    CHECK(o->sections[1].reject_reason == "no supported video codec in the offer");
}

TEST_CASE("negotiation: simulcast with three rids", "[sdp][negotiation]") {
    const auto o = read_offer(parsed(testdata("chromium_simulcast_offer.sdp")), CodecPreferences{});
    REQUIRE(o);
    REQUIRE(o->sections.size() == 1);
    const auto& v = o->sections[0];
    CHECK(v.accepted);
    CHECK(v.ssrc == 0);
    CHECK(v.rids == std::vector<std::string>{"h", "m", "l"});
    const std::string answer = write_answer(*o, local());
    CHECK(has_line(answer, "a=rid:h recv"));
    CHECK(has_line(answer, "a=simulcast:recv h;m;l"));
    CHECK(has_line(answer, "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"));
}

TEST_CASE("negotiation: simulcast by SSRC, as Talk munges Chromium's offer", "[sdp][negotiation]") {
    const auto o = read_offer(parsed(testdata("chromium_sim_offer.sdp")), CodecPreferences{});
    REQUIRE(o);
    const auto& v = o->sections[1];
    CHECK(v.accepted);
    CHECK(v.sim_ssrcs == std::vector<uint32_t>{1855393388, 3000000001, 3000000002});
    CHECK(v.ssrc == 1855393388);  // the lowest layer's, with its own RTX partner
    CHECK(v.rtx_ssrc == 2218936591);
    CHECK(v.rids.empty());
    CHECK(layer_count(v) == 3);
    CHECK(layer_count(o->sections[0]) == 1);
    // Nothing to say about it in the answer: the SSRCs are the offer's.
    const std::string answer = write_answer(*o, local());
    CHECK(answer.find("a=simulcast") == std::string::npos);
    // A SIM group with a repeated or malformed SSRC is not simulcast.
    std::string bad = testdata("chromium_sim_offer.sdp");
    const std::string sim = "SIM 1855393388 3000000001 3000000002";
    REQUIRE(bad.find(sim) != std::string::npos);
    bad.replace(bad.find(sim), sim.size(), "SIM 1855393388 3000000001 3000000001");
    const auto b = read_offer(parsed(bad), CodecPreferences{});
    REQUIRE(b);
    CHECK(b->sections[1].sim_ssrcs.empty());
    CHECK(b->sections[1].ssrc == 1855393388);
}

TEST_CASE("negotiation: rids named for their quality are taken best first in any order",
          "[sdp][negotiation]") {
    std::string text = testdata("chromium_simulcast_offer.sdp");
    const auto at = text.find("a=simulcast:send h;m;l");
    REQUIRE(at != std::string::npos);
    text.replace(at, 22, "a=simulcast:send l;m;h");  // lowest first, as scaled 4/2/1
    const auto o = read_offer(parsed(text), CodecPreferences{});
    REQUIRE(o);
    CHECK(o->sections[0].rids == std::vector<std::string>{"h", "m", "l"});
    CHECK(layer_count(o->sections[0]) == 3);
}

TEST_CASE("negotiation: offers tern cannot take", "[sdp][negotiation]") {
    auto without = [](const std::string& sdp, const std::string& prefix) {
        std::string out;
        std::istringstream in(sdp);
        for (std::string line; std::getline(in, line);) {
            if (line.rfind(prefix, 0) != 0) {
                out += line + "\n";
            }
        }
        return out;
    };
    const std::string good = testdata("chromium_offer.sdp");
    auto e = read_offer(parsed(without(good, "a=ice-ufrag")), CodecPreferences{});
    REQUIRE_FALSE(e);
    CHECK(e.error().find("ICE credentials") != std::string::npos);
    e = read_offer(parsed(without(good, "a=fingerprint")), CodecPreferences{});
    REQUIRE_FALSE(e);
    CHECK(e.error().find("fingerprint") != std::string::npos);
    e = read_offer(parsed(without(good, "a=mid")), CodecPreferences{});
    REQUIRE_FALSE(e);
    std::string passive = good;
    for (std::size_t at; (at = passive.find("a=setup:actpass")) != std::string::npos;) {
        passive.replace(at, 15, "a=setup:passive");
    }
    e = read_offer(parsed(passive), CodecPreferences{});
    REQUIRE_FALSE(e);
    CHECK(e.error().find("DTLS client") != std::string::npos);
    // A section that announces no SSRC is rejected, the rest stays.
    const auto o =
        read_offer(parsed(without(without(good, "a=ssrc:"), "a=ssrc-group")), CodecPreferences{});
    REQUIRE(o);
    CHECK_FALSE(o->sections[0].accepted);
    CHECK_FALSE(o->sections[1].accepted);
}

TEST_CASE("negotiation: tern's offer to a subscriber and the browser's answer",
          "[sdp][negotiation]") {
    const auto pub = read_offer(parsed(testdata("chromium_offer.sdp")), CodecPreferences{});
    REQUIRE(pub);
    std::vector<OutgoingTrack> tracks{
        {"0", MediaKind::Audio, pub->sections[0].codec, 0x11223344, 0, "pub1", "audio0"},
        {"1", MediaKind::Video, pub->sections[1].codec, 0x55667788, 0x99aabbcc, "pub1", "video1"},
    };
    const std::string offer = write_subscriber_offer(tracks, local());
    const auto o = parsed(offer);
    CHECK(o.attr("group") == "BUNDLE 0 1");
    REQUIRE(o.media.size() == 2);
    CHECK(o.media[0].has("sendonly"));
    CHECK(o.media[0].attr("setup") == "actpass");
    CHECK(o.media[1].formats == std::vector<std::string>{"96", "97"});
    CHECK(o.media[1].attr("ssrc-group") == "FID 1432778632 2578103244");
    CHECK(o.media[1].attrs("ssrc") ==
          std::vector<std::string_view>{"1432778632 cname:pub1", "1432778632 msid:pub1 video1",
                                        "2578103244 cname:pub1", "2578103244 msid:pub1 video1"});
    CHECK(has_line(offer, "a=rtpmap:97 rtx/90000"));
    CHECK(has_line(offer, "a=fmtp:97 apt=96"));
    CHECK(o.media[0].formats == std::vector<std::string>{"111"});
    CHECK(o.media[1].attr("msid") == "pub1 video1");
    CHECK(has_line(offer, "a=rtpmap:111 opus/48000/2"));
    // The extension ids the data plane writes for subscribers.
    CHECK(o.media[0].attrs("extmap") ==
          std::vector<std::string_view>{
              "1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
              "2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
              "4 http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time",
              "5 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"});
    CHECK(o.media[1].attrs("extmap") ==
          std::vector<std::string_view>{
              "2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
              "3 urn:3gpp:video-orientation",
              "4 http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time",
              "5 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"});
    const auto with_dc = parsed(write_subscriber_offer(tracks, local(), "2"));
    CHECK(with_dc.attr("group") == "BUNDLE 0 1 2");
    REQUIRE(with_dc.media.size() == 3);
    CHECK(with_dc.media[2].kind == "application");
    CHECK(with_dc.media[2].proto == "UDP/DTLS/SCTP");
    CHECK(with_dc.media[2].attr("sctp-port") == "5000");
    CHECK(with_dc.media[2].attr("setup") == "actpass");
    CHECK(has_line(offer, "a=rtcp-fb:96 nack pli"));
    // Subscribers get transport-wide numbers and are asked for transport-cc feedback (REMB
    // stays offered for a browser without it).
    CHECK(has_line(offer, "a=rtcp-fb:96 goog-remb"));
    CHECK(has_line(offer, "a=rtcp-fb:96 transport-cc"));
    CHECK(has_line(offer, "a=rtcp-fb:111 transport-cc"));

    std::string answer =
        "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 "
        "0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:efghijklmnopqrstuvwxyz12\r\n"
        "a=fingerprint:sha-256 01:02\r\na=setup:active\r\na=mid:0\r\na=recvonly\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=recvonly\r\n";
    auto a = read_answer(parsed(answer));
    REQUIRE(a);
    CHECK(a->ice_ufrag == "abcd");
    CHECK(a->fingerprint == "sha-256 01:02");
    REQUIRE(a->sections.size() == 2);
    CHECK(a->sections[1].remote_receives);
    CHECK_FALSE(keeps_transport_cc(a->sections[1]));  // neither the extension nor the feedback
    // A browser that keeps transport-cc in the video section, with tern's id; the audio one
    // keeps the feedback under another id, which tern would not be writing.
    const std::string with_twcc =
        answer +
        "a=extmap:5 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
        "a=rtcp-fb:96 transport-cc\r\n";
    a = read_answer(parsed(with_twcc));
    REQUIRE(a);
    CHECK(keeps_transport_cc(a->sections[1]));
    CHECK_FALSE(keeps_transport_cc(a->sections[0]));
    std::string other_id = with_twcc;
    other_id.replace(other_id.find("a=extmap:5"), 10, "a=extmap:7");
    a = read_answer(parsed(other_id));
    REQUIRE(a);
    CHECK_FALSE(keeps_transport_cc(a->sections[1]));
    std::string no_feedback = with_twcc;
    no_feedback.erase(no_feedback.find("a=rtcp-fb:96 transport-cc"));
    a = read_answer(parsed(no_feedback));
    REQUIRE(a);
    CHECK_FALSE(keeps_transport_cc(a->sections[1]));
    answer.replace(answer.find("setup:active"), 12, "setup:passiv");
    CHECK_FALSE(read_answer(parsed(answer)));
    CHECK(valid_candidate("a=candidate:1 1 udp 2130706431 198.18.0.1 5000 typ host"));
    CHECK(valid_candidate("candidate:2 1 udp 1 ::1 9 typ host generation 0"));
    CHECK_FALSE(valid_candidate("candidate:1 1 udp"));
    CHECK_FALSE(valid_candidate("candidate:1 1 udp 1 1.2.3.4 99999 typ host"));
}
